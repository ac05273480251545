package testsuite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/compiler/wat"
	"github.com/wasiaot/wasiaot/runtime"
)

const backtraceModule = `(module
  (import "host" "call" (func $host (param i32) (result i32)))
  (memory 1)
  (func $leaf (param i32) (result i32)
    (i32.div_s (i32.const 1) (local.get 0)))
  (func $mid (param i32) (result i32)
    (local $big i64) (local i64) (local i64)
    ;; keeps values across the call, so the frame saves registers and spills
    (local.set $big (i64.extend_i32_u (local.get 0)))
    (i32.add (call $leaf (local.get 0)) (i32.wrap_i64 (local.get $big))))
  (func $rec (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $mid (local.get 0)))
      (else (i32.add (local.get 0) (call $rec (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "div") (param i32) (result i32) (call $rec (local.get 0)))
  (func (export "load") (param i32) (result i32)
    (i32.add (call $host (i32.const 7)) (i32.load (local.get 0))))
  (func $spin (param i32) (result i32) (loop $l (br $l)) (local.get 0))
  (func (export "spin") (param i32) (result i32) (i32.add (call $spin (local.get 0)) (i32.const 1)))
  (func $viahost (param i32) (result i32) (i32.add (call $host (local.get 0)) (i32.const 1)))
  (func (export "viahost") (param i32) (result i32) (call $viahost (local.get 0)))
  (func $deep (export "deep") (param i32) (result i32) (i32.add (call $deep (local.get 0)) (i32.const 1))))`

// Function indices in backtraceModule (import 0 first).
const (
	btLeaf = 1 + iota
	btMid
	btRec
	btDiv
	btLoad
	btSpin
	btSpinExport
	btViaHost
	btViaHostExport
	btDeep
)

// TestBacktrace: a trap carries the wasm backtrace, innermost first, with the wasm byte offset of
// every frame: the trapping instruction, then each call on the way there. Before, a trap named
// only the innermost function.
func TestBacktrace(t *testing.T) {
	bin, err := wat.Parse([]byte(backtraceModule), wasm.FeaturesV2)
	require.NoError(t, err)
	var inst *runtime.Instance
	host := runtime.NewHostFunction("call", runtime.FuncType{Params: []runtime.ValType{runtime.I32}, Results: []runtime.ValType{runtime.I32}},
		func(ctx context.Context, _ *runtime.Instance, params, results []uint64) error {
			switch params[0] {
			case 0:
				return errors.New("host says no")
			case 1: // back into wasm, which traps there
				_, err := inst.Call(ctx, "div", 1)
				return err
			}
			results[0] = params[0]
			return nil
		})
	inst, done := instantiateWasm(t, bin, runtime.Imports{"host": {"call": host}})
	defer done()

	// check asserts the functions of the frames and that each offset points at the right
	// instruction: the trapping one first (op), a call in every other frame.
	check := func(err error, kind runtime.TrapKind, op byte, funcs ...uint32) *runtime.Trap {
		t.Helper()
		var tr *runtime.Trap
		require.ErrorAs(t, err, &tr)
		require.Equal(t, kind, tr.Kind, "%v", err)
		var got []uint32
		for _, f := range tr.Frames {
			got = append(got, f.Func)
		}
		require.Equal(t, funcs, got, "%v", err)
		for i, f := range tr.Frames {
			want := byte(0x10) // call
			if i == 0 {
				want = op
			}
			if i == 0 && op == 0 {
				continue
			}
			require.True(t, f.HasOffset, "frame %d: %v", i, f)
			require.Less(t, int(f.Offset), len(bin))
			require.Equal(t, want, bin[f.Offset], "frame %d (%v): opcode", i, f)
		}
		return tr
	}

	_, err = inst.Call(context.Background(), "div", 3)
	tr := check(err, runtime.TrapIntegerDivideByZero, 0x6d, btLeaf, btMid, btRec, btRec, btRec, btRec, btDiv)
	require.Equal(t, "mid", tr.Frames[1].FuncName)
	require.Equal(t, tr.Frames[3].Offset, tr.Frames[4].Offset, "the same recursive call")
	require.NotEqual(t, tr.Frames[2].Offset, tr.Frames[3].Offset, "the two calls in rec")

	// A memory fault in a function that called before.
	_, err = inst.Call(context.Background(), "load", 70000)
	check(err, runtime.TrapMemoryOutOfBounds, 0x28, btLoad)

	// An interrupted loop, and a host error, keep their callers.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	_, err = inst.Call(ctx, "spin", 0)
	cancel()
	check(err, runtime.TrapInterrupted, 0, btSpin, btSpinExport)
	_, err = inst.Call(context.Background(), "viahost", 0)
	check(err, runtime.TrapHostError, 0x10, btViaHost, btViaHostExport)

	// A trap in wasm called back by a host function continues with the outer frames.
	_, err = inst.Call(context.Background(), "viahost", 1)
	check(err, runtime.TrapIntegerDivideByZero, 0x6d, btLeaf, btMid, btRec, btRec, btDiv, btViaHost, btViaHostExport)

	// A stack overflow leaves a bounded backtrace of the recursion.
	_, err = inst.Call(context.Background(), "deep", 0)
	require.ErrorAs(t, err, &tr)
	require.Equal(t, runtime.TrapStackExhausted, tr.Kind)
	require.Len(t, tr.Frames, 1024)
	require.True(t, tr.MoreFrames)
	for _, f := range tr.Frames {
		require.Equal(t, uint32(btDeep), f.Func)
	}

	// The instance still works after all that.
	res, err := inst.Call(context.Background(), "viahost", 5)
	require.NoError(t, err)
	require.Equal(t, uint64(6), res[0])
}

// BenchmarkHostErrorTrap measures a call that ends with a host function's error (how proc_exit
// ends every WASI program), backtrace included, four wasm frames deep.
func BenchmarkHostErrorTrap(b *testing.B) {
	bin, err := wat.Parse([]byte(`(module
  (import "host" "fail" (func $fail))
  (func $a (call $fail)) (func $b (call $a)) (func $c (call $b))
  (func (export "run") (call $c)))`), wasm.FeaturesV2)
	if err != nil {
		b.Fatal(err)
	}
	fail := errors.New("exit")
	host := runtime.NewHostFunction("fail", runtime.FuncType{}, func(context.Context, *runtime.Instance, []uint64, []uint64) error { return fail })
	inst, done := instantiateWasm(b, bin, runtime.Imports{"host": {"fail": host}})
	defer done()
	ctx := context.Background()
	for b.Loop() {
		if _, err := inst.Call(ctx, "run"); err == nil {
			b.Fatal("no error")
		}
	}
}

// bigFrameLocals is enough i64 locals, live across a call, for a frame above the backends'
// BigFrame (32 KiB), whose prologue checks the stack limit before it builds anything.
const bigFrameLocals = 4400

// leafTrapModule has leaves that trap without saving a return address (no call of their own),
// reached through call_indirect, and a recursion of big frames that overflows in the prologue's
// stack check.
func leafTrapModule() string {
	var b strings.Builder
	b.WriteString(`(module
  (type $t (func (param i32) (result i32)))
  (memory 1)
  (table 3 funcref)
  (elem (i32.const 0) $unr $oob $divz)
  (func $unr (param i32) (result i32) unreachable)
  (func $oob (param i32) (result i32) (i32.load (i32.add (local.get 0) (i32.const 70000))))
  (func $divz (param i32) (result i32) (i32.div_u (i32.const 1) (i32.sub (local.get 0) (i32.const 2))))
  (func $dispatch (param i32) (result i32)
    (i32.add (call_indirect (type $t) (local.get 0) (local.get 0)) (i32.const 1)))
  (func $outer (param i32) (result i32) (i32.mul (call $dispatch (local.get 0)) (i32.const 3)))
  (func (export "run") (param i32) (result i32) (call $outer (local.get 0)))
  (func $big (param i32) (result i32)`)
	for i := range bigFrameLocals {
		fmt.Fprintf(&b, " (local $l%d i64)", i)
	}
	for i := range bigFrameLocals {
		fmt.Fprintf(&b, "\n    (local.set $l%d (i64.extend_i32_u (i32.add (local.get 0) (i32.const %d))))", i, i)
	}
	b.WriteString("\n    (local.set 0 (call $big (i32.add (local.get 0) (i32.const 1))))")
	for i := range bigFrameLocals {
		fmt.Fprintf(&b, "\n    (local.set 0 (i32.add (local.get 0) (i32.wrap_i64 (local.get $l%d))))", i)
	}
	b.WriteString(`
    (local.get 0))
  (func (export "big") (param i32) (result i32) (i32.add (call $big (local.get 0)) (i32.const 1))))`)
	return b.String()
}

// Function indices in leafTrapModule.
const (
	ltUnr = iota
	ltOOB
	ltDivz
	ltDispatch
	ltOuter
	ltRun
	ltBig
	ltBigExport
)

// TestBacktraceLeaves: a trap in a function that never saved its return address (an explicit
// unreachable, an out-of-bounds load, a division by zero in a leaf), reached through
// call_indirect, and a stack overflow caught by the stack check of a big frame's prologue, each
// keep every frame above them (on arm64 the return address is then still in x30).
func TestBacktraceLeaves(t *testing.T) {
	bin, err := wat.Parse([]byte(leafTrapModule()), wasm.FeaturesV2)
	require.NoError(t, err)
	inst, done := instantiateWasm(t, bin, nil)
	defer done()

	frames := func(err error, kind runtime.TrapKind, op byte) []uint32 {
		t.Helper()
		var tr *runtime.Trap
		require.ErrorAs(t, err, &tr)
		require.Equal(t, kind, tr.Kind, "%v", err)
		var got []uint32
		for i, f := range tr.Frames {
			got = append(got, f.Func)
			require.True(t, f.HasOffset, "frame %d: %v", i, f)
			require.Less(t, int(f.Offset), len(bin))
			if i == 0 {
				require.Equal(t, op, bin[f.Offset], "frame %d (%v): opcode", i, f)
			} else {
				require.Contains(t, []byte{0x10, 0x11}, bin[f.Offset], "frame %d (%v): a call", i, f)
			}
		}
		return got
	}
	for _, c := range []struct {
		sel  uint64
		kind runtime.TrapKind
		op   byte
		leaf uint32
	}{
		{0, runtime.TrapUnreachable, 0x00, ltUnr},
		{1, runtime.TrapMemoryOutOfBounds, 0x28, ltOOB},
		{2, runtime.TrapIntegerDivideByZero, 0x6e, ltDivz},
	} {
		_, err := inst.Call(context.Background(), "run", c.sel)
		require.Equal(t, []uint32{c.leaf, ltDispatch, ltOuter, ltRun}, frames(err, c.kind, c.op), "%v", err)
	}

	_, err = inst.Call(context.Background(), "big", 0)
	var tr *runtime.Trap
	require.ErrorAs(t, err, &tr)
	require.Equal(t, runtime.TrapStackExhausted, tr.Kind, "%v", err)
	// No more frames than the default stack holds of 32 KiB ones: they are big frames.
	require.Greater(t, len(tr.Frames), 3)
	require.LessOrEqual(t, len(tr.Frames), 8<<20/(32<<10))
	for i, f := range tr.Frames[:len(tr.Frames)-1] {
		require.Equal(t, uint32(ltBig), f.Func, "frame %d", i)
	}
	require.Equal(t, uint32(ltBigExport), tr.Frames[len(tr.Frames)-1].Func)

	// A trap in the call_indirect's own check (an index past the table) is in a function with a
	// call; the instance still works after the overflow.
	_, err = inst.Call(context.Background(), "run", 3)
	require.Equal(t, []uint32{ltDispatch, ltOuter, ltRun}, frames(err, runtime.TrapTableOutOfBounds, 0x11), "%v", err)
}
