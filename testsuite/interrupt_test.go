package testsuite

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime"
)

// Compiled code has no polls: a signal stops it wherever it is. Each way of
// running for a long time must stop promptly: a loop (empty once
// optimised), a recursion without loops, and a loop over calls to a leaf.
const interruptModule = `(module
  (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "spin") (result i32) (local i32)
    (loop $l (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br $l))
    (local.get 0))
  (func (export "leafloop") (result i32) (local i32)
    (loop $l (local.set 0 (call $leaf (local.get 0))) (br $l))
    (local.get 0)))`

func TestInterruptEveryShape(t *testing.T) {
	inst, done := instantiateWat(t, interruptModule, nil)
	defer done()
	for _, c := range []struct {
		name string
		args []uint64
	}{{"fib", []uint64{60}}, {"spin", nil}, {"leafloop", nil}} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		start := time.Now()
		_, err := inst.Call(ctx, c.name, c.args...)
		took := time.Since(start)
		cancel()
		var tr *runtime.Trap
		require.ErrorAs(t, err, &tr, c.name)
		require.Equal(t, runtime.TrapInterrupted, tr.Kind, c.name)
		require.Less(t, took, 2*time.Second, "%s: a loose bound, the machine is shared", c.name)
	}
}

// A guest that spends its time calling a Go host function stops too: the
// request to stop can be consumed by the host function's Go code, so the
// runtime checks for it after every host call.
func TestInterruptHostCallLoop(t *testing.T) {
	inst, done := startHostLoop(t)
	defer done()
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		start := time.Now()
		_, err := inst.Call(ctx, "loop", 0) // counts up to 0 again: 2^32 calls
		took := time.Since(start)
		cancel()
		var tr *runtime.Trap
		require.ErrorAs(t, err, &tr)
		require.Equal(t, runtime.TrapInterrupted, tr.Kind)
		require.Less(t, took, 2*time.Second, "a loose bound, the machine is shared")
	}
	// The instance still works afterwards.
	res, err := inst.Call(context.Background(), "loop", 3)
	require.NoError(t, err)
	require.Equal(t, []uint64{3}, res)
}
