package serve

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func oneRoute(prefix, artifact string, lim Limits) *Config {
	return &Config{Routes: []Route{{Prefix: prefix, Artifact: artifact, Limits: lim}}}
}

func TestContractEnv(t *testing.T) {
	cfg := oneRoute("/app", artifactPath(t, "c/env"), Limits{})
	cfg.Routes[0].Env = map[string]string{"GREETING": "hi"}
	logs := &syncBuffer{}
	ts := startServer(t, cfg, logs)

	req, err := http.NewRequest("POST", ts.URL+"/app/some/path?x=1&y=%2F", strings.NewReader("twelve bytes"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("X-Custom", "v1")
	req.Header.Set("X-Request-Id", "req-abc")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)

	require.Equal(t, 201, resp.StatusCode)
	require.Equal(t, "env", resp.Header.Get("X-Program"))
	require.Equal(t, "req-abc", resp.Header.Get("X-Request-Id"))
	lines := strings.Split(string(body), "\n")
	port := ts.URL[strings.LastIndexByte(ts.URL, ':')+1:]
	for _, want := range []string{
		"GATEWAY_INTERFACE=CGI/1.1",
		"REQUEST_METHOD=POST",
		"SCRIPT_NAME=/app",
		"PATH_INFO=/some/path",
		"QUERY_STRING=x=1&y=%2F",
		"REQUEST_URI=/app/some/path?x=1&y=%2F",
		"CONTENT_TYPE=text/plain",
		"CONTENT_LENGTH=12",
		"HTTP_X_CUSTOM=v1",
		"HTTP_X_REQUEST_ID=req-abc",
		"HTTP_HOST=127.0.0.1:" + port,
		"SERVER_NAME=127.0.0.1",
		"SERVER_PORT=" + port,
		"SERVER_PROTOCOL=HTTP/1.1",
		"SERVER_SOFTWARE=wasiaot",
		"REMOTE_ADDR=127.0.0.1",
		"GREETING=hi",
		"BODY=12",
	} {
		require.Contains(t, lines, want)
	}
	// stderr goes to the log with the request's id.
	require.Contains(t, logs.String(), `msg="guest stderr" route=/app id=req-abc line="env: read 12 bytes"`)
}

func TestContractPrograms(t *testing.T) {
	cfg := &Config{Routes: []Route{
		{Prefix: "/hello", Artifact: artifactPath(t, "c/hello")},
		{Prefix: "/echo", Artifact: artifactPath(t, "c/echo")},
		{Prefix: "/stream", Artifact: artifactPath(t, "c/stream")},
		{Prefix: "/go", Artifact: artifactPath(t, "go/hello")},
	}}
	ts := startServer(t, cfg, nil)

	resp, body := get(t, ts.URL+"/hello")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
	require.Equal(t, "hello, world\n", body)
	require.NotEmpty(t, resp.Header.Get("X-Request-Id"))

	resp, body = get(t, ts.URL+"/hello/")
	require.Equal(t, 200, resp.StatusCode, body)
	resp, body = get(t, ts.URL+"/hellox")
	require.Equal(t, 404, resp.StatusCode, body)

	json := `{"items":[` + strings.Repeat(`{"k":"v","n":12345},`, 200) + `{}]}`
	resp, err := http.Post(ts.URL+"/echo", "application/json", strings.NewReader(json))
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, json, string(b))

	resp, body = get(t, ts.URL+"/stream")
	require.Equal(t, 200, resp.StatusCode)
	require.Len(t, body, 1<<20)
	want := make([]byte, 1<<20)
	for i := range want {
		want[i] = 'a' + byte(i%26)
	}
	require.True(t, bytes.Equal(want, []byte(body)), "the streamed body")

	resp, err = http.Post(ts.URL+"/go/x", "text/plain", strings.NewReader("12345"))
	require.NoError(t, err)
	b, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "hello from Go, POST /x (5 bytes)\n", string(b))
}
