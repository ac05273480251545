package testsuite

import (
	"context"
	goruntime "runtime"
	"slices"
	"sync/atomic"
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

// A recursion 20,000 calls deep that then spins at the bottom: the signal
// stops it there, the whole native stack is abandoned, and the instance
// runs normally afterwards.
const deepModule = `(module
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (loop $l (br $l)) (i32.const 0))
      (else (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  (func (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call 1 (i32.sub (local.get 0) (i32.const 1))) (i32.const 1))))))`

func TestInterruptDeepRecursion(t *testing.T) {
	inst, done := instantiateWat(t, deepModule, nil)
	defer done()
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start := time.Now()
		_, err := inst.Call(ctx, "down", 20_000)
		took := time.Since(start)
		cancel()
		var tr *runtime.Trap
		require.ErrorAs(t, err, &tr)
		require.Equal(t, runtime.TrapInterrupted, tr.Kind)
		require.Less(t, took, 5*time.Second, "a loose bound, the machine is shared")
		res, err := inst.Call(context.Background(), "depth", 20_000)
		require.NoError(t, err)
		require.Equal(t, []uint64{20_000}, res)
	}
}

// A guest blocked in a host call that waits for its context stops when the
// call is cancelled, and one whose host function ignores the context stops
// as soon as that returns: no guest code runs after it.
func TestInterruptBlockedHostCall(t *testing.T) {
	var after atomic.Int64
	block := runtime.NewHostFunction("block", runtime.FuncType{},
		func(ctx context.Context, _ *runtime.Instance, _, _ []uint64) error {
			<-ctx.Done()
			return nil
		})
	sleep := runtime.NewHostFunction("sleep", runtime.FuncType{},
		func(context.Context, *runtime.Instance, []uint64, []uint64) error {
			time.Sleep(100 * time.Millisecond)
			return nil
		})
	mark := runtime.NewHostFunction("mark", runtime.FuncType{},
		func(context.Context, *runtime.Instance, []uint64, []uint64) error {
			after.Add(1)
			return nil
		})
	inst, done := instantiateWat(t, `(module
	  (import "env" "block" (func $block))
	  (import "env" "sleep" (func $sleep))
	  (import "env" "mark" (func $mark))
	  (func (export "block") (call $block) (call $mark) (loop $l (br $l)))
	  (func (export "sleep") (call $sleep) (call $mark) (loop $l (br $l))))`,
		runtime.Imports{"env": {"block": block, "sleep": sleep, "mark": mark}})
	defer done()
	for _, name := range []string{"block", "sleep"} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		start := time.Now()
		_, err := inst.Call(ctx, name)
		took := time.Since(start)
		cancel()
		var tr *runtime.Trap
		require.ErrorAs(t, err, &tr, name)
		require.Equal(t, runtime.TrapInterrupted, tr.Kind, name)
		require.Zero(t, after.Load(), "%s: guest code ran after the cancelled host call", name)
		require.Less(t, took, 5*time.Second, "%s: a loose bound, the machine is shared", name)
	}
}

// TestGCWithSpinningGuests: with a guest spinning in a loop without polls on
// every P, runtime.GC still completes (Go's preemption signal stops the
// guests), the guests make progress between collections, and cancelling
// stops them all.
func TestGCWithSpinningGuests(t *testing.T) {
	n := goruntime.GOMAXPROCS(0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, n)
	for range n {
		inst, done := instantiateWat(t, interruptModule, nil)
		defer done()
		go func() {
			_, err := inst.Call(ctx, "spin")
			errs <- err
		}()
	}
	time.Sleep(20 * time.Millisecond) // let them start
	var lat []time.Duration
	for range 10 {
		start := time.Now()
		goruntime.GC()
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	t.Logf("runtime.GC with %d spinning guests: %v", n, lat)
	require.Less(t, lat[len(lat)/2], 2*time.Second, "a loose bound, the machine is shared (and qemu slow)")
	cancel()
	for range n {
		var tr *runtime.Trap
		require.ErrorAs(t, <-errs, &tr)
		require.Equal(t, runtime.TrapInterrupted, tr.Kind)
	}
}
