package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeUsage(t *testing.T) {
	status, _, errOut := run(t, "serve")
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, "nothing to serve")

	status, _, errOut = run(t, "serve", "--config", "x.toml", "app.so")
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, "not both")

	status, _, errOut = run(t, "serve", "--log-format", "xml", "app.so")
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, "want text or json")

	status, _, errOut = run(t, "serve", "--listen", "127.0.0.1:0", filepath.Join(t.TempDir(), "missing.so"))
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "missing.so")
}

// TestServe serves the hello program, then stops on SIGTERM as a deployment
// would stop it.
func TestServe(t *testing.T) {
	so := filepath.Join(t.TempDir(), "hello.so")
	status, _, errOut := run(t, "build", "../../runtime/serve/testdata/c/hello.wasm", "-o", so)
	require.Equal(t, 0, status, errOut)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()

	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- runServe(io.Discard, &stderr, []string{"--listen", addr, so}) }()
	var resp *http.Response
	require.Eventually(t, func() bool {
		resp, err = http.Get("http://" + addr + "/any/path")
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "hello, world\n", string(body))

	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
}
