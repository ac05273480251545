package wasi_test

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/compiler/wat"
	"github.com/wasiaot/wasiaot/runtime"
	"github.com/wasiaot/wasiaot/wasi"
)

// blockingGuest calls one WASI function that blocks, with arguments that
// make it wait: fd_read of fd 0, sock_accept or sock_recv on fd 3,
// poll_oneoff for fd 0 readable with no clock. Its results land in memory
// and it returns the errno, so a guest that is not stopped shows what it
// got.
const blockingGuest = `(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "read") (result i32)
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 16))
    (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "accept") (result i32)
    (call $accept (i32.const 3) (i32.const 0) (i32.const 8)))
  (func (export "recv") (param i32) (result i32)
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 16))
    (call $recv (local.get 0) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 8) (i32.const 12)))
  (func (export "poll") (result i32)
    ;; one subscription at 128: userdata 1, fd_read (1) of fd 0
    (i64.store (i32.const 128) (i64.const 1))
    (i32.store8 (i32.const 136) (i32.const 1))
    (i32.store (i32.const 144) (i32.const 0))
    (call $poll (i32.const 128) (i32.const 256) (i32.const 1) (i32.const 8))))`

// startBlocking instantiates blockingGuest against host.
func startBlocking(t *testing.T, host *wasi.Host) *runtime.Instance {
	t.Helper()
	bin, err := wat.Parse([]byte(blockingGuest), wasm.FeaturesV2)
	require.NoError(t, err)
	art, err := compileCached(bin)
	require.NoError(t, err)
	rt := runtime.New(runtime.Config{})
	t.Cleanup(func() { rt.Close() })
	mod, err := rt.Load(art)
	require.NoError(t, err)
	t.Cleanup(func() { mod.Close() })
	inst, err := mod.Instantiate(context.Background(), host.Imports())
	require.NoError(t, err)
	t.Cleanup(func() { inst.Close() })
	return inst
}

// requireStopped checks that err is the interrupted trap carrying cause,
// located in the guest function that made the host call, and that the
// call ended soon after the cancellation at cancelled.
func requireStopped(t *testing.T, err error, cause error, cancelled time.Time) {
	t.Helper()
	var trap *runtime.Trap
	require.ErrorAs(t, err, &trap)
	require.Equal(t, runtime.TrapInterrupted, trap.Kind, "%v", err)
	require.ErrorIs(t, err, cause)
	require.NotEqual(t, ^uint32(0), trap.Func, "the trap names the guest function: %v", err)
	require.Less(t, time.Since(cancelled), 2*time.Second, "stopped long after the cancellation")
}

// TestCancelBlockedHostCalls cancels guests blocked inside host calls on a
// pipe with no writer activity and on a listener with no client: before,
// fd_read and sock_accept waited forever, whatever the context said.
func TestCancelBlockedHostCalls(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	host, err := wasi.New(wasi.Config{Stdin: r, Listeners: []net.Listener{l}})
	require.NoError(t, err)
	defer host.Close()
	inst := startBlocking(t, host)

	cause := errors.New("stop now")
	for _, name := range []string{"read", "accept", "poll"} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			var at time.Time
			time.AfterFunc(100*time.Millisecond, func() { at = time.Now(); cancel(cause) })
			_, err := inst.ExportedFunction(name).Call(ctx)
			requireStopped(t, err, cause, at)
		})
	}

	// The pipe still works after the cancelled read: data written now is
	// read by the next call, and a plain context blocks as before.
	_, err = w.Write([]byte("hi"))
	require.NoError(t, err)
	res, err := inst.ExportedFunction("read").Call(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint64(0), res[0])
	b, _ := inst.Memory().Read(64, 2)
	require.Equal(t, "hi", string(b))

	// sock_recv on an accepted connection whose peer sends nothing.
	c, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	res, err = inst.ExportedFunction("accept").Call(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint64(0), res[0])
	fd, _ := inst.Memory().ReadUint32(8)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = inst.ExportedFunction("recv").Call(ctx, uint64(fd))
	requireStopped(t, err, context.DeadlineExceeded, start.Add(100*time.Millisecond))
}

// TestCancelBlockedReadLeavesBlockingMode checks that a cancelled read leaves
// the blocking mode of the fd as it was: a user's terminal must not be
// left non-blocking after wasiaot exits.
func TestCancelBlockedReadLeavesBlockingMode(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	rc, err := r.SyscallConn()
	require.NoError(t, err)
	flags := func() (fl int) {
		require.NoError(t, rc.Control(func(fd uintptr) { fl = fcntlGetfl(t, int(fd)) }))
		return fl
	}
	before := flags()
	host, err := wasi.New(wasi.Config{Stdin: r})
	require.NoError(t, err)
	defer host.Close()
	inst := startBlocking(t, host)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = inst.ExportedFunction("read").Call(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, before, flags())
}

func fcntlGetfl(t *testing.T, fd int) int {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	require.Zero(t, e)
	return int(r)
}
