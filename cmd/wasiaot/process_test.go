package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run wasiaot as a child process, for what only a process shows: its exit status
// after a signal, its standard streams being real pipes, its address-space limit.

func TestMain(m *testing.M) {
	if os.Getenv("WASIAOT_TEST_AS_MAIN") == "1" {
		// The test binary is wasiaot itself.
		os.Exit(mainWithStatus(os.Stdout, os.Stderr, os.Args[1:]))
	}
	cleanup := isolateCache()
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// wasiaotCmd is a command running wasiaot with args.
func wasiaotCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "WASIAOT_TEST_AS_MAIN=1")
	return cmd
}

func exitStatus(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	return ee.ExitCode()
}

// writeLoopWat writes "x\n" to stdout until fd_write fails, then exits with the errno it got.
const writeLoopWat = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "x\n")
  (func (export "_start") (local $errno i32)
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 2))
    (loop $again
      (local.set $errno (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br_if $again (i32.eqz (local.get $errno))))
    (call $exit (local.get $errno))))`

// TestClosedStdout: a guest writing to a pipe whose reader has gone gets EPIPE (errno 64) from
// fd_write. Before, the first such write killed wasiaot with SIGPIPE.
func TestClosedStdout(t *testing.T) {
	prog := writeFile(t, "writeloop.wat", []byte(writeLoopWat))
	cmd := wasiaotCmd(t, "run", prog)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	cmd.Stdout = w
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	w.Close()
	// Read a little, then go away.
	buf := make([]byte, 4)
	_, err = io.ReadFull(r, buf)
	require.NoError(t, err)
	r.Close()
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ws := ee.Sys().(syscall.WaitStatus)
		require.False(t, ws.Signaled(), "wasiaot died of %v", ws.Signal())
	}
	assert.Equal(t, 64, exitStatus(t, err), "the guest's exit status is the errno it got (EPIPE = 64); stderr: %s", stderr.String())
}

// readStdinWat reads stdin once (blocking) and exits with status 9 if the read returns.
const readStdinWat = `(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 16))
    (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 9))))`

// startBlockedReader starts wasiaot running readStdinWat with a stdin pipe nobody writes to,
// and returns once the guest is waiting in fd_read.
func startBlockedReader(t *testing.T, args ...string) (cmd *exec.Cmd, stderr *bytes.Buffer, stdin io.Closer) {
	t.Helper()
	prog := writeFile(t, "readstdin.wat", []byte(readStdinWat))
	cmd = wasiaotCmd(t, append(append([]string{"run"}, args...), prog)...)
	w, err := cmd.StdinPipe()
	require.NoError(t, err)
	stderr = new(bytes.Buffer)
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill() })
	// Compiling the module takes a moment; the guest is blocked soon after.
	waitForSyscall(t, cmd.Process.Pid)
	return cmd, stderr, w
}

// waitForSyscall waits until a thread of process pid sits in ppoll, where a blocked host call
// waits (Go's own poller uses epoll_pwait).
func waitForSyscall(t *testing.T, pid int) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
		for _, task := range tasks {
			b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + task.Name() + "/syscall")
			// 271 is ppoll on amd64, 73 on arm64.
			if err == nil && (strings.HasPrefix(string(b), "271 ") || strings.HasPrefix(string(b), "73 ")) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the guest did not reach ppoll (a blocked host call) in 10s")
}

// TestSignalStopsBlockedGuest: SIGINT and SIGTERM stop a guest blocked reading stdin, with the
// statuses a shell expects (130, 143). Before, the signal was noticed only once the read
// returned, and SIGTERM killed wasiaot outright.
func TestSignalStopsBlockedGuest(t *testing.T) {
	for _, tc := range []struct {
		sig    syscall.Signal
		status int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			cmd, stderr, stdin := startBlockedReader(t)
			defer stdin.Close()
			require.NoError(t, cmd.Process.Signal(tc.sig))
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				assert.Equal(t, tc.status, exitStatus(t, err), stderr.String())
				assert.Contains(t, stderr.String(), "stopped by "+signalError{tc.sig}.Error())
			case <-time.After(5 * time.Second):
				t.Fatal("wasiaot still running 5s after the signal")
			}
		})
	}
}

// TestTimeoutStopsBlockedGuest: --timeout stops a guest blocked reading stdin.
func TestTimeoutStopsBlockedGuest(t *testing.T) {
	start := time.Now()
	cmd, stderr, stdin := startBlockedReader(t, "--timeout", "300ms")
	defer stdin.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		assert.Equal(t, trapExitStatus, exitStatus(t, err), stderr.String())
		assert.Contains(t, stderr.String(), "interrupted: time limit of 300ms reached")
	case <-time.After(start.Add(20 * time.Second).Sub(time.Now())):
		t.Fatal("wasiaot still running long after its time limit")
	}
}

// TestAddressSpaceLimit: under an address-space limit too small for a linear memory's
// reservation, the error says how much was asked for, why, and what the limit is.
func TestAddressSpaceLimit(t *testing.T) {
	prog := writeFile(t, "exit.wat", []byte(`(module (memory 1) (func (export "_start")))`))
	exe, err := os.Executable()
	require.NoError(t, err)
	// 3 GiB (in KiB): room for Go and the code arena, not for an 8 GiB memory reservation.
	cmd := exec.Command("/bin/sh", "-c", `ulimit -v 3145728 && exec "$0" "$@"`, exe, "run", prog)
	cmd.Env = append(os.Environ(), "WASIAOT_TEST_AS_MAIN=1")
	out, err := cmd.CombinedOutput()
	assert.Equal(t, 1, exitStatus(t, err), string(out))
	assert.NotContains(t, string(out), "goroutine", "a crash, not an error")
	assert.Contains(t, string(out), "cannot reserve 8.0 GiB of address space for a linear memory")
	assert.Contains(t, string(out), "guard pages")
	assert.Contains(t, string(out), "limited to 3 GiB by RLIMIT_AS, ulimit -v")
}
