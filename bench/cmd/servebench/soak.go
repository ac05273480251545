package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/runtime/serve"
)

// The soak variant of the hostile-load test (runtime/serve TestHostileLoad):
// hello traffic with a tenth of the requests misbehaving, slow clients on
// the side, for many requests, sampling the server's RSS as it goes.
//
//	cd bench && go run ./cmd/servebench -soak 1000000

// soakHostileTimeout is the hostile route's deadline, queueing included:
// short, so that the guests that spin until it (two in seven hostile
// requests) leave CPU for the million requests. On a loaded machine it may
// come before a guest traps or floods (a stack overflow has 8 MiB of native
// stack to fill): the answer is then the deadline's 504, a 5xx in time all
// the same, counted apart.
const soakHostileTimeout = 50 * time.Millisecond

// soakServer serves hello and hostile as the hostile-load test does.
func soakServer(ctx context.Context, ln net.Listener, adminAddr, dir string) error {
	cfg := &serve.Config{
		WatchInterval:     -1,
		ReadHeaderTimeout: serve.Duration(time.Second),
		Routes: []serve.Route{
			{Prefix: "/hello", Artifact: filepath.Join(dir, "hello.so"), Limits: serve.Limits{Concurrency: 64, Queue: 1024}},
			{Prefix: "/h", Artifact: filepath.Join(dir, "hostile.so"), Limits: serve.Limits{
				Timeout: serve.Duration(soakHostileTimeout), MemoryPages: 64, MaxRequestBytes: 1 << 20,
				MaxResponseBytes: 4 << 20, Concurrency: 16, Queue: 64}},
		},
	}
	s, err := serve.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer s.Close()
	serve.TuneGC() // as wasiaot serve does
	adm, err := net.Listen("tcp", adminAddr)
	if err != nil {
		return err
	}
	return s.Run(ctx, ln, adm)
}

// gauge reads one unlabelled gauge from a Prometheus text endpoint, or NaN.
func gauge(url, name string) float64 {
	resp, err := http.Get(url)
	if err != nil {
		return math.NaN()
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return math.NaN()
}

// soakCase is one way a request misbehaves and the status it must get
// (or, cut, a 200 whose body is cut short).
type soakCase struct {
	name string
	do   func(c *http.Client, base string) (code int, cut bool, err error)
	code int
	cut  bool
}

func soakGet(path string) func(*http.Client, string) (int, bool, error) {
	return func(c *http.Client, base string) (int, bool, error) {
		resp, err := c.Get(base + path)
		if err != nil {
			return 0, false, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, err != nil, nil
	}
}

var soakCases = []soakCase{
	{"loop", soakGet("/h/loop"), 504, false},
	{"oob", soakGet("/h/oob"), 500, false},
	{"stack", soakGet("/h/stack"), 500, false},
	{"grow", soakGet("/h/grow"), 500, false},
	{"flood", soakGet("/h/flood"), 200, true},
	{"stalled body", func(c *http.Client, base string) (int, bool, error) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			return 0, false, err
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /h/read HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nsome of it")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return 0, false, err
		}
		resp.Body.Close()
		return resp.StatusCode, false, nil
	}, 504, false},
	{"unread body", func(c *http.Client, base string) (int, bool, error) {
		resp, err := c.Post(base+"/h/loop", "application/octet-stream", bytes.NewReader(make([]byte, 512<<10)))
		if err != nil {
			return 0, false, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, err != nil, nil
	}, 504, false},
}

// soak runs total requests against a wasiaot server process and writes the
// report to out.
func soak(total int64, out string) error {
	dir, err := os.MkdirTemp("", "servebench-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for name, src := range map[string]string{"hello": programs["hello"], "hostile": "../runtime/serve/testdata/c/hostile.wasm"} {
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		so, err := compiler.Compile(b, compiler.DefaultOptions())
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".so"), so, 0o644); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	addr, admin := freeAddr(), freeAddr()
	cmd := exec.Command(self, "-server", "soak", "-addr", addr, "-admin", admin, "-dir", dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	base := "http://" + addr
	if err := waitUp(base + "/hello"); err != nil {
		return err
	}

	type sample struct {
		requests, hello, hostile int64
		rss                      int64   // KiB
		heap                     float64 // bytes of Go heap in use
		pool                     float64 // bytes the idle linear memories keep resident
		at                       time.Duration
	}
	var (
		done, hello, hostile, helloFail, hostileFail, busy atomic.Int64
		early                                              atomic.Int64
		slowOK, slowFail                                   atomic.Int64
		mu                                                 sync.Mutex
		failures                                           []string
		samples                                            []sample
	)
	failf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	start := time.Now()
	record := func() {
		s := sample{done.Load(), hello.Load(), hostile.Load(), readRSS(cmd.Process.Pid)[0], gauge("http://"+admin+"/metrics", "go_memstats_heap_inuse_bytes"),
			gauge("http://"+admin+"/metrics", "wasiaot_serve_pool_idle_resident_bytes"), time.Since(start)}
		mu.Lock()
		samples = append(samples, s)
		mu.Unlock()
		fmt.Fprintf(os.Stderr, "soak: %8d requests (%d hello, %d hostile) after %v: RSS %.1f MiB, Go heap %.1f MiB, idle memories %.1f MiB\n",
			s.requests, s.hello, s.hostile, s.at.Round(time.Second), float64(s.rss)/1024, s.heap/(1<<20), s.pool/(1<<20))
	}
	record()
	const every = 100_000
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 10 * time.Second}
			defer c.CloseIdleConnections()
			rng := rand.New(rand.NewPCG(uint64(w), 2))
			for !stop.Load() {
				n := done.Add(1)
				if n > total {
					done.Add(-1)
					stop.Store(true)
					return
				}
				if rng.IntN(10) == 0 {
					tc := soakCases[rng.IntN(len(soakCases))]
					t0 := time.Now()
					code, cut, err := tc.do(c, base)
					hostile.Add(1)
					switch {
					case err != nil:
						hostileFail.Add(1)
						failf("%s: %v", tc.name, err)
					case code == 503:
						busy.Add(1) // turned away: its 5xx too
					case code == 504 && tc.code != 504:
						early.Add(1) // the deadline came first
					case code != tc.code || cut != tc.cut:
						hostileFail.Add(1)
						failf("%s: got %d (cut %v), want %d (cut %v)", tc.name, code, cut, tc.code, tc.cut)
					case time.Since(t0) > 3*time.Second:
						hostileFail.Add(1)
						failf("%s: took %v", tc.name, time.Since(t0))
					}
				} else {
					resp, err := c.Get(base + "/hello")
					hello.Add(1)
					if err != nil {
						helloFail.Add(1)
						failf("hello: %v", err)
					} else {
						b, err := io.ReadAll(resp.Body)
						resp.Body.Close()
						if err != nil || resp.StatusCode != 200 || string(b) != "hello, world\n" {
							helloFail.Add(1)
							failf("hello: %d %q %v", resp.StatusCode, b, err)
						}
					}
				}
				if n%every == 0 {
					record()
				}
			}
		}()
	}
	// Slow clients: a request header trickling in a byte at a time, which
	// the server must drop after its ReadHeaderTimeout (1 s).
	var slow sync.WaitGroup
	for range 3 {
		slow.Add(1)
		go func() {
			defer slow.Done()
			for !stop.Load() {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					slowFail.Add(1)
					failf("slowloris: %v", err)
					return
				}
				t0 := time.Now()
				closed := false
				for _, b := range []byte("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ") {
					if _, err := conn.Write([]byte{b}); err != nil {
						closed = true
						break
					}
					time.Sleep(150 * time.Millisecond)
					if time.Since(t0) > 3*time.Second {
						break
					}
				}
				if !closed {
					conn.SetReadDeadline(time.Now().Add(2 * time.Second))
					_, err := conn.Read(make([]byte, 1))
					ne, timeout := err.(net.Error)
					closed = err != nil && !(timeout && ne.Timeout())
				}
				conn.Close()
				if closed {
					slowOK.Add(1)
				} else {
					slowFail.Add(1)
					failf("slowloris: connection still open after %v", time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	slow.Wait()
	if samples[len(samples)-1].requests != done.Load() {
		record()
	}
	took := time.Since(start)

	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# Hostile load, soak (%s, %s)\n\n", time.Now().Format("2006-01-02"), host)
	fmt.Fprintf(&b, "Command: `cd bench && go run ./cmd/servebench -soak %d`. One wasiaot server process (routes as in\n", total)
	fmt.Fprintf(&b, "`runtime/serve` TestHostileLoad: `/hello` the C hello program, `/h` the hostile one with 64 pages of memory,\n")
	fmt.Fprintf(&b, "4 MiB of response, a %v deadline), 16 client goroutines of which each request is, one time in\n", soakHostileTimeout)
	fmt.Fprintf(&b, "ten, a hostile one (loop, out-of-bounds, stack overflow, memory growth to the cap,\n")
	fmt.Fprintf(&b, "100 MiB of output,\n")
	fmt.Fprintf(&b, "a stalled body, an unread body), and 3 slowloris clients trickling a header.\n\n")
	fmt.Fprintf(&b, "%d requests in %v (%.0f/s): %d hello (%d failed), %d hostile (%d with the wrong answer or late,\n",
		done.Load(), took.Round(time.Second), float64(done.Load())/took.Seconds(), hello.Load(), helloFail.Load(), hostile.Load(), hostileFail.Load())
	fmt.Fprintf(&b, "%d turned away with 503 while their route was full, %d answered 504 because their deadline came before\n", busy.Load(), early.Load())
	fmt.Fprintf(&b, "their trap or output); slowloris connections: %d dropped by the server, %d not.\n\n", slowOK.Load(), slowFail.Load())
	b.WriteString("| requests | hello | hostile | elapsed | server RSS (MiB) | Go heap in use (MiB) | idle memories' resident pages (MiB) |\n|---|---|---|---|---|---|---|\n")
	for _, s := range samples {
		fmt.Fprintf(&b, "| %d | %d | %d | %v | %.1f | %.1f | %.1f |\n", s.requests, s.hello, s.hostile, s.at.Round(time.Second), float64(s.rss)/1024, s.heap/(1<<20), s.pool/(1<<20))
	}
	first, last := samples[0], samples[len(samples)-1]
	var steady sample
	for _, s := range samples {
		if s.requests >= every {
			steady = s
			break
		}
	}
	lo, hi := last.rss, last.rss
	for _, x := range samples[len(samples)/2:] {
		lo, hi = min(lo, x.rss), max(hi, x.rss)
	}
	fmt.Fprintf(&b, "\nRSS at the end against the start: %+.1f%%; over the second half of the run it stayed within %.1f–%.1f MiB", pct(last.rss, first.rss), float64(lo)/1024, float64(hi)/1024)
	criterion := "not measured (fewer than 100k requests)"
	if steady.requests > 0 {
		d := pct(last.rss, steady.rss)
		criterion = "met"
		if d < -10 || d > 10 {
			criterion = "NOT met"
		}
		fmt.Fprintf(&b, "; against the first 100k requests (pools and caches warm): %+.1f%% (criterion ±10%%: %s)", d, criterion)
	}
	b.WriteString(".\n")
	if len(failures) > 0 {
		b.WriteString("\nFirst failures:\n\n")
		for _, f := range failures {
			fmt.Fprintf(&b, "- %s\n", f)
		}
	}
	fmt.Print(b.String())
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	if helloFail.Load() > 0 || hostileFail.Load() > 0 || slowFail.Load() > 0 || criterion == "NOT met" {
		return fmt.Errorf("soak failed: %d hello, %d hostile, %d slowloris failures; RSS criterion %s", helloFail.Load(), hostileFail.Load(), slowFail.Load(), criterion)
	}
	return nil
}

func pct(a, b int64) float64 { return (float64(a) - float64(b)) / float64(b) * 100 }
