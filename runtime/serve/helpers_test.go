package serve

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler"
)

// programs compiles the checked-in test programs once per test binary into
// artifacts in a shared directory.
var programs = struct {
	once sync.Once
	dir  string
	err  error
}{}

// artifactPath returns the artifact of testdata program name ("c/hello",
// "go/hello").
func artifactPath(t testing.TB, name string) string {
	t.Helper()
	programs.once.Do(func() {
		programs.dir, programs.err = os.MkdirTemp("", "serve-test-")
	})
	require.NoError(t, programs.err)
	out := filepath.Join(programs.dir, strings.ReplaceAll(name, "/", "_")+".so")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	src, err := os.ReadFile(filepath.Join("testdata", name+".wasm"))
	require.NoError(t, err)
	so, err := compiler.Compile(src, compiler.DefaultOptions())
	require.NoError(t, err, name)
	tmp := out + ".tmp"
	require.NoError(t, os.WriteFile(tmp, so, 0o644))
	require.NoError(t, os.Rename(tmp, out))
	return out
}

// TestMain removes the compiled programs.
func TestMain(m *testing.M) {
	code := m.Run()
	if programs.dir != "" {
		os.RemoveAll(programs.dir)
	}
	os.Exit(code)
}

// testServer runs a Server for cfg on a loopback port; the returned URL has
// no trailing slash. Logs go to logw (discarded if nil).
type testServer struct {
	*Server
	URL   string
	admin string
	stop  func()
}

func startServer(t testing.TB, cfg *Config, logw io.Writer) *testServer {
	t.Helper()
	if logw == nil {
		logw = io.Discard
	}
	if cfg.WatchInterval == 0 {
		cfg.WatchInterval = -1
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(cfg, log)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	adm, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln, adm) }()
	ts := &testServer{Server: s, URL: "http://" + ln.Addr().String(), admin: "http://" + adm.Addr().String()}
	var once sync.Once
	ts.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(40 * time.Second):
				t.Error("the server did not stop")
			}
			s.Close()
		})
	}
	t.Cleanup(ts.stop)
	return ts
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func get(t testing.TB, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}
