package serve

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// hostileCase is one way a request can misbehave and what it must get.
type hostileCase struct {
	name string
	do   func(c *http.Client, base string) (code int, cut bool, err error)
	code int  // the status it must get
	cut  bool // or: the status was sent and the body must be cut
}

func getCase(path string) func(*http.Client, string) (int, bool, error) {
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

// stalledBody announces a body and sends only part of it.
func stalledBody(c *http.Client, base string) (int, bool, error) {
	addr := strings.TrimPrefix(base, "http://")
	conn, err := net.Dial("tcp", addr)
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
}

// unreadBody sends a large body to a program that never reads it and loops.
func unreadBody(c *http.Client, base string) (int, bool, error) {
	resp, err := c.Post(base+"/h/loop", "application/octet-stream", bytes.NewReader(make([]byte, 512<<10)))
	if err != nil {
		return 0, false, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err != nil, nil
}

// TestHostileLoad runs hello traffic while a tenth of the requests misbehave
// in every way the limits cover, and slow clients hold connections: every
// hello request must succeed, every hostile one must get its error in time.
func TestHostileLoad(t *testing.T) {
	duration := 8 * time.Second
	if testing.Short() {
		duration = 2 * time.Second
	}
	hostile := hostileLimits
	// Long enough that a trapping guest (8 MiB of stack to fill) traps
	// before its deadline on a loaded 2-core machine, short enough that a
	// loop's 504 comes well within the 3 s every hostile request is given.
	hostile.Timeout = Duration(time.Second)
	hostile.Concurrency = 8
	cfg := &Config{
		ReadHeaderTimeout: Duration(time.Second),
		Routes: []Route{
			{Prefix: "/hello", Artifact: artifactPath(t, "c/hello")},
			{Prefix: "/h", Artifact: artifactPath(t, "c/hostile"), Limits: hostile},
		},
	}
	logs := &syncBuffer{}
	ts := startServer(t, cfg, logs)

	cases := []hostileCase{
		{"loop", getCase("/h/loop"), 504, false},
		{"oob", getCase("/h/oob"), 500, false},
		{"stack", getCase("/h/stack"), 500, false},
		{"grow", getCase("/h/grow"), 500, false},
		{"flood", getCase("/h/flood"), 200, true},
		{"stalled body", stalledBody, 504, false},
		{"unread body", unreadBody, 504, false},
	}
	// A hostile request may be turned away when its route is full: that is
	// its 5xx too, and never a hello's.
	busy := hostileCase{code: 503}

	var (
		hello, hostileN atomic.Int64
		mu              sync.Mutex
		failures        []string
	)
	failf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	stop := time.Now().Add(duration)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 10 * time.Second}
			defer c.CloseIdleConnections()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for time.Now().Before(stop) {
				if rng.IntN(10) == 0 {
					tc := cases[rng.IntN(len(cases))]
					start := time.Now()
					code, cut, err := tc.do(c, ts.URL)
					took := time.Since(start)
					hostileN.Add(1)
					switch {
					case err != nil:
						failf("%s: %v", tc.name, err)
					case code == busy.code:
					case code != tc.code || cut != tc.cut:
						failf("%s: got %d (cut %v), want %d (cut %v)", tc.name, code, cut, tc.code, tc.cut)
					}
					if took > 3*time.Second {
						failf("%s: took %v", tc.name, took)
					}
					continue
				}
				start := time.Now()
				resp, err := c.Get(ts.URL + "/hello")
				if err != nil {
					failf("hello: %v", err)
					continue
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				hello.Add(1)
				if err != nil || resp.StatusCode != 200 || string(b) != "hello, world\n" {
					failf("hello: %d %q %v", resp.StatusCode, b, err)
				}
				if took := time.Since(start); took > 3*time.Second {
					failf("hello: took %v", took)
				}
			}
		}()
	}
	// Slow clients: a request header trickling in, a byte at a time.
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
				if err != nil {
					failf("slowloris: %v", err)
					return
				}
				start := time.Now()
				closed := false
				for _, b := range []byte("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ") {
					if _, err := conn.Write([]byte{b}); err != nil {
						closed = true
						break
					}
					time.Sleep(150 * time.Millisecond)
					if time.Since(start) > 3*time.Second {
						break
					}
				}
				if !closed {
					// The server must have given up on the header by now.
					conn.SetReadDeadline(time.Now().Add(2 * time.Second))
					_, err := conn.Read(make([]byte, 1))
					closed = err == io.EOF || err != nil && !isTimeout(err)
				}
				conn.Close()
				if !closed {
					failf("slowloris: connection still open after %v", time.Since(start))
				}
			}
		}()
	}
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("%d hello requests, %d hostile ones", hello.Load(), hostileN.Load())
	require.Positive(t, hello.Load())
	require.Positive(t, hostileN.Load())
	require.NotContains(t, logs.String(), "panic")
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
