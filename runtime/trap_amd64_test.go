package runtime

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// memModule has a memory of 1 page (at most 3) and functions that load,
// store, grow and trap.
func memModule(b *builder) {
	b.m.Memories = []artifact.MemoryType{{Limits: artifact.Limits{Min: 1, Max: 3, HasMax: true}}}
	b.export("memory", artifact.KindMemory, 0)
	// load(addr) -> i32 [addr]; the load is a trap site.
	b.fn("load", vt(i32), vt(i32), true, func(a *asm, idx uint32) {
		a.op(x86.AMOVL, reg(x86.REG_DI), reg(x86.REG_DI))
		a.op(x86.AMOVQ, mem(x86.REG_R15, abi.VMCtxMemoryBase), reg(x86.REG_AX))
		a.label("load.site")
		a.op(x86.AMOVL, memIdx(x86.REG_AX, x86.REG_DI, 0), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
		b.site("load.site", trap.MemoryOutOfBounds, idx, 0x51)
	})
	// load8(addr) -> i32 [addr] (u8); not in the trap table: the fault is
	// known by its address.
	b.fn("load8", vt(i32), vt(i32), true, func(a *asm, idx uint32) {
		a.op(x86.AMOVL, reg(x86.REG_DI), reg(x86.REG_DI))
		a.op(x86.AMOVQ, mem(x86.REG_R15, abi.VMCtxMemoryBase), reg(x86.REG_AX))
		a.op(x86.AMOVBLZX, memIdx(x86.REG_AX, x86.REG_DI, 0), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
	// loadfar(addr) -> i32 [addr + 0xfffffff0]: the highest offsets.
	b.fn("loadfar", vt(i32), vt(i32), true, func(a *asm, idx uint32) {
		a.op(x86.AMOVL, reg(x86.REG_DI), reg(x86.REG_DI))
		a.op(x86.AMOVL, imm(0xfffffff0), reg(x86.REG_CX))
		a.op(x86.AADDQ, reg(x86.REG_CX), reg(x86.REG_DI))
		a.op(x86.AMOVQ, mem(x86.REG_R15, abi.VMCtxMemoryBase), reg(x86.REG_AX))
		a.op(x86.AMOVL, memIdx(x86.REG_AX, x86.REG_DI, 0), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
	b.fn("store", vt(i32, i32), nil, true, func(a *asm, idx uint32) {
		a.op(x86.AMOVL, reg(x86.REG_DI), reg(x86.REG_DI))
		a.op(x86.AMOVQ, mem(x86.REG_R15, abi.VMCtxMemoryBase), reg(x86.REG_AX))
		a.op(x86.AMOVL, reg(x86.REG_SI), memIdx(x86.REG_AX, x86.REG_DI, 0))
		a.op(obj.ARET, none, none)
	})
	b.fn("grow", vt(i32), vt(i32), true, func(a *asm, _ uint32) {
		a.args(x86.REG_AX)
		a.op(x86.AMOVQ, reg(x86.REG_DI), mem(x86.REG_AX, 0))
		a.exit(abi.BuiltinBase + uint32(abi.BuiltinMemoryGrow))
		a.args(x86.REG_AX)
		a.op(x86.AMOVL, mem(x86.REG_AX, 0), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
	b.fn("size", nil, vt(i32), true, func(a *asm, _ uint32) {
		a.op(x86.AMOVQ, mem(x86.REG_R15, int64(b.l.MemoryOwner)), reg(x86.REG_AX))
		a.op(x86.AMOVQ, mem(x86.REG_AX, abi.VMCtxMemoryLen), reg(x86.REG_AX))
		a.op(x86.ASHRQ, imm(16), reg(x86.REG_AX))
		a.op(obj.ARET, none, none)
	})
}

// trapModule has explicit traps and unbounded recursion.
func trapModule(b *builder) {
	b.fn("div", vt(i32, i32), vt(i32), true, func(a *asm, idx uint32) {
		a.op(x86.ATESTL, reg(x86.REG_SI), reg(x86.REG_SI))
		a.jump(x86.AJNE, "div.ok")
		b.site(a.trap(), trap.IntegerDivideByZero, idx, 0x2a)
		a.label("div.ok")
		a.op(x86.AMOVL, reg(x86.REG_DI), reg(x86.REG_AX))
		a.bytes(0x99, 0xf7, 0xfe) // cdq; idiv esi
		a.op(obj.ARET, none, none)
	})
	b.fn("unreachable", nil, nil, true, func(a *asm, idx uint32) {
		b.site(a.trap(), trap.Unreachable, idx, 0x33)
	})
	b.fn("recurse", nil, nil, true, func(a *asm, idx uint32) {
		a.op(x86.ASUBQ, imm(8), reg(x86.REG_SP))
		a.callRel("func:recurse")
		a.op(x86.AADDQ, imm(8), reg(x86.REG_SP))
		a.op(obj.ARET, none, none)
	})
	// spin loops forever, polling at the back edge.
	b.fn("spin", nil, nil, true, func(a *asm, idx uint32) {
		a.label("spin.top")
		a.poll()
		a.jump(obj.AJMP, "spin.top")
	})
}

func TestExplicitTraps(t *testing.T) {
	rt := newRuntime(t)
	inst := instantiate(t, load(t, rt, trapModule), nil)
	require.Equal(t, []uint64{0xfffffffd}, call(t, inst, "div", 0xfffffffa, 2))
	require.False(t, inst.trapped.Load())
	_, err := inst.Call(context.Background(), "div", 1, 0)
	require.True(t, inst.trapped.Load(), "its stack is trimmed when the instance closes")
	tr := requireTrap(t, err, TrapIntegerDivideByZero, 0)
	require.Equal(t, "div", tr.FuncName)
	require.True(t, tr.HasOffset)
	require.Equal(t, uint32(0x2a), tr.Offset)
	require.EqualError(t, err, `wasm trap: integer divide by zero (in function 0 "div" at wasm offset 0x2a)`)

	_, err = inst.Call(context.Background(), "unreachable")
	requireTrap(t, err, TrapUnreachable, 1)
	require.EqualError(t, err, `wasm trap: unreachable (in function 1 "unreachable" at wasm offset 0x33)`)

	_, err = inst.Call(context.Background(), "recurse")
	requireTrap(t, err, TrapStackExhausted, 2)
	require.ErrorContains(t, err, "call stack exhausted")
	// Traps leave the instance usable.
	require.Equal(t, []uint64{5}, call(t, inst, "div", 10, 2))
}

func TestMemoryBoundaries(t *testing.T) {
	rt := newRuntime(t)
	inst := instantiate(t, load(t, rt, memModule), nil)
	mem := inst.Memory()
	require.Equal(t, uint32(1), mem.Size())
	require.True(t, mem.Write(65532, []byte{1, 2, 3, 4}))
	require.False(t, mem.Write(65533, []byte{1, 2, 3, 4}))
	require.Equal(t, []uint64{0x04030201}, call(t, inst, "load", 65532))
	require.Equal(t, []uint64{4}, call(t, inst, "load8", 65535))

	for _, tc := range []struct {
		fn      string
		addr    uint64
		offset  bool
		funcIdx uint32
	}{
		{"load", 65533, true, 0},
		{"load", 65536, true, 0},
		{"load", 0xffffffff, true, 0},
		{"load8", 65536, false, 1},
		{"loadfar", 0, false, 2},
		{"loadfar", 0xffffffff, false, 2},
	} {
		_, err := inst.Call(context.Background(), tc.fn, tc.addr)
		tr := requireTrap(t, err, TrapMemoryOutOfBounds, tc.funcIdx)
		require.Equal(t, tc.offset, tr.HasOffset, "%s(%#x)", tc.fn, tc.addr)
		require.True(t, strings.HasPrefix(err.Error(), "wasm trap: out of bounds memory access"), err.Error())
	}
	_, err := inst.Call(context.Background(), "store", 65536, 7)
	requireTrap(t, err, TrapMemoryOutOfBounds, 3)

	// Grow, then the next page is accessible and visible to memory.size.
	require.Equal(t, []uint64{1}, call(t, inst, "size"))
	require.Equal(t, []uint64{1}, call(t, inst, "grow", 1))
	require.Equal(t, []uint64{2}, call(t, inst, "size"))
	call(t, inst, "store", 65536, 0x11223344)
	require.Equal(t, []uint64{0x44}, call(t, inst, "load8", 65536))
	require.Equal(t, []uint64{0}, call(t, inst, "load8", 2*65536-1))
	_, err = inst.Call(context.Background(), "load8", 2*65536)
	requireTrap(t, err, TrapMemoryOutOfBounds, 1)
	// Past the maximum of 3 pages memory.grow returns -1.
	require.Equal(t, []uint64{0xffffffff}, call(t, inst, "grow", 2))
	require.Equal(t, []uint64{2}, call(t, inst, "grow", 0))
	require.Equal(t, uint32(2), mem.Size())
	require.Equal(t, []uint64{2}, call(t, inst, "grow", 1))
	require.Equal(t, 3*65536, len(mem.Bytes()))
}

func TestMemoryLimit(t *testing.T) {
	rt := New(Config{MemoryLimitPages: 2, StackSize: 64 << 10})
	defer rt.Close()
	inst := instantiate(t, load(t, rt, memModule), nil)
	require.Equal(t, []uint64{1}, call(t, inst, "grow", 1))
	require.Equal(t, []uint64{0xffffffff}, call(t, inst, "grow", 1))

	small := New(Config{MemoryLimitPages: 1})
	defer small.Close()
	m := load(t, small, func(b *builder) {
		b.m.Memories = []artifact.MemoryType{{Limits: artifact.Limits{Min: 2}}}
	})
	_, err := m.Instantiate(context.Background(), nil)
	require.EqualError(t, err, "memory of 2 pages exceeds the limit of 1 pages")
}

func TestExportedFunctionIdentity(t *testing.T) {
	rt := newRuntime(t)
	inst := instantiate(t, load(t, rt, trapModule), nil)
	div, spin := inst.ExportedFunction("div"), inst.ExportedFunction("spin")
	require.NotNil(t, div)
	require.NotNil(t, spin)
	require.NotSame(t, div, spin)
	for range 2 {
		require.Same(t, div, inst.ExportedFunction("div"), "the first function handed out")
		require.Same(t, spin, inst.ExportedFunction("spin"), "the next ones")
	}
	require.Equal(t, []uint64{5}, call(t, inst, "div", 10, 2))
}
