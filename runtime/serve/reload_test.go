package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// install copies the artifact src to dst by renaming a new file over it, as
// a deployment should.
func install(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	tmp := dst + ".new"
	require.NoError(t, os.WriteFile(tmp, b, 0o644))
	require.NoError(t, os.Rename(tmp, dst))
}

func TestReload(t *testing.T) {
	app := filepath.Join(t.TempDir(), "app.so")
	install(t, artifactPath(t, "c/env"), app)
	ts := startServer(t, oneRoute("/", app, Limits{}), nil)

	// A request in flight on the first version: env waits for its body.
	pr, pw := io.Pipe()
	type result struct {
		code int
		body string
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		resp, err := http.Post(ts.URL+"/", "text/plain", pr)
		if err != nil {
			inflight <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		inflight <- result{resp.StatusCode, string(b), err}
	}()
	_, err := pw.Write([]byte("first half "))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return strings.Contains(metric(t, ts), `wasiaot_serve_instances_in_use{route="/"} 1`)
	}, 5*time.Second, 10*time.Millisecond)

	install(t, artifactPath(t, "c/hello"), app)
	require.NoError(t, ts.Reload(nil))
	_, body := get(t, ts.URL+"/")
	require.Equal(t, "hello, world\n", body, "new requests see the new version")

	_, err = pw.Write([]byte("second half"))
	require.NoError(t, err)
	pw.Close()
	res := <-inflight
	require.NoError(t, res.err)
	require.Equal(t, 201, res.code, "the request in flight finishes on the old version")
	require.Contains(t, res.body, "BODY=22\n")

	// A broken artifact is refused and the current one keeps serving.
	require.NoError(t, os.WriteFile(app+".new", []byte("\x7fELF not really"), 0o644))
	require.NoError(t, os.Rename(app+".new", app))
	require.Error(t, ts.Reload(nil))
	_, body = get(t, ts.URL+"/")
	require.Equal(t, "hello, world\n", body)
	require.Contains(t, metric(t, ts), `wasiaot_serve_artifact_loads_total{result="error",route="/"} 1`)
}

func TestReloadWatch(t *testing.T) {
	app := filepath.Join(t.TempDir(), "app.so")
	install(t, artifactPath(t, "c/hello"), app)
	cfg := oneRoute("/", app, Limits{})
	cfg.WatchInterval = Duration(20 * time.Millisecond)
	ts := startServer(t, cfg, nil)
	_, body := get(t, ts.URL+"/")
	require.Equal(t, "hello, world\n", body)

	install(t, artifactPath(t, "go/hello"), app)
	require.Eventually(t, func() bool {
		_, body := get(t, ts.URL+"/x")
		return body == "hello from Go, GET /x (0 bytes)\n"
	}, 10*time.Second, 20*time.Millisecond)
}

func TestReloadConfig(t *testing.T) {
	cfg := oneRoute("/a", artifactPath(t, "c/hello"), Limits{})
	ts := startServer(t, cfg, nil)
	resp, _ := get(t, ts.URL+"/b")
	require.Equal(t, 404, resp.StatusCode)

	next := &Config{Routes: []Route{
		{Prefix: "/a", Artifact: artifactPath(t, "c/hello")},
		{Prefix: "/b", Artifact: artifactPath(t, "go/hello")},
	}}
	before := ts.table.Load().match("/a")
	require.NoError(t, ts.Reload(next))
	require.Same(t, before, ts.table.Load().match("/a"), "an unchanged route keeps its slots")
	require.Same(t, ts.table.Load().match("/a").rt, ts.table.Load().match("/b").rt,
		"routes with the same memory cap share a runtime and its memory pool")
	require.Len(t, ts.runtimes, 1)
	_, body := get(t, ts.URL+"/b/c")
	require.Equal(t, "hello from Go, GET /c (0 bytes)\n", body)
	_, body = get(t, ts.URL+"/a")
	require.Equal(t, "hello, world\n", body)

	// A different memory cap gets its own runtime; the old one goes when
	// no route uses it.
	next = oneRoute("/a", artifactPath(t, "c/hello"), Limits{MemoryPages: 32})
	require.NoError(t, ts.Reload(next))
	_, body = get(t, ts.URL+"/a")
	require.Equal(t, "hello, world\n", body)
	require.Len(t, ts.runtimes, 1)
	for k := range ts.runtimes {
		require.EqualValues(t, 32, k.pages)
	}
}

func TestVerifyKey(t *testing.T) {
	dir := t.TempDir()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	otherPub, otherPriv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	_ = otherPub
	keyFile := filepath.Join(dir, "release.pub")
	require.NoError(t, artifact.WritePublicKeyFile(keyFile, pub))

	sign := func(name string, key ed25519.PrivateKey) string {
		b, err := os.ReadFile(artifactPath(t, "c/hello"))
		require.NoError(t, err)
		a, err := artifact.Parse(b)
		require.NoError(t, err)
		require.NoError(t, artifact.Sign(a, key))
		out, err := artifact.Marshal(a)
		require.NoError(t, err)
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, out, 0o644))
		return p
	}
	signed := sign("signed.so", priv)
	wrong := sign("wrong.so", otherPriv)

	for _, tc := range []struct{ path, err string }{
		{artifactPath(t, "c/hello"), "not signed, and a signature by a trusted key is required"},
		{wrong, "which is not trusted"},
	} {
		cfg := oneRoute("/", tc.path, Limits{})
		cfg.VerifyKeys = []string{keyFile}
		cfg.WatchInterval = -1
		_, err := New(cfg, nil)
		require.ErrorContains(t, err, tc.err)
	}
	cfg := oneRoute("/", signed, Limits{})
	cfg.VerifyKeys = []string{keyFile}
	ts := startServer(t, cfg, nil)
	_, body := get(t, ts.URL+"/")
	require.Equal(t, "hello, world\n", body)

	// A reload to an unsigned artifact is refused.
	install(t, artifactPath(t, "go/hello"), signed)
	require.ErrorContains(t, ts.Reload(nil), "not signed")
	_, body = get(t, ts.URL+"/")
	require.Equal(t, "hello, world\n", body)
}

func TestAdmin(t *testing.T) {
	ts := startServer(t, oneRoute("/", artifactPath(t, "c/hello"), Limits{}), nil)
	for range 3 {
		get(t, ts.URL+"/")
	}
	resp, body := get(t, ts.admin+"/healthz")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "ok\n", body)
	resp, _ = get(t, ts.admin+"/readyz")
	require.Equal(t, 200, resp.StatusCode)
	m := metric(t, ts)
	for _, want := range []string{
		`wasiaot_serve_requests_total{code="200",route="/"} 3`,
		`wasiaot_serve_request_duration_seconds_count{route="/"} 3`,
		`wasiaot_serve_instance_start_seconds_count{route="/"} 3`,
		`wasiaot_serve_instance_memory_bytes_count{route="/"} 3`,
		`wasiaot_serve_instance_slots{route="/"} 64`,
		`wasiaot_serve_instances_in_use{route="/"} 0`,
		`wasiaot_serve_artifact_loads_total{result="ok",route="/"} 1`,
		`process_resident_memory_bytes`,
	} {
		require.Contains(t, m, want)
	}
	// The requests' memories went back to the pool, with their zeroed
	// pages kept resident.
	for _, name := range []string{"wasiaot_serve_pool_idle_memories", "wasiaot_serve_pool_idle_resident_bytes"} {
		_, v, ok := strings.Cut(m, "\n"+name+" ")
		require.True(t, ok, name)
		v, _, _ = strings.Cut(v, "\n")
		n, err := strconv.ParseFloat(v, 64)
		require.NoError(t, err, name)
		require.Positive(t, n, name)
	}
	ts.SetReady(false)
	resp, _ = get(t, ts.admin+"/readyz")
	require.Equal(t, 503, resp.StatusCode)
}
