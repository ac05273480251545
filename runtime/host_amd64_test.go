package runtime

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// hostModule imports env.combine (i32, i64, f64) -> (i64, f32) and env.fail,
// and calls them.
func hostModule(b *builder) {
	b.importFunc("env", "combine", vt(i32, i64, f64), vt(i64, f32))
	b.importFunc("env", "fail", nil, nil)
	// callcombine(a, b, c) -> (first result + 1, second result)
	b.fn("callcombine", vt(i32, i64, f64), vt(i64, f32), true, func(a *asm, _ uint32) {
		a.op(x86.ASUBQ, imm(8), reg(x86.REG_SP))
		a.args(x86.REG_AX)
		a.op(x86.AMOVL, reg(x86.REG_DI), mem(x86.REG_AX, 0))
		a.op(x86.AMOVQ, reg(x86.REG_SI), mem(x86.REG_AX, 16))
		a.op(x86.AMOVSD, reg(x86.REG_X0), mem(x86.REG_AX, 32))
		// A callee-saved register survives the host call.
		a.op(x86.AMOVQ, imm(1), reg(x86.REG_BX))
		a.exit(0)
		a.args(x86.REG_CX)
		a.op(x86.AMOVQ, mem(x86.REG_CX, 0), reg(x86.REG_AX))
		a.op(x86.AADDQ, reg(x86.REG_BX), reg(x86.REG_AX))
		a.op(x86.AMOVSS, mem(x86.REG_CX, 16), reg(x86.REG_X0))
		a.op(x86.AADDQ, imm(8), reg(x86.REG_SP))
		a.op(obj.ARET, none, none)
	})
	b.fn("callfail", nil, nil, true, func(a *asm, _ uint32) {
		a.exit(1)
		a.op(obj.ARET, none, none)
	})
	arith(b)
}

func TestHostFunctions(t *testing.T) {
	rt := newRuntime(t)
	m := load(t, rt, hostModule)
	var seen []uint64
	var caller *Instance
	errBoom := errors.New("boom")
	im := Imports{}
	im.Define("env", "combine", NewHostFunction("combine", FuncType{Params: vt(i32, i64, f64), Results: vt(i64, f32)},
		func(ctx context.Context, c *Instance, params, results []uint64) error {
			seen = append([]uint64(nil), params...)
			caller = c
			// Re-enter the calling instance.
			r, err := c.Call(ctx, "add32", 40, 2)
			if err != nil {
				return err
			}
			results[0] = uint64(int64(int32(params[0]))) + params[1] + r[0]
			results[1] = uint64(math.Float32bits(float32(math.Float64frombits(params[2]))))
			return nil
		}))
	im.Define("env", "fail", NewHostFunction("fail", FuncType{}, func(context.Context, *Instance, []uint64, []uint64) error {
		return errBoom
	}))
	inst := instantiate(t, m, im)
	res := call(t, inst, "callcombine", 0xfffffffe, 100, f64b(2.5))
	require.Equal(t, []uint64{0xfffffffe, 100, f64b(2.5)}, seen)
	require.Same(t, inst, caller)
	require.Equal(t, []uint64{uint64(-2 + 100 + 42 + 1), f32b(2.5)}, res)

	_, err := inst.Call(context.Background(), "callfail")
	tr := requireTrap(t, err, TrapHostError, 3)
	require.ErrorIs(t, err, errBoom)
	require.Equal(t, "callfail", tr.FuncName)
	require.Contains(t, err.Error(), "host function error: fail: boom")
	require.False(t, inst.trapped.Load(), "a host function's error (proc_exit's) is an ordinary way out: the stack is not looked at")
	// The instance is usable after a trap.
	require.Equal(t, []uint64{3}, call(t, inst, "add32", 1, 2))
}

func TestImportErrors(t *testing.T) {
	rt := newRuntime(t)
	m := load(t, rt, hostModule)
	ok := NewHostFunction("ok", FuncType{}, func(context.Context, *Instance, []uint64, []uint64) error { return nil })
	combine := NewHostFunction("c", FuncType{Params: vt(i32, i64, f64), Results: vt(i64, f32)}, nil)
	wrong := NewHostFunction("w", FuncType{Params: vt(i32, i64, f64), Results: vt(i64)}, nil)
	g, err := NewGlobal(GlobalType{Type: i32}, 1)
	require.NoError(t, err)
	for _, tc := range []struct {
		im   Imports
		want string
	}{
		{Imports{}, `unknown import: "env" "combine"`},
		{Imports{"env": {"combine": combine}}, `unknown import: "env" "fail"`},
		{Imports{"env": {"combine": combine, "fail": (*Function)(nil)}}, `unknown import: "env" "fail"`},
		{Imports{"env": {"combine": wrong, "fail": ok}}, `incompatible import type: "env" "combine": want func(i32, i64, f64) -> (i64, f32), got func(i32, i64, f64) -> (i64)`},
		{Imports{"env": {"combine": g, "fail": ok}}, `incompatible import type: "env" "combine": want function, got global`},
	} {
		_, err := m.Instantiate(context.Background(), tc.im)
		require.EqualError(t, err, tc.want)
	}
}

func TestImportLimitsAndGlobalTypes(t *testing.T) {
	rt := newRuntime(t)
	m := load(t, rt, func(b *builder) {
		b.importOther(importMemory("env", "mem", 2, 4, true))
		b.importOther(importTable("env", "tab", 3, 0, false))
		b.importOther(importGlobal("env", "g", i64, true))
	})
	mem := func(min, max uint64, hasMax bool) *Memory {
		x, err := rt.NewMemory(MemoryType{Limits: Limits{Min: min, Max: max, HasMax: hasMax}})
		require.NoError(t, err)
		return x
	}
	tab := func(min, max uint64, hasMax bool) *Table {
		x, err := NewTable(TableType{Elem: FuncRef, Limits: Limits{Min: min, Max: max, HasMax: hasMax}}, 0)
		require.NoError(t, err)
		return x
	}
	glob := func(t0 ValType, mut bool) *Global {
		x, err := NewGlobal(GlobalType{Type: t0, Mutable: mut}, 0)
		require.NoError(t, err)
		return x
	}
	for _, tc := range []struct {
		mem  *Memory
		tab  *Table
		g    *Global
		want string
	}{
		{mem(2, 4, true), tab(3, 0, false), glob(i64, true), ""},
		{mem(3, 3, true), tab(5, 9, true), glob(i64, true), ""},
		{mem(1, 4, true), tab(3, 0, false), glob(i64, true), `incompatible import type: "env" "mem": size 1 below the minimum 2`},
		{mem(2, 0, false), tab(3, 0, false), glob(i64, true), `incompatible import type: "env" "mem": no maximum, want at most 4`},
		{mem(2, 5, true), tab(3, 0, false), glob(i64, true), `incompatible import type: "env" "mem": maximum 5 above 4`},
		{mem(2, 4, true), tab(2, 0, false), glob(i64, true), `incompatible import type: "env" "tab": size 2 below the minimum 3`},
		{mem(2, 4, true), tab(3, 0, false), glob(i64, false), `incompatible import type: "env" "g": want mut i64, got i64`},
		{mem(2, 4, true), tab(3, 0, false), glob(i32, true), `incompatible import type: "env" "g": want mut i64, got mut i32`},
	} {
		im := Imports{"env": {"mem": tc.mem, "tab": tc.tab, "g": tc.g}}
		inst, err := m.Instantiate(context.Background(), im)
		if tc.want == "" {
			require.NoError(t, err)
			require.NoError(t, inst.Close())
		} else {
			require.EqualError(t, err, tc.want)
		}
	}
	// A table's current size counts, not its declared minimum.
	small := tab(1, 0, false)
	_, ok := small.Grow(2, 0)
	require.True(t, ok)
	inst, err := m.Instantiate(context.Background(), Imports{"env": {"mem": mem(2, 4, true), "tab": small, "g": glob(i64, true)}})
	require.NoError(t, err)
	require.NoError(t, inst.Close())
}

// A host function in a table is called through call_indirect (call_ref
// with a FuncRef record whose VMCtx is 0).
func TestHostFunctionInTable(t *testing.T) {
	rt := newRuntime(t)
	m := load(t, rt, func(b *builder) {
		b.importFunc("env", "h", nil, vt(i32))
		b.importOther(importTable("env", "tab", 10, 20, true))
		b.m.Elems = []artifact.ElemSegment{{Mode: artifact.Active, Offset: i32c(3), Type: artifact.FuncRef, Funcs: []uint32{0}}}
		i32Fn := b.typ(nil, vt(i32))
		b.fn("callind", vt(i32), vt(i32), true, func(a *asm, idx uint32) { b.callIndirect(a, idx, 0, i32Fn) })
	})
	h := NewHostFunction("h", FuncType{Results: vt(i32)}, func(_ context.Context, c *Instance, _, r []uint64) error {
		r[0] = 55
		return nil
	})
	tab, err := NewTable(TableType{Elem: FuncRef, Limits: Limits{Min: 10, Max: 20, HasMax: true}}, 0)
	require.NoError(t, err)
	inst := instantiate(t, m, Imports{"env": {"h": h, "tab": tab}})
	require.Equal(t, []uint64{55}, call(t, inst, "callind", 3))
	ref, err := h.Ref()
	require.NoError(t, err)
	e3, _ := tab.Get(3)
	require.Equal(t, ref, e3)
	// A host function of the wrong type in the table is a type mismatch.
	wrong := NewHostFunction("w", FuncType{Params: vt(i32)}, nil)
	wref, err := wrong.Ref()
	require.NoError(t, err)
	require.NoError(t, tab.SetFunc(4, wrong))
	e4, _ := tab.Get(4)
	require.Equal(t, wref, e4)
	_, err = inst.Call(context.Background(), "callind", 4)
	requireTrap(t, err, TrapIndirectCallTypeMismatch, 1)
}

func BenchmarkHostCall(b *testing.B) {
	rt := newRuntime(b)
	im := Imports{"env": {
		"combine": NewHostFunction("c", FuncType{Params: vt(i32, i64, f64), Results: vt(i64, f32)}, func(_ context.Context, _ *Instance, p, r []uint64) error {
			r[0] = p[1]
			return nil
		}),
		"fail": NewHostFunction("f", FuncType{}, func(context.Context, *Instance, []uint64, []uint64) error { return nil }),
	}}
	inst := instantiate(b, load(b, rt, hostModule), im)
	f := inst.ExportedFunction("callcombine")
	stack := make([]uint64, 3)
	for b.Loop() {
		stack[0], stack[1], stack[2] = 1, 2, 3
		if err := f.CallWithStack(context.Background(), stack); err != nil {
			b.Fatal(err)
		}
	}
}

// A host function with a v128 param and result takes the general path:
// two words per v128, each from its own 16-byte slot.
func TestHostFunctionV128(t *testing.T) {
	rt := newRuntime(t)
	v := NewHostFunction("v", FuncType{Params: vt(artifact.V128, i32), Results: vt(artifact.V128)}, func(_ context.Context, _ *Instance, p, r []uint64) error {
		require.Len(t, p, 3)
		r[0], r[1] = p[0]+p[2], p[1]*2
		return nil
	})
	require.False(t, v.fast)
	m := load(t, rt, func(b *builder) {
		b.importFunc("env", "v", vt(artifact.V128, i32), vt(artifact.V128))
		// callv(lo, hi) = lo' ^ hi' where (lo', hi') = v((lo, hi), 7)
		b.fn("callv", vt(i64, i64), vt(i64), true, func(a *asm, _ uint32) {
			a.op(x86.ASUBQ, imm(8), reg(x86.REG_SP))
			a.args(x86.REG_AX)
			a.op(x86.AMOVQ, reg(x86.REG_DI), mem(x86.REG_AX, 0))
			a.op(x86.AMOVQ, reg(x86.REG_SI), mem(x86.REG_AX, 8))
			a.op(x86.AMOVL, imm(7), mem(x86.REG_AX, 16))
			a.exit(0)
			a.args(x86.REG_CX)
			a.op(x86.AMOVQ, mem(x86.REG_CX, 0), reg(x86.REG_AX))
			a.op(x86.AXORQ, mem(x86.REG_CX, 8), reg(x86.REG_AX))
			a.op(x86.AADDQ, imm(8), reg(x86.REG_SP))
			a.op(obj.ARET, none, none)
		})
	})
	inst := instantiate(t, m, Imports{"env": {"v": v}})
	require.Equal(t, []uint64{(100 + 7) ^ (5 * 2)}, call(t, inst, "callv", 100, 5))
	require.Zero(t, inst.sp)
}
