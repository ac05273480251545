package runtime

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

func i32c(v uint64) artifact.ConstExpr { return artifact.ConstExpr{{Op: artifact.OpI32Const, Imm: v}} }

// segModule has imported and defined globals, a table with active, passive
// and declarative element segments, and active and passive data segments;
// its functions expose them and the bulk builtins.
func segModule(b *builder) {
	b.importOther(importGlobal("env", "base", i32, false))
	b.importOther(importGlobal("env", "counter", i64, true))
	b.m.Memories = []artifact.MemoryType{{Limits: artifact.Limits{Min: 1, Max: 2, HasMax: true}}}
	b.m.Tables = []artifact.TableType{{Elem: artifact.FuncRef, Limits: artifact.Limits{Min: 4, Max: 6, HasMax: true}}}
	b.m.Globals = []artifact.Global{
		// base + 10 (extended const)
		{Type: artifact.GlobalType{Type: i32, Mutable: true}, Init: artifact.ConstExpr{{Op: artifact.OpGlobalGet, Imm: 0}, {Op: artifact.OpI32Const, Imm: 10}, {Op: artifact.OpI32Add}}},
		{Type: artifact.GlobalType{Type: f64}, Init: artifact.ConstExpr{{Op: artifact.OpF64Const, Imm: f64b(1.5)}}},
		{Type: artifact.GlobalType{Type: artifact.FuncRef}, Init: artifact.ConstExpr{{Op: artifact.OpRefFunc, Imm: 1}}},
	}
	b.export("g", artifact.KindGlobal, 2)
	b.export("pi", artifact.KindGlobal, 3)
	b.export("fr", artifact.KindGlobal, 4)
	b.export("tab", artifact.KindTable, 0)
	b.export("mem", artifact.KindMemory, 0)
	b.rodata = []byte("helloworld")
	b.m.Datas = []artifact.DataSegment{
		{Mode: artifact.Active, Offset: artifact.ConstExpr{{Op: artifact.OpGlobalGet, Imm: 0}}, RodataOffset: 0, Size: 5},
		{Mode: artifact.Passive, RodataOffset: 5, Size: 5},
	}
	b.m.Elems = []artifact.ElemSegment{
		{Mode: artifact.Active, Offset: i32c(1), Type: artifact.FuncRef, Funcs: []uint32{0, 1}},
		{Mode: artifact.Passive, Type: artifact.FuncRef, UseExprs: true, Exprs: []artifact.ConstExpr{
			{{Op: artifact.OpRefFunc, Imm: 2}}, {{Op: artifact.OpRefNull, Imm: uint64(artifact.FuncRef)}}}},
		{Mode: artifact.Declarative, Type: artifact.FuncRef, Funcs: []uint32{0}},
	}
	b.constFn("hundred", 100, true)                                // 0
	b.constFn("twohundred", 200, true)                             // 1
	b.fn("other", vt(i32), vt(i32), true, func(a *asm, _ uint32) { // 2: a type mismatch for callind
		a.op(x86.AMOVL, reg(x86.REG_DI), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
	i32Fn := b.typ(nil, vt(i32))
	b.fn("callind", vt(i32), vt(i32), true, func(a *asm, idx uint32) { b.callIndirect(a, idx, 0, i32Fn) })
	g := func(i uint32) int64 { return int64(b.l.GlobalOffset(i)) }
	b.fn("getg", nil, vt(i32), true, func(a *asm, _ uint32) {
		a.op(x86.AMOVL, mem(x86.REG_R15, g(2)), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
	b.fn("bump", nil, vt(i64), true, func(a *asm, _ uint32) {
		a.op(x86.AMOVQ, mem(x86.REG_R15, g(1)), reg(x86.REG_CX))
		a.op(x86.AMOVQ, mem(x86.REG_CX, 0), reg(x86.REG_AX))
		a.op(x86.AINCQ, none, reg(x86.REG_AX))
		a.op(x86.AMOVQ, reg(x86.REG_AX), mem(x86.REG_CX, 0))
		a.op(obj.ARET, none, none)
	})
	builtinFn := func(name string, bi abi.Builtin, args ...int16) {
		params := make([]artifact.ValType, len(args))
		for i := range params {
			params[i] = i32
		}
		// References are addresses.
		switch bi {
		case abi.BuiltinTableGrow:
			params[1] = i64
		case abi.BuiltinTableFill:
			params[2] = i64
		}
		b.fn(name, params, vt(i32), true, func(a *asm, _ uint32) {
			a.op(x86.ASUBQ, imm(8), reg(x86.REG_SP))
			a.builtin(bi, args...)
			a.op(x86.AADDQ, imm(8), reg(x86.REG_SP))
			a.op(obj.ARET, none, none)
		})
	}
	di, si, dx, cx, r8 := int16(x86.REG_DI), int16(x86.REG_SI), int16(x86.REG_DX), int16(x86.REG_CX), int16(x86.REG_R8)
	// Operands per abi.Builtin; the test passes segment and table indices.
	builtinFn("meminit", abi.BuiltinMemoryInit, di, si, dx, cx)
	builtinFn("datadrop", abi.BuiltinDataDrop, di)
	builtinFn("memfill", abi.BuiltinMemoryFill, di, si, dx)
	builtinFn("memcopy", abi.BuiltinMemoryCopy, di, si, dx)
	builtinFn("tableinit", abi.BuiltinTableInit, di, si, dx, cx, r8)
	builtinFn("elemdrop", abi.BuiltinElemDrop, di)
	builtinFn("tablegrow", abi.BuiltinTableGrow, di, si, dx)
	builtinFn("tablefill", abi.BuiltinTableFill, di, si, dx, cx)
	builtinFn("tablecopy", abi.BuiltinTableCopy, di, si, dx, cx, r8)
}

func segImports(t testing.TB, base uint64) (Imports, *Global) {
	bg, err := NewGlobal(GlobalType{Type: i32}, base)
	require.NoError(t, err)
	counter, err := NewGlobal(GlobalType{Type: i64, Mutable: true}, 41)
	require.NoError(t, err)
	return Imports{"env": {"base": bg, "counter": counter}}, counter
}

func TestGlobalsTablesSegments(t *testing.T) {
	rt := newRuntime(t)
	m, err := rt.Load(build(t, segModule))
	require.NoError(t, err)
	defer m.Close()
	im, counter := segImports(t, 32)
	inst := instantiate(t, m, im)
	ctx := context.Background()

	// Globals: extended const over an import, f64, funcref; mutable import
	// written by code and read by the host.
	require.Equal(t, []uint64{42}, call(t, inst, "getg"))
	require.Equal(t, uint64(42), inst.Global("g").Get())
	require.NoError(t, inst.Global("g").Set(7))
	require.Equal(t, []uint64{7}, call(t, inst, "getg"))
	require.Equal(t, f64b(1.5), inst.Global("pi").Get())
	require.ErrorContains(t, inst.Global("pi").Set(1), "immutable")
	require.Equal(t, []uint64{42}, call(t, inst, "bump"))
	require.Equal(t, uint64(42), counter.Get())
	fr := inst.Global("fr").Get()
	require.NotZero(t, fr)

	// Active data at global base (32); the table got [_, hundred, twohundred, _].
	mem := inst.Memory()
	got, ok := mem.Read(32, 5)
	require.True(t, ok)
	require.Equal(t, "hello", string(got))
	tab := inst.Table("tab")
	require.Equal(t, uint32(4), tab.Size())
	e2, err := tab.Get(2)
	require.NoError(t, err)
	require.Equal(t, fr, e2, "ref.func gives the same record as the element segment")
	require.Equal(t, []uint64{100}, call(t, inst, "callind", 1))
	require.Equal(t, []uint64{200}, call(t, inst, "callind", 2))
	_, err = inst.Call(ctx, "callind", 0)
	requireTrap(t, err, TrapUninitializedElement, 3)
	require.ErrorContains(t, err, "uninitialized element")
	_, err = inst.Call(ctx, "callind", 4)
	requireTrap(t, err, TrapTableOutOfBounds, 3)
	require.ErrorContains(t, err, "undefined element")

	// table.init from the passive segment [other, null], type mismatch.
	call(t, inst, "tableinit", 0, 1, 0, 0, 2)
	_, err = inst.Call(ctx, "callind", 0)
	requireTrap(t, err, TrapIndirectCallTypeMismatch, 3)
	_, err = inst.Call(ctx, "callind", 1)
	requireTrap(t, err, TrapUninitializedElement, 3)
	_, err = inst.Call(ctx, "tableinit", 0, 1, 3, 0, 2)
	tr := requireTrap(t, err, TrapTableOutOfBounds, inst.ExportedFunction("tableinit").index)
	require.Equal(t, "tableinit", tr.FuncName)
	// The declarative and (after instantiation) active segments are dropped.
	_, err = inst.Call(ctx, "tableinit", 0, 2, 0, 0, 1)
	requireTrap(t, err, TrapTableOutOfBounds, inst.ExportedFunction("tableinit").index)
	call(t, inst, "tableinit", 0, 0, 0, 0, 0)
	call(t, inst, "elemdrop", 1)
	_, err = inst.Call(ctx, "tableinit", 0, 1, 0, 0, 1)
	requireTrap(t, err, TrapTableOutOfBounds, inst.ExportedFunction("tableinit").index)

	// table.grow / fill / copy.
	require.Equal(t, []uint64{4}, call(t, inst, "tablegrow", 0, uint64(fr), 1))
	require.Equal(t, []uint64{0xffffffff}, call(t, inst, "tablegrow", 0, 0, 2))
	require.Equal(t, []uint64{200}, call(t, inst, "callind", 4))
	// [other null 200 null 200] → overlapping copy → [null 200 null null 200]
	call(t, inst, "tablecopy", 0, 0, 0, 1, 3)
	require.Equal(t, []uint64{200}, call(t, inst, "callind", 1))
	_, err = inst.Call(ctx, "callind", 0)
	requireTrap(t, err, TrapUninitializedElement, 3)
	_, err = inst.Call(ctx, "tablecopy", 0, 0, 3, 0, 3)
	requireTrap(t, err, TrapTableOutOfBounds, inst.ExportedFunction("tablecopy").index)
	call(t, inst, "tablefill", 0, 0, 0, 5)
	_, err = inst.Call(ctx, "callind", 4)
	requireTrap(t, err, TrapUninitializedElement, 3)
	_, err = inst.Call(ctx, "tablefill", 0, 4, 0, 2)
	requireTrap(t, err, TrapTableOutOfBounds, inst.ExportedFunction("tablefill").index)

	// memory.init / data.drop / fill / copy.
	call(t, inst, "meminit", 1, 100, 1, 4)
	got, _ = mem.Read(100, 4)
	require.Equal(t, "orld", string(got))
	_, err = inst.Call(ctx, "meminit", 1, 100, 2, 4)
	requireTrap(t, err, TrapMemoryOutOfBounds, inst.ExportedFunction("meminit").index)
	_, err = inst.Call(ctx, "meminit", 1, 65534, 0, 4)
	requireTrap(t, err, TrapMemoryOutOfBounds, inst.ExportedFunction("meminit").index)
	_, err = inst.Call(ctx, "meminit", 0, 0, 0, 1) // active segments are dropped
	requireTrap(t, err, TrapMemoryOutOfBounds, inst.ExportedFunction("meminit").index)
	call(t, inst, "datadrop", 1)
	call(t, inst, "meminit", 1, 0, 0, 0)
	_, err = inst.Call(ctx, "meminit", 1, 0, 0, 1)
	requireTrap(t, err, TrapMemoryOutOfBounds, inst.ExportedFunction("meminit").index)
	call(t, inst, "memfill", 200, 'x', 3)
	call(t, inst, "memcopy", 201, 200, 4) // overlapping: memmove
	got, _ = mem.Read(200, 6)
	require.Equal(t, "xxxx\x00\x00", string(got))
	_, err = inst.Call(ctx, "memfill", 65535, 0, 2)
	requireTrap(t, err, TrapMemoryOutOfBounds, inst.ExportedFunction("memfill").index)
	_, err = inst.Call(ctx, "memcopy", 0, 65535, 2)
	requireTrap(t, err, TrapMemoryOutOfBounds, inst.ExportedFunction("memcopy").index)
	call(t, inst, "memfill", 65536, 0, 0)
}

func TestUninstantiable(t *testing.T) {
	rt := newRuntime(t)
	m, err := rt.Load(build(t, segModule))
	require.NoError(t, err)
	defer m.Close()
	// Data segment at 65534 does not fit: out of bounds memory access, but
	// the element segment before it was applied.
	im, _ := segImports(t, 65534)
	_, err = m.Instantiate(context.Background(), im)
	require.ErrorContains(t, err, "out of bounds memory access")
	var tr *Trap
	require.ErrorAs(t, err, &tr)
	require.Equal(t, TrapMemoryOutOfBounds, tr.Kind)

	// An element segment past the end of an imported table fails, after
	// the earlier segments were written into the shared table.
	tm, err := rt.Load(build(t, func(b *builder) {
		b.importOther(importTable("env", "tab", 2, 0, false))
		b.m.Elems = []artifact.ElemSegment{
			{Mode: artifact.Active, Offset: i32c(0), Type: artifact.FuncRef, Funcs: []uint32{0}},
			{Mode: artifact.Active, Offset: i32c(1), Type: artifact.FuncRef, Funcs: []uint32{0, 0}},
		}
		b.constFn("one", 1, false)
	}))
	require.NoError(t, err)
	defer tm.Close()
	tab, err := NewTable(TableType{Elem: FuncRef, Limits: Limits{Min: 2}}, 0)
	require.NoError(t, err)
	_, err = tm.Instantiate(context.Background(), Imports{"env": {"tab": tab}})
	require.EqualError(t, err, "wasm trap: out of bounds table access (undefined element)")
	e0, _ := tab.Get(0)
	e1, _ := tab.Get(1)
	require.NotZero(t, e0)
	require.Zero(t, e1)
	// The failed instance's function stays callable through the table.
	caller := instantiate(t, load(t, rt, func(b *builder) {
		b.importOther(importTable("env", "tab", 2, 0, false))
		i32Fn := b.typ(nil, vt(i32))
		b.fn("callind", vt(i32), vt(i32), true, func(a *asm, idx uint32) { b.callIndirect(a, idx, 0, i32Fn) })
	}), Imports{"env": {"tab": tab}})
	require.Equal(t, []uint64{1}, call(t, caller, "callind", 0))
}
