package serve

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// hostileLimits are tight enough to keep the tests short.
var hostileLimits = Limits{
	Timeout:          Duration(500 * time.Millisecond),
	MemoryPages:      64,
	MaxRequestBytes:  1 << 20,
	MaxResponseBytes: 4 << 20,
}

func TestFailures(t *testing.T) {
	logs := &syncBuffer{}
	cfg := oneRoute("/h", artifactPath(t, "c/hostile"), hostileLimits)
	cfg.FlushDelay = Duration(time.Minute) // only more output than is held back commits a status
	ts := startServer(t, cfg, logs)
	for _, tc := range []struct {
		path string
		code int // 0: the response is cut after its status
		kind string
	}{
		{"/loop", 504, "deadline"},
		{"/oob", 500, "out of bounds memory access"},
		{"/stack", 500, "call stack exhausted"},
		{"/grow", 500, "unreachable"},
		{"/exit", 500, "exit"},
		{"/garbage", 502, "bad_response"},
		{"/flood", 0, "response_too_large"},
		{"/cut", 0, "out of bounds memory access"},
		{"/early", 500, "out of bounds memory access"},
	} {
		t.Run(tc.path[1:], func(t *testing.T) {
			start := time.Now()
			resp, err := http.Get(ts.URL + "/h" + tc.path)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Less(t, time.Since(start), 3*time.Second)
			if tc.code == 0 {
				require.Equal(t, 200, resp.StatusCode)
				require.Error(t, err, "the response must be cut, not complete")
				limit := int(hostileLimits.MaxResponseBytes)
				if tc.path == "/cut" {
					limit = 80 << 10 // what it wrote before its trap
				}
				require.LessOrEqual(t, len(body), limit)
			} else {
				require.NoError(t, err)
				require.Equal(t, tc.code, resp.StatusCode, string(body))
				require.Equal(t, http.StatusText(tc.code)+"\n", string(body))
			}
			require.Contains(t, metric(t, ts), fmt.Sprintf(`wasiaot_serve_failures_total{kind=%q,route="/h"}`, tc.kind))
		})
	}
	require.Contains(t, logs.String(), `line="hostile: giving up"`)
}

// metric returns the admin listener's /metrics text.
func metric(t testing.TB, ts *testServer) string {
	t.Helper()
	_, body := get(t, ts.admin+"/metrics")
	return body
}

func TestRequestLimits(t *testing.T) {
	ts := startServer(t, &Config{Routes: []Route{
		{Prefix: "/h", Artifact: artifactPath(t, "c/hostile"), Limits: hostileLimits},
		{Prefix: "/echo", Artifact: artifactPath(t, "c/echo"), Limits: hostileLimits},
	}}, nil)

	// Declared too large: refused before anything runs.
	resp, err := http.Post(ts.URL+"/echo", "text/plain", strings.NewReader(strings.Repeat("x", 2<<20)))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 413, resp.StatusCode)

	// Too large without a declared length (chunked): stopped while reading.
	pr, pw := io.Pipe()
	go func() {
		chunk := strings.Repeat("y", 64<<10)
		for i := 0; i < 64; i++ {
			if _, err := pw.Write([]byte(chunk)); err != nil {
				return
			}
		}
		pw.Close()
	}()
	resp, err = http.Post(ts.URL+"/h/read", "text/plain", pr)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 413, resp.StatusCode, string(b))
	pr.Close()

	// A client that announces a body and never sends it: the program
	// blocked reading stdin is stopped at the deadline.
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST /h/read HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly this")
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 504, resp.StatusCode)
	require.Less(t, time.Since(start), 3*time.Second)
}

func TestQueueFull(t *testing.T) {
	lim := hostileLimits
	lim.Timeout = Duration(2 * time.Second)
	lim.Concurrency = 1
	lim.Queue = 1
	ts := startServer(t, oneRoute("/", artifactPath(t, "c/hostile"), lim), nil)

	// One loops in the only slot, one waits in the queue: the third is
	// turned away at once.
	codes := make(chan int, 2)
	for range 2 {
		go func() {
			resp, err := http.Get(ts.URL + "/loop")
			if err != nil {
				codes <- -1
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	require.Eventually(t, func() bool {
		return strings.Contains(metric(t, ts), `wasiaot_serve_queued_requests{route="/"} 1`)
	}, 5*time.Second, 10*time.Millisecond)
	start := time.Now()
	resp, body := get(t, ts.URL+"/loop")
	require.Equal(t, 503, resp.StatusCode, body)
	require.Equal(t, "1", resp.Header.Get("Retry-After"))
	require.Less(t, time.Since(start), time.Second)
	// The first times out after 2 s; the queued one has about the same
	// deadline, counted from its arrival: it times out in the queue (503) or
	// just after it got the slot (504).
	got := []int{<-codes, <-codes}
	slices.Sort(got)
	require.Equal(t, 504, got[1])
	require.Contains(t, []int{503, 504}, got[0])
}

// TestSlowReader: a client that never reads a large response leaves the
// program blocked writing; the deadline stops it and frees its slot.
func TestSlowReader(t *testing.T) {
	lim := hostileLimits
	lim.MaxResponseBytes = 1 << 30
	ts := startServer(t, oneRoute("/s", artifactPath(t, "c/stream"), lim), nil)
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(conn, "GET /s?n=%d HTTP/1.1\r\nHost: x\r\n\r\n", 256<<20)
	// Never read: the server's writes fill the socket buffers and block.
	start := time.Now()
	require.Eventually(t, func() bool {
		m := metric(t, ts)
		return strings.Contains(m, `wasiaot_serve_failures_total{kind="deadline",route="/s"} 1`) &&
			strings.Contains(m, `wasiaot_serve_instances_in_use{route="/s"} 0`)
	}, 5*time.Second, 20*time.Millisecond)
	require.Less(t, time.Since(start), 3*time.Second)
}

// TestTrapUnknownImports: a program importing what WASI does not provide
// loads only with trap_unknown_imports, and the import traps when called.
func TestTrapUnknownImports(t *testing.T) {
	cfg := oneRoute("/f", artifactPath(t, "c/foreign"), Limits{})
	_, err := New(cfg, slog.New(slog.DiscardHandler))
	require.ErrorContains(t, err, `unknown import: "host" "missing"`)

	cfg.Routes[0].TrapUnknownImports = true
	logs := &syncBuffer{}
	ts := startServer(t, cfg, logs)
	resp, body := get(t, ts.URL+"/f/other")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "no foreign call\n", body)
	resp, _ = get(t, ts.URL+"/f/call")
	require.Equal(t, 500, resp.StatusCode)
	require.Contains(t, logs.String(), `unknown import \"host\" \"missing\" called`)
}

// A deadline that comes while the status line is being written does not
// close the connection before it: the client gets the status and a cut
// body, or the 504 if nothing went out. (Failing the write in progress at
// once used to send nothing after the status was committed, one request
// in a few hundred here.)
func TestDeadlineDuringFirstWrite(t *testing.T) {
	lim := hostileLimits
	lim.Timeout = Duration(3 * time.Millisecond) // comes during the flood's first writes
	lim.Concurrency = 8
	ts := startServer(t, oneRoute("/h", artifactPath(t, "c/hostile"), lim), nil)
	var (
		mu   sync.Mutex
		errs []error
		n    atomic.Int64
	)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer c.CloseIdleConnections()
			for range 100 {
				code, cut, err := getCase("/h/flood")(c, ts.URL)
				n.Add(1)
				if err == nil && !(code == 200 && cut) && code != 504 {
					err = fmt.Errorf("status %d (cut %v), want a cut 200 or a 504", code, cut)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	require.Empty(t, errs, "of %d requests", n.Load())
}
