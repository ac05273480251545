package wasi_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/wasi"
)

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code uint32
	}{
		{[]string{"exitcode", "0"}, 0},
		{[]string{"exitcode", "1"}, 1},
		{[]string{"exitcode", "255"}, 255},
		{[]string{"exitcode"}, 7}, // return from main
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, _ := runProgram(t, "testdata/c/exitcode.wasm", wasi.Config{Args: tc.args})
			require.Equal(t, tc.code, code)
			require.True(t, strings.HasPrefix(stdout, "exiting with "), stdout)
		})
	}
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// TestStdinCopy pipes a large stdin through C and Go copy programs, from
// an io.Reader and from a real pipe, and checks nothing is lost.
func TestStdinCopy(t *testing.T) {
	data := randomBytes(t, 3<<20+123)
	for _, prog := range []string{"testdata/c/stdin.wasm", "testdata/go/copy.wasm"} {
		t.Run(filepath.Base(prog)+"/reader", func(t *testing.T) {
			code, stdout, stderr := runProgram(t, prog, wasi.Config{Args: []string{"copy"}, Stdin: bytes.NewReader(data)})
			require.Equal(t, uint32(0), code, stderr)
			require.Equal(t, len(data), len(stdout))
			require.True(t, bytes.Equal(data, []byte(stdout)))
		})
		t.Run(filepath.Base(prog)+"/pipe", func(t *testing.T) {
			r, w, err := os.Pipe()
			require.NoError(t, err)
			defer r.Close()
			go func() {
				// Small writes with pauses: the guest sees short reads.
				for off := 0; off < len(data); off += 65536 {
					w.Write(data[off:min(off+65536, len(data))])
					if off%(1<<20) == 0 {
						time.Sleep(time.Millisecond)
					}
				}
				w.Close()
			}()
			code, stdout, stderr := runProgram(t, prog, wasi.Config{Args: []string{"copy"}, Stdin: r})
			require.Equal(t, uint32(0), code, stderr)
			require.True(t, bytes.Equal(data, []byte(stdout)), "got %d bytes", len(stdout))
		})
	}
}

func TestSockets(t *testing.T) {
	f := newFixture(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	client := make(chan error, 1)
	go func() {
		client <- func() error {
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				return err
			}
			if _, err := c.Write([]byte("ping")); err != nil {
				return err
			}
			reply, err := io.ReadAll(c)
			c.Close()
			if err != nil || string(reply) != "pong:ping" {
				return fmt.Errorf("first reply %q, %v", reply, err)
			}
			c, err = net.Dial("tcp", l.Addr().String())
			if err != nil {
				return err
			}
			defer c.Close()
			if _, err := c.Write([]byte("abc")); err != nil {
				return err
			}
			reply, err = io.ReadAll(c)
			if err != nil || string(reply) != "done" {
				return fmt.Errorf("second reply %q, %v", reply, err)
			}
			return nil
		}()
	}()
	// fds: 0-2 stdio, 3-4 the fixture's preopens, 5 the listener.
	code, stdout, stderr := runProgram(t, "testdata/c/sockets.wasm", wasi.Config{
		Args: []string{"sockets", "5"}, Preopens: f.preopens(), Listeners: []net.Listener{l},
	})
	require.Equal(t, uint32(0), code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.NoError(t, <-client)
	assertGolden(t, "testdata/c/sockets.stdout", stdout, true, stderr)
}

func TestGoProgram(t *testing.T) {
	t.Run("openat2", testGoProgram)
	t.Run("walk", func(t *testing.T) {
		wasi.UseWalkResolver(t)
		testGoProgram(t)
	})
}

func testGoProgram(t *testing.T) {
	f := newFixture(t)
	code, stdout, stderr := runProgram(t, "testdata/go/fsprog.wasm", wasi.Config{
		Args: []string{"fsprog", "arg1"}, Env: []string{"FSPROG=yes"},
		Stdin: strings.NewReader("from stdin\n"), Preopens: f.preopens(),
	})
	assertGolden(t, "testdata/go/fsprog.stdout", stdout, code == 0, stderr)
	require.Equal(t, uint32(0), code)
	require.Equal(t, "to stderr\n", stderr)
	_, err := os.Stat(filepath.Join(f.sandbox, "go"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestGoSockets runs a Go server on a preopened listener: net.FileListener,
// Accept and conn I/O go through sock_accept, non-blocking fds and
// poll_oneoff in Go's wasip1 netpoller.
func TestGoSockets(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	lines := []string{"hello", "wasi sockets", strings.Repeat("x", 50000)}
	client := make(chan error, 1)
	go func() {
		client <- func() error {
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				return err
			}
			defer c.Close()
			for _, s := range lines {
				if _, err := fmt.Fprintln(c, s); err != nil {
					return err
				}
			}
			c.(*net.TCPConn).CloseWrite()
			reply, err := io.ReadAll(c)
			if err != nil {
				return err
			}
			if want := strings.ToUpper(strings.Join(lines, "\n")) + "\n"; string(reply) != want {
				return fmt.Errorf("reply of %d bytes, want %d", len(reply), len(want))
			}
			return nil
		}()
	}()
	code, stdout, stderr := runProgram(t, "testdata/go/echo.wasm", wasi.Config{
		Args: []string{"echo", "3"}, Listeners: []net.Listener{l},
	})
	require.Equal(t, uint32(0), code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Equal(t, "served 3 lines\n", stdout)
	require.NoError(t, <-client)
}
