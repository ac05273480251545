// Command servebench measures HTTP serving of the CGI-for-WASI contract under
// load: wasiaot serve against the same logic as native Go net/http handlers
// and small servers on wazero and on Wasmtime (wasmtime-go) instantiating per
// request, with wrk as the load generator and every response body checked.
//
//	cd bench && go run ./cmd/servebench [-duration 5s] [-conns 1,16,128]
//	cd bench && go run ./cmd/servebench -soak 1000000   # hostile load, RSS over time
//
// Each engine runs as its own process (so that its RSS is its own); the table
// goes to stdout and results/<date>-serve.md.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wasiaot/wasiaot/compiler"
)

// route is one benchmark route: the same path on every engine.
type route struct {
	name, prefix, program string
	method, ctype, path   string
	body                  string // request body
	want                  string // response body
}

var routes = func() []route {
	json := `{"items":[` + strings.Repeat(`{"key":"value","n":1234567},`, 146) + `{}]}`
	stream := make([]byte, 1<<20)
	for i := range stream {
		stream[i] = 'a' + byte(i%26)
	}
	return []route{
		{name: "C hello", prefix: "/hello", program: "hello", method: "GET", path: "/hello", want: "hello, world\n"},
		{name: "C echo 4 KB JSON", prefix: "/echo", program: "echo", method: "POST", ctype: "application/json", path: "/echo",
			body: json, want: json},
		{name: "C stream 1 MiB", prefix: "/stream", program: "stream", method: "GET", path: "/stream", want: string(stream)},
		{name: "Go hello", prefix: "/go", program: "gohello", method: "GET", path: "/go/x",
			want: "hello from Go, GET /x (0 bytes)\n"},
	}
}()

// programs are the routes' wasm sources in the main module's testdata.
var programs = map[string]string{
	"hello":   "../runtime/serve/testdata/c/hello.wasm",
	"echo":    "../runtime/serve/testdata/c/echo.wasm",
	"stream":  "../runtime/serve/testdata/c/stream.wasm",
	"gohello": "../runtime/serve/testdata/go/hello.wasm",
}

func main() {
	server := flag.String("server", "", "(internal) serve with this engine")
	addr := flag.String("addr", "", "(internal) listen address")
	admin := flag.String("admin", "", "(internal) admin address (wasiaot)")
	dir := flag.String("dir", "", "(internal) directory of the programs")
	duration := flag.Duration("duration", 5*time.Second, "length of each measurement")
	connsFlag := flag.String("conns", "1,16,128", "connection counts")
	enginesFlag := flag.String("engines", "native,wasiaot,wazero,wasmtime", "engines")
	routesFlag := flag.String("routes", "", "route names to run (comma-separated prefixes without /), default all")
	out := flag.String("o", "", "markdown output (default results/<date>-serve.md, or <date>-soak.md)")
	soakN := flag.Int64("soak", 0, "instead: the hostile-load soak, this many requests (see soak.go)")
	flag.Parse()
	if *server != "" {
		if err := runServer(*server, *addr, *admin, *dir); err != nil {
			fmt.Fprintln(os.Stderr, "servebench server:", err)
			os.Exit(1)
		}
		return
	}
	if *soakN > 0 {
		if *out == "" {
			*out = filepath.Join("results", time.Now().Format("2006-01-02")+"-soak.md")
		}
		if err := soak(*soakN, *out); err != nil {
			fatal(err)
		}
		return
	}
	var conns []int
	for _, c := range strings.Split(*connsFlag, ",") {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 {
			fatal(fmt.Errorf("-conns: %q", c))
		}
		conns = append(conns, n)
	}
	sel := routes
	if *routesFlag != "" {
		sel = nil
		for _, r := range routes {
			if strings.Contains(","+*routesFlag+",", ","+strings.TrimPrefix(r.prefix, "/")+",") {
				sel = append(sel, r)
			}
		}
	}
	if *out == "" {
		*out = filepath.Join("results", time.Now().Format("2006-01-02")+"-serve.md")
	}
	if err := bench(strings.Split(*enginesFlag, ","), sel, conns, *duration, *out); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "servebench:", err)
	os.Exit(1)
}

// cell is one measurement.
type cell struct {
	Requests   int64 `json:"requests"`
	DurationUS int64 `json:"duration_us"`
	P50, P99   int64 // µs
	P999       int64 `json:"p999"`
	Errors     int64 `json:"errors"`
	Bad        int64 `json:"bad"`
	Non2xx     int64 `json:"non2xx"`
}

func (c cell) rps() float64 { return float64(c.Requests) / (float64(c.DurationUS) / 1e6) }

type result struct {
	engine string
	route  string
	conns  int
	c      cell
}

func bench(engines []string, sel []route, conns []int, d time.Duration, out string) error {
	dir, err := os.MkdirTemp("", "servebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, r := range routes { // every server serves every route
		src, err := os.ReadFile(programs[r.program])
		if err != nil {
			return err
		}
		so, err := compiler.Compile(src, compiler.DefaultOptions())
		if err != nil {
			return fmt.Errorf("%s: %w", r.program, err)
		}
		if err := os.WriteFile(filepath.Join(dir, r.program+".so"), so, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, r.program+".wasm"), src, 0o644); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var results []result
	rss := map[string][2]int64{}
	starts := map[string]startTimes{}
	for _, eng := range engines {
		addr, admin := freeAddr(), freeAddr()
		cmd := exec.Command(self, "-server", eng, "-addr", addr, "-admin", admin, "-dir", dir)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		stop := func() {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
		base := "http://" + addr
		if err := waitUp(base + sel[0].path); err != nil {
			stop()
			return fmt.Errorf("%s: %w", eng, err)
		}
		for _, r := range sel {
			if err := check(base, r); err != nil {
				stop()
				return fmt.Errorf("%s %s: %w", eng, r.name, err)
			}
			if _, err := runWrk(base, r, 16, time.Second, dir); err != nil { // warm-up
				stop()
				return fmt.Errorf("%s %s: %w", eng, r.name, err)
			}
			for _, c := range conns {
				res, err := runWrk(base, r, c, d, dir)
				if err != nil {
					stop()
					return fmt.Errorf("%s %s: %w", eng, r.name, err)
				}
				fmt.Fprintf(os.Stderr, "%-8s %-18s %4d conns: %9.0f req/s  p50 %6d µs  p99 %6d µs  p99.9 %6d µs  errors %d bad %d\n",
					eng, r.name, c, res.rps(), res.P50, res.P99, res.P999, res.Errors+res.Non2xx, res.Bad)
				results = append(results, result{eng, r.name, c, res})
			}
		}
		rss[eng] = readRSS(cmd.Process.Pid)
		if eng == "wasiaot" {
			for _, r := range sel {
				starts[r.name] = instanceStart("http://"+admin+"/metrics", r.prefix)
			}
		}
		stop()
	}
	md := table(engines, sel, conns, results, rss, starts, d)
	fmt.Print(md)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, []byte(md), 0o644)
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitUp(url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("server at %s did not come up", url)
}

// check makes one request with Go's client and compares the body.
func check(base string, r route) error {
	req, err := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
	if err != nil {
		return err
	}
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || string(b) != r.want {
		return fmt.Errorf("status %d, body of %d bytes (want %d): %.80q", resp.StatusCode, len(b), len(r.want), b)
	}
	return nil
}

// luaScript makes wrk send r's request, compare every response body with the
// expected one, and print one JSON line at the end.
func luaScript(r route, dir string) (string, error) {
	want := filepath.Join(dir, r.program+".want")
	if err := os.WriteFile(want, []byte(r.want), 0o644); err != nil {
		return "", err
	}
	body := filepath.Join(dir, r.program+".body")
	if err := os.WriteFile(body, []byte(r.body), 0o644); err != nil {
		return "", err
	}
	script := fmt.Sprintf(`
local function slurp(p) local f = assert(io.open(p, "rb")); local s = f:read("*a"); f:close(); return s end
local want = slurp(%q)
wrk.method = %q
local b = slurp(%q)
if #b > 0 then wrk.body = b end
if %q ~= "" then wrk.headers["Content-Type"] = %q end
bad = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status ~= 200 or body ~= want then bad = bad + 1 end
end
function done(summary, latency, requests)
  local nbad = 0
  for _, t in ipairs(threads) do nbad = nbad + t:get("bad") end
  local e = summary.errors
  io.write(string.format('{"requests":%%d,"duration_us":%%d,"P50":%%d,"P99":%%d,"p999":%%d,"errors":%%d,"bad":%%d,"non2xx":%%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    e.connect + e.read + e.write + e.timeout, nbad, e.status))
end
`, want, r.method, body, r.ctype, r.ctype)
	p := filepath.Join(dir, r.program+".lua")
	return p, os.WriteFile(p, []byte(script), 0o644)
}

func runWrk(base string, r route, conns int, d time.Duration, dir string) (cell, error) {
	script, err := luaScript(r, dir)
	if err != nil {
		return cell{}, err
	}
	threads := min(conns, 2)
	cmd := exec.Command("wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		"-d", fmt.Sprintf("%.0fs", math.Max(1, d.Seconds())), "--timeout", "5s", "-s", script, base+r.path)
	outb, err := cmd.Output()
	if err != nil {
		return cell{}, fmt.Errorf("wrk: %w: %s", err, outb)
	}
	for _, line := range strings.Split(string(outb), "\n") {
		if strings.HasPrefix(line, "{") {
			var c cell
			if err := json.Unmarshal([]byte(line), &c); err != nil {
				return cell{}, err
			}
			return c, nil
		}
	}
	return cell{}, fmt.Errorf("wrk printed no result: %s", outb)
}

// readRSS returns the process's current and peak resident set in KiB.
func readRSS(pid int) [2]int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return [2]int64{}
	}
	var cur, peak int64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			cur = v
		case "VmHWM:":
			peak = v
		}
	}
	return [2]int64{cur, peak}
}

// startTimes is a route's instance start from the server's own metrics:
// mean wall and CPU time in µs, and the share of starts whose CPU time was
// at most 10 µs.
type startTimes struct{ wall, cpu, cpuUnder10 float64 }

func instanceStart(url, prefix string) startTimes {
	nan := math.NaN()
	st := startTimes{nan, nan, nan}
	resp, err := http.Get(url)
	if err != nil {
		return st
	}
	defer resp.Body.Close()
	var wallSum, wallN, cpuSum, cpuN, under float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	label := fmt.Sprintf(`{route=%q}`, prefix)
	under10 := fmt.Sprintf(`wasiaot_serve_instance_start_cpu_seconds_bucket{route=%q,le="1e-05"} `, prefix)
	for sc.Scan() {
		line := sc.Text()
		for _, m := range []struct {
			name string
			v    *float64
		}{
			{"wasiaot_serve_instance_start_seconds_sum" + label + " ", &wallSum},
			{"wasiaot_serve_instance_start_seconds_count" + label + " ", &wallN},
			{"wasiaot_serve_instance_start_cpu_seconds_sum" + label + " ", &cpuSum},
			{"wasiaot_serve_instance_start_cpu_seconds_count" + label + " ", &cpuN},
			{under10, &under},
		} {
			if v, ok := strings.CutPrefix(line, m.name); ok {
				*m.v, _ = strconv.ParseFloat(v, 64)
			}
		}
	}
	return startTimes{wallSum / wallN * 1e6, cpuSum / cpuN * 1e6, under / cpuN}
}

func table(engines []string, sel []route, conns []int, results []result, rss map[string][2]int64, starts map[string]startTimes, d time.Duration) string {
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# HTTP serving, CGI for WASI (%s, %s, %d s per cell, wrk)\n\n", time.Now().Format("2006-01-02"), host, int(d.Seconds()))
	fmt.Fprintf(&b, "Throughput in requests/s; latency p50 / p99 / p99.9 in µs. Every response body checked: a cell with a failed check shows the count.\n\n")
	fmt.Fprintf(&b, "| route | conns |")
	for _, e := range engines {
		fmt.Fprintf(&b, " %s req/s | %s p50/p99/p99.9 |", e, e)
	}
	b.WriteString("\n|---|---|")
	for range engines {
		b.WriteString("---|---|")
	}
	b.WriteString("\n")
	for _, r := range sel {
		for _, c := range conns {
			fmt.Fprintf(&b, "| %s | %d |", r.name, c)
			for _, e := range engines {
				var res *cell
				for i := range results {
					if results[i].engine == e && results[i].route == r.name && results[i].conns == c {
						res = &results[i].c
					}
				}
				if res == nil {
					b.WriteString(" | |")
					continue
				}
				flag := ""
				if n := res.Bad + res.Errors + res.Non2xx; n > 0 {
					flag = fmt.Sprintf(" (%d failed)", n)
				}
				fmt.Fprintf(&b, " %.0f%s | %d / %d / %d |", res.rps(), flag, res.P50, res.P99, res.P999)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\nServer RSS after its runs (current / peak, MiB):\n\n| engine | RSS | peak |\n|---|---|---|\n")
	for _, e := range engines {
		fmt.Fprintf(&b, "| %s | %.1f | %.1f |\n", e, float64(rss[e][0])/1024, float64(rss[e][1])/1024)
	}
	if len(starts) > 0 {
		b.WriteString("\nwasiaot instance start (WASI context + instantiate, over every request, from its /metrics): " +
			"the CPU the server spent on it (`wasiaot_serve_instance_start_cpu_seconds`) and the wall time, waiting for a CPU included " +
			"(`wasiaot_serve_instance_start_seconds`):\n\n| route | CPU mean µs | CPU ≤ 10 µs | wall mean µs |\n|---|---|---|---|\n")
		for _, r := range sel {
			st := starts[r.name]
			fmt.Fprintf(&b, "| %s | %.1f | %.1f%% | %.1f |\n", r.name, st.cpu, 100*st.cpuUnder10, st.wall)
		}
	}
	return b.String()
}
