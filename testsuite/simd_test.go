package testsuite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime"
)

// v128 values cross every boundary of compiled code: an exported
// function's params and results (the entry stub), call_indirect through a
// table, and a Go host function (two words per v128, low half first).
func TestV128Calls(t *testing.T) {
	const src = `(module
	  (import "env" "mix" (func $mix (param v128 i32) (result v128)))
	  (type $vv (func (param v128) (result v128)))
	  (table 2 funcref)
	  (elem (i32.const 0) $double $mixer)
	  (func $double (type $vv) (i32x4.add (local.get 0) (local.get 0)))
	  (func $mixer (type $vv) (call $mix (local.get 0) (i32.const 5)))
	  (func (export "run") (param v128 i32) (result v128)
	    (call_indirect (type $vv) (local.get 0) (local.get 1))))`
	mix := runtime.NewHostFunction("mix", runtime.FuncType{Params: []runtime.ValType{runtime.V128, runtime.I32}, Results: []runtime.ValType{runtime.V128}},
		func(_ context.Context, _ *runtime.Instance, p, r []uint64) error {
			// Swap the halves; add the i32 to the new high half.
			r[0], r[1] = p[1], p[0]+p[2]
			return nil
		})
	inst, done := instantiateWat(t, src, runtime.Imports{"env": {"mix": mix}})
	defer done()
	ctx := context.Background()
	res, err := inst.Call(ctx, "run", 0x0000000200000001, 0x0000000400000003, 0)
	require.NoError(t, err)
	require.Equal(t, []uint64{0x0000000400000002, 0x0000000800000006}, res)
	res, err = inst.Call(ctx, "run", 0x1111, 0x2222, 1)
	require.NoError(t, err)
	require.Equal(t, []uint64{0x2222, 0x1111 + 5}, res)
}

// More v128 values live across a call than there are XMM registers (and
// XMM registers do not survive calls): they are spilled and reloaded
// whole, 16 bytes each.
func TestV128Spills(t *testing.T) {
	const n = 20
	var b strings.Builder
	b.WriteString(`(module (func $f (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
	  (func (export "spill") (param i32) (result v128)`)
	for k := 1; k <= n; k++ {
		fmt.Fprintf(&b, " (local $v%d v128)", k)
	}
	for k := 1; k <= n; k++ {
		// v_k = splat(x * k) + (k, 2k, 3k, 4k)
		fmt.Fprintf(&b, "\n    (local.set $v%d (i32x4.add (i32x4.splat (i32.mul (local.get 0) (i32.const %d))) (v128.const i32x4 %d %d %d %d)))",
			k, k, k, 2*k, 3*k, 4*k)
	}
	b.WriteString("\n    (local.set 0 (call $f (local.get 0)))\n    (local.get $v1)")
	for k := 2; k <= n; k++ {
		// acc = acc * 3 + v_k, in order, so that every value matters.
		fmt.Fprintf(&b, "\n    (i32x4.mul (v128.const i32x4 3 3 3 3)) (local.get $v%d) (i32x4.add)", k)
	}
	b.WriteString("\n    (i32x4.add (i32x4.splat (local.get 0)))))")
	inst, done := instantiateWat(t, b.String(), nil)
	defer done()
	const x = 1000
	var want [4]uint32
	for lane := range 4 {
		v := func(k int) uint32 { return uint32(x*k + (lane+1)*k) }
		acc := v(1)
		for k := 2; k <= n; k++ {
			acc = acc*3 + v(k)
		}
		want[lane] = acc + x + 1
	}
	res, err := inst.Call(context.Background(), "spill", x)
	require.NoError(t, err)
	require.Equal(t, []uint64{uint64(want[0]) | uint64(want[1])<<32, uint64(want[2]) | uint64(want[3])<<32}, res)
}

// v128 arguments beyond the eight XMM argument registers go on the stack
// (16 bytes each) and a third v128 result goes to the results area, for
// direct and indirect calls and the entry stub alike.
func TestV128OnTheStack(t *testing.T) {
	var params, args strings.Builder
	for range 10 {
		params.WriteString(" v128")
	}
	sum := "(local.get 0)"
	for k := 1; k < 10; k++ {
		sum = fmt.Sprintf("(i32x4.add %s (local.get %d))", sum, k)
	}
	for k := range 11 {
		fmt.Fprintf(&args, " (local.get %d)", k)
	}
	src := fmt.Sprintf(`(module
	  (type $many (func (param%s i32) (result v128 v128 v128)))
	  (table 1 funcref)
	  (elem (i32.const 0) $sum)
	  (func $sum (type $many)
	    (local.get 9)
	    (i32x4.add %s (i32x4.splat (local.get 10)))
	    (i32x4.sub (local.get 8) (local.get 0)))
	  (func (export "direct") (type $many) (call $sum%s))
	  (func (export "indirect") (type $many) (call_indirect (type $many)%s (i32.const 0))))`,
		params.String(), sum, args.String(), args.String())
	inst, done := instantiateWat(t, src, nil)
	defer done()
	var in []uint64
	lane := func(k, i int) uint64 { return uint64(k*100 + i) }
	for k := range 10 {
		in = append(in, lane(k, 0)|lane(k, 1)<<32, lane(k, 2)|lane(k, 3)<<32)
	}
	in = append(in, 7)
	var total [4]uint64
	for i := range 4 {
		for k := range 10 {
			total[i] += lane(k, i)
		}
		total[i] += 7
	}
	want := []uint64{in[18], in[19], total[0] | total[1]<<32, total[2] | total[3]<<32,
		(lane(8, 0) - lane(0, 0)) | (lane(8, 1)-lane(0, 1))<<32, (lane(8, 2) - lane(0, 2)) | (lane(8, 3)-lane(0, 3))<<32}
	for _, name := range []string{"direct", "indirect"} {
		res, err := inst.Call(context.Background(), name, in...)
		require.NoError(t, err, name)
		require.Equal(t, want, res, name)
	}
}
