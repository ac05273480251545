package testsuite

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
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

// Host functions of many shapes, through the fast path (single-word
// values) and the general one (more than 16 words), with params
// zero-extended or kept whole and results truncated by the guest, and a
// host function whose callback into the instance runs another host
// function on top of its own params.
const hostShapesModule = `(module
  (import "env" "mix" (func $mix (param i32 i64 f32 f64) (result f64 f32 i64 i32)))
  (import "env" "wide" (func $wide (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32
                                          i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "nest" (func $nest (param i32 i64) (result i64)))
  (import "env" "refs" (func $refs (param externref funcref) (result externref)))
  (import "env" "four" (func $four (param i32 i32 i32 i32) (result i32)))
  (func (export "mix") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
    (call $mix (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "wide") (param i32) (result i32)
    (call $wide (local.get 0) (i32.const -2) (i32.const 3) (i32.const 4) (i32.const 5)
                (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 9) (i32.const 10)
                (i32.const 11) (i32.const 12) (i32.const 13) (i32.const 14) (i32.const 15)
                (i32.const 16) (i32.const 17) (i32.const 18) (i32.const 19) (i32.const 20)))
  (func (export "four") (param i32) (result i32)
    (call $mix (i32.const 0) (i64.const 0) (f32.const 0) (f64.const 0))
    (drop) (drop) (drop) (drop)
    (call $four (i32.const 1) (i32.const 2) (i32.const 3) (local.get 0)))
  (func (export "nest") (param i32 i64) (result i64)
    (call $nest (local.get 0) (local.get 1)))
  (func (export "refs") (param externref) (result externref)
    (call $refs (local.get 0) (ref.func $mixsum)))
  (func $mixsum (export "mixsum") (param i32) (result i32)
    (local f64 f32 i64 i32)
    (call $mix (local.get 0) (i64.const -1) (f32.const 1.5) (f64.const 2.5))
    (local.set 4) (local.set 3) (local.set 2) (local.set 1)
    (i32.add (local.get 4) (i32.wrap_i64 (local.get 3)))))`

func TestHostCallShapes(t *testing.T) {
	ctx := context.Background()
	var sawRefs [2]uint64
	hosts := map[string]*runtime.Function{
		// Each result says what arrived: the f64 result is the i32 param
		// as a float, so that a sign-extended i32 shows.
		"mix": runtime.NewHostFunction("mix", runtime.FuncType{
			Params:  []runtime.ValType{runtime.I32, runtime.I64, runtime.F32, runtime.F64},
			Results: []runtime.ValType{runtime.F64, runtime.F32, runtime.I64, runtime.I32},
		}, func(_ context.Context, _ *runtime.Instance, p, r []uint64) error {
			r[0] = math.Float64bits(float64(p[0]) + math.Float64frombits(p[3]))
			r[1] = uint64(math.Float32bits(math.Float32frombits(uint32(p[2])) * 2))
			r[2] = p[1] ^ 0xff
			// High bits the guest's i32 must not see.
			r[3] = 0xdead_beef_0000_0000 | p[0]>>1
			return nil
		}),
		"wide": runtime.NewHostFunction("wide", runtime.FuncType{
			Params: slices.Repeat([]runtime.ValType{runtime.I32}, 20), Results: []runtime.ValType{runtime.I32},
		}, func(_ context.Context, _ *runtime.Instance, p, r []uint64) error {
			if len(p) != 20 || p[1] != 0xffff_fffe {
				return fmt.Errorf("params %x", p)
			}
			r[0] = p[0]
			for _, v := range p[2:] {
				r[0] += v
			}
			return nil
		}),
		"four": runtime.NewHostFunction("four", runtime.FuncType{
			Params: slices.Repeat([]runtime.ValType{runtime.I32}, 4), Results: []runtime.ValType{runtime.I32},
		}, func(_ context.Context, _ *runtime.Instance, p, r []uint64) error {
			for _, v := range p {
				if v > math.MaxUint32 {
					return fmt.Errorf("i32 params %x", p)
				}
			}
			r[0] = p[0] + p[1] + p[2] + p[3]
			return nil
		}),
		"nest": runtime.NewHostFunction("nest", runtime.FuncType{
			Params: []runtime.ValType{runtime.I32, runtime.I64}, Results: []runtime.ValType{runtime.I64},
		}, func(ctx context.Context, caller *runtime.Instance, p, r []uint64) error {
			a, b := p[0], p[1]
			inner, err := caller.Call(ctx, "mixsum", a)
			if err != nil {
				return err
			}
			if p[0] != a || p[1] != b {
				return fmt.Errorf("params changed by the callback: %x, want %x %x", p, a, b)
			}
			r[0] = b*1000 + inner[0]
			return nil
		}),
		"refs": runtime.NewHostFunction("refs", runtime.FuncType{
			Params: []runtime.ValType{runtime.ExternRef, runtime.FuncRef}, Results: []runtime.ValType{runtime.ExternRef},
		}, func(_ context.Context, _ *runtime.Instance, p, r []uint64) error {
			sawRefs = [2]uint64{p[0], p[1]}
			r[0] = p[0] + 1
			return nil
		}),
	}
	im := runtime.Imports{"env": {}}
	for name, f := range hosts {
		im.Define("env", name, f)
	}
	inst, done := instantiateWat(t, hostShapesModule, im)
	defer done()

	res, err := inst.Call(ctx, "mix", 0xffff_fff0, 0x1234_5678_9abc_def0, uint64(math.Float32bits(1.25)), math.Float64bits(0.5))
	require.NoError(t, err)
	require.Equal(t, []uint64{
		math.Float64bits(float64(0xffff_fff0) + 0.5),
		uint64(math.Float32bits(2.5)),
		0x1234_5678_9abc_de0f,
		0x7fff_fff8,
	}, res)

	// The guest stores an i32 argument as 32 bits, and slot 3 holds the
	// 64-bit i32 result of a call to mix: the host must see only the low
	// half.
	res, err = inst.Call(ctx, "four", 0xffff_fff0)
	require.NoError(t, err)
	require.Equal(t, []uint64{6 + 0xffff_fff0}, res)

	res, err = inst.Call(ctx, "wide", 1)
	require.NoError(t, err)
	require.Equal(t, []uint64{1 + (3+20)*18/2}, res)

	// mixsum(7) = (7>>1) + (-1 ^ 0xff) truncated to i32.
	res, err = inst.Call(ctx, "nest", 7, 5)
	require.NoError(t, err)
	require.Equal(t, []uint64{5000 + uint64(uint32(3+0xffff_ff00))}, res)

	res, err = inst.Call(ctx, "refs", 41)
	require.NoError(t, err)
	require.Equal(t, []uint64{42}, res)
	require.Equal(t, uint64(41), sawRefs[0])
	require.NotZero(t, sawRefs[1], "the funcref arrives as its record's address")
}

// A host function's error ends the call with a trap naming it, and the
// instance stays usable.
func TestHostCallError(t *testing.T) {
	boom := errors.New("boom")
	fail := true
	inc := runtime.NewHostFunction("inc", runtime.FuncType{Params: []runtime.ValType{runtime.I32}, Results: []runtime.ValType{runtime.I32}},
		func(_ context.Context, _ *runtime.Instance, p, r []uint64) error {
			if fail && p[0] == 3 {
				return boom
			}
			r[0] = p[0] + 1
			return nil
		})
	inst, done := instantiateWat(t, hostLoopModule, runtime.Imports{"env": {"inc": inc}})
	defer done()
	_, err := inst.Call(context.Background(), "loop", 10)
	require.ErrorIs(t, err, boom)
	var trap *runtime.Trap
	require.ErrorAs(t, err, &trap)
	require.Equal(t, runtime.TrapHostError, trap.Kind)
	require.ErrorContains(t, err, "inc: boom")
	fail = false
	res, err := inst.Call(context.Background(), "loop", 10)
	require.NoError(t, err)
	require.Equal(t, []uint64{10}, res)
}
