package cgi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestEnv(t *testing.T) {
	r := httptest.NewRequest("POST", "http://example.com:8080/app/x/y?a=1&b=%20", strings.NewReader("body"))
	r.RemoteAddr = "192.0.2.7:51234"
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Add("Accept", "a")
	r.Header.Add("Accept", "b")
	r.Header.Add("Cookie", "x=1")
	r.Header.Add("Cookie", "y=2")
	r.Header.Set("Proxy", "http://evil")
	r.Header.Set("X-Bad", "a\x01b")
	r.Header["Odd_Name"] = []string{"v"}
	r.Header.Set("X-Request-Id", "42")
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9000}))

	env := Env(nil, r, "/app", Server{Software: "wasiaot"})
	slices.Sort(env)
	require.Equal(t, []string{
		"CONTENT_LENGTH=4",
		"CONTENT_TYPE=text/plain",
		"GATEWAY_INTERFACE=CGI/1.1",
		"HTTP_ACCEPT=a, b",
		"HTTP_COOKIE=x=1; y=2",
		"HTTP_HOST=example.com:8080",
		"HTTP_X_REQUEST_ID=42",
		"PATH_INFO=/x/y",
		"QUERY_STRING=a=1&b=%20",
		"REMOTE_ADDR=192.0.2.7",
		"REMOTE_HOST=192.0.2.7",
		"REMOTE_PORT=51234",
		"REQUEST_METHOD=POST",
		"REQUEST_URI=/app/x/y?a=1&b=%20",
		"SCRIPT_NAME=/app",
		"SERVER_NAME=example.com",
		"SERVER_PORT=9000",
		"SERVER_PROTOCOL=HTTP/1.1",
		"SERVER_SOFTWARE=wasiaot",
	}, env)
}

// REQUEST_URI is the path as sent, escaped as URL.RequestURI escapes it.
func TestEnvRequestURI(t *testing.T) {
	for _, target := range []string{"/a%20b?q=%41", "/x/y", "/p?", "/caf%C3%A9/%2F?x", "*"} {
		r := httptest.NewRequest("OPTIONS", "http://h"+strings.TrimPrefix(target, "*"), nil)
		if target == "*" {
			r.URL.Path = "*"
		}
		env := Env(nil, r, "", Server{})
		require.Contains(t, env, "REQUEST_URI="+r.URL.RequestURI(), target)
	}
}

// The variables of a request cost a couple of allocations, not one each.
func TestEnvAllocs(t *testing.T) {
	r := httptest.NewRequest("GET", "http://example.com/app/x?a=1", nil)
	r.RemoteAddr = "192.0.2.7:51234"
	r.Header.Set("Accept", "*/*")
	r.Header.Set("User-Agent", "test")
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9000}))
	dst := make([]string, 0, 40)
	var env []string
	allocs := testing.AllocsPerRun(100, func() { env = Env(dst[:0], r, "/app", Server{Software: "wasiaot"}) })
	require.LessOrEqual(t, allocs, 2.0)
	require.Contains(t, env, "SERVER_PORT=9000")
	require.Contains(t, env, "HTTP_USER_AGENT=test")
}

func TestEnvNoBody(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	env := Env(nil, r, "", Server{Name: "node1"})
	require.Contains(t, env, "PATH_INFO=/")
	require.Contains(t, env, "SERVER_NAME=node1")
	for _, kv := range env {
		require.False(t, strings.HasPrefix(kv, "CONTENT_LENGTH="), kv)
	}
	// A POST with an empty body says so.
	r = httptest.NewRequest("POST", "/", strings.NewReader(""))
	require.Contains(t, Env(nil, r, "", Server{}), "CONTENT_LENGTH=0")
}

// writeAll feeds out to a Response in pieces of the given size.
func writeAll(t *testing.T, r *Response, out string, piece int) error {
	t.Helper()
	for len(out) > 0 {
		n := min(piece, len(out))
		if _, err := r.Write([]byte(out[:n])); err != nil {
			return err
		}
		out = out[n:]
	}
	return r.Close()
}

func TestResponse(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		status    int
		header    http.Header
		body      string
		err       string
		sent      bool
		maxBody   int64
		notInHdr  []string
	}{
		{name: "plain", out: "Content-Type: text/plain\n\nhello\n", status: 200,
			header: http.Header{"Content-Type": {"text/plain"}}, body: "hello\n", sent: true},
		{name: "crlf and status", out: "Status: 404 Not Found\r\nX-A: 1\r\nX-A: 2\r\n\r\nnope", status: 404,
			header: http.Header{"X-A": {"1", "2"}}, body: "nope", sent: true},
		{name: "redirect", out: "Location: https://example.org/\n\n", status: 302,
			header: http.Header{"Location": {"https://example.org/"}}, sent: true},
		{name: "hop-by-hop dropped", out: "Connection: close\nTransfer-Encoding: chunked\nX: y\n\nb", status: 200,
			header: http.Header{"X": {"y"}}, body: "b", sent: true, notInHdr: []string{"Connection", "Transfer-Encoding"}},
		{name: "body only", out: "hello world\n\n", err: `line 1 "hello world": want "Name: value"`},
		{name: "bad status", out: "Status: 1000\n\n", err: "want a status code"},
		{name: "informational status", out: "Status: 101\n\n", err: "want a status code"},
		{name: "bad name", out: "X Y: 1\n\n", err: "not a header name"},
		{name: "control char", out: "X: a\x00b\n\n", err: "control characters"},
		{name: "no blank line", out: "Content-Type: text/plain\n", err: ErrNoHeader.Error()},
		{name: "empty", out: "", err: ErrNoHeader.Error()},
		{name: "body limit", out: "X: 1\n\n0123456789", maxBody: 5, status: 200, sent: true,
			header: http.Header{"X": {"1"}}, err: ErrBodyTooLarge.Error()},
		{name: "huge header", out: "X: " + strings.Repeat("a", MaxHeaderBytes) + "\n\n", err: "header longer"},
	} {
		for _, piece := range []int{1, 3, 1 << 20} {
			t.Run(tc.name, func(t *testing.T) {
				rec := httptest.NewRecorder()
				r := NewResponse(rec, tc.maxBody)
				err := writeAll(t, r, tc.out, piece)
				sent := tc.sent
				if tc.err != "" && piece >= len(tc.out) {
					// Failed within the write that completed the header:
					// the status was not sent, an error status still can be.
					sent = false
				}
				require.Equal(t, sent, r.Sent())
				if tc.err != "" {
					require.ErrorContains(t, err, tc.err)
					// Nothing more gets through after a failure.
					_, err2 := r.Write([]byte("more"))
					require.Error(t, err2)
					require.NotContains(t, rec.Body.String(), "more")
				} else {
					require.NoError(t, err)
					require.Equal(t, tc.body, rec.Body.String())
					require.EqualValues(t, len(tc.body), r.BodyBytes())
				}
				if sent {
					require.Equal(t, tc.status, rec.Code)
					require.Equal(t, tc.status, r.Status())
					for k, v := range tc.header {
						require.Equal(t, v, rec.Header()[k], k)
					}
					for _, k := range tc.notInHdr {
						require.Empty(t, rec.Header().Get(k), k)
					}
				}
			})
		}
	}
}

func TestResponseStreams(t *testing.T) {
	rec := httptest.NewRecorder()
	r := NewResponse(rec, 0)
	_, err := r.Write([]byte("Content-Type: text/plain\n\n"))
	require.NoError(t, err)
	require.True(t, rec.Flushed, "the header is flushed before the first body byte")
	require.True(t, r.Sent())
	rec.Flushed = false
	_, err = r.Write([]byte("part 1"))
	require.NoError(t, err)
	require.True(t, rec.Flushed)
	require.Equal(t, "part 1", rec.Body.String())
	r.Abort()
	_, err = r.Write([]byte("part 2"))
	require.True(t, errors.Is(err, ErrAborted))
	require.Equal(t, "part 1", rec.Body.String())
	require.ErrorIs(t, r.Close(), ErrAborted)
}

// lockedRecorder is a ResponseRecorder whose Flushed can be read while a
// timer may flush.
type lockedRecorder struct {
	mu sync.Mutex
	*httptest.ResponseRecorder
}

func (l *lockedRecorder) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ResponseRecorder.Flush()
}

func (l *lockedRecorder) flushed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.Flushed
}

func TestDelayedResponse(t *testing.T) {
	// A quick program: nothing is flushed before the end, so the server can
	// send the response whole.
	rec := &lockedRecorder{ResponseRecorder: httptest.NewRecorder()}
	r := NewDelayedResponse(rec, 0, time.Hour)
	_, err := r.Write([]byte("Status: 404\nContent-Type: text/plain\n\nhello\n"))
	require.NoError(t, err)
	require.False(t, r.Sent())
	require.NoError(t, r.Close())
	require.True(t, r.Sent())
	require.False(t, rec.flushed())
	require.Equal(t, 404, rec.Code)
	require.Equal(t, "hello\n", rec.Body.String())

	// One that fails before the delay: nothing went out, so it can still
	// get an error status.
	rec = &lockedRecorder{ResponseRecorder: httptest.NewRecorder()}
	r = NewDelayedResponse(rec, 0, time.Hour)
	_, err = r.Write([]byte("Content-Type: text/plain\n\npartial"))
	require.NoError(t, err)
	r.Abort()
	require.False(t, r.Sent())
	require.False(t, rec.Flushed)
	require.Empty(t, rec.Body.String())

	// One that writes more than is held: the status and body go out.
	rec = &lockedRecorder{ResponseRecorder: httptest.NewRecorder()}
	r = NewDelayedResponse(rec, 0, time.Hour)
	_, err = r.Write([]byte("X: 1\n\n"))
	require.NoError(t, err)
	_, err = r.Write(make([]byte, maxBuffered+1))
	require.NoError(t, err)
	require.True(t, r.Sent())
	require.Equal(t, maxBuffered+1, rec.Body.Len())
	require.NoError(t, r.Close())

	// A slow one: what it wrote goes out after the delay.
	rec = &lockedRecorder{ResponseRecorder: httptest.NewRecorder()}
	r = NewDelayedResponse(rec, 0, time.Millisecond)
	_, err = r.Write([]byte("Content-Type: text/plain\n\npart"))
	require.NoError(t, err)
	require.Eventually(t, rec.flushed, 5*time.Second, time.Millisecond)
	require.NoError(t, r.Close())
}
