package testsuite

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime"
)

// A guest loop calling a Go host function through the public API
// (runtime.NewHostFunction), so that the cost of entering the guest is
// spread over many host calls.
const hostLoopModule = `(module
  (import "env" "inc" (func $inc (param i32) (result i32)))
  (func (export "loop") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (call $inc (local.get 1)))
      (br_if $l (i32.ne (local.get 1) (local.get 0))))
    (local.get 1)))`

func startHostLoop(tb testing.TB) (*runtime.Instance, func()) {
	inc := runtime.NewHostFunction("inc", runtime.FuncType{Params: []runtime.ValType{runtime.I32}, Results: []runtime.ValType{runtime.I32}},
		func(_ context.Context, _ *runtime.Instance, p, r []uint64) error {
			r[0] = uint64(uint32(p[0]) + 1)
			return nil
		})
	return instantiateWat(tb, hostLoopModule, runtime.Imports{"env": {"inc": inc}})
}

func TestHostCallLoop(t *testing.T) {
	inst, done := startHostLoop(t)
	defer done()
	res, err := inst.Call(context.Background(), "loop", 1000)
	require.NoError(t, err)
	require.Equal(t, []uint64{1000}, res)
}

// BenchmarkHostCallLoop reports the time per wasm -> Go host function ->
// wasm round trip.
func BenchmarkHostCallLoop(b *testing.B) {
	inst, done := startHostLoop(b)
	defer done()
	const n = 10000
	ctx := context.Background()
	for b.Loop() {
		if _, err := inst.Call(ctx, "loop", n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/hostcall")
}

// While a call is parked in a host function, its goroutine may call back
// into the instance; another goroutine may not.
func TestCallBackOnlyFromTheHostCallsGoroutine(t *testing.T) {
	const src = `(module
	  (import "env" "wait" (func $wait))
	  (func (export "w") (call $wait))
	  (func (export "seven") (result i32) (i32.const 7)))`
	started, release := make(chan struct{}), make(chan struct{})
	var callback []uint64
	var callbackErr error
	wait := runtime.NewHostFunction("wait", runtime.FuncType{}, func(ctx context.Context, caller *runtime.Instance, _, _ []uint64) error {
		close(started)
		<-release
		callback, callbackErr = caller.Call(ctx, "seven")
		return nil
	})
	inst, cleanup := instantiateWat(t, src, runtime.Imports{"env": {"wait": wait}})
	defer cleanup()
	done := make(chan error)
	go func() {
		_, err := inst.Call(context.Background(), "w")
		done <- err
	}()
	<-started
	_, err := inst.Call(context.Background(), "seven")
	require.ErrorIs(t, err, runtime.ErrConcurrentUse)
	close(release)
	require.NoError(t, <-done)
	require.NoError(t, callbackErr)
	require.Equal(t, []uint64{7}, callback)
	res, err := inst.Call(context.Background(), "seven")
	require.NoError(t, err)
	require.Equal(t, []uint64{7}, res)
}
