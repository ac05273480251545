package native

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj/arm64"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// loadEntry: args[0] = zext32(memory[zext32(args[0]) + 8]), the shape of a
// wasm i32.load offset=8 with no bounds check. The label "load" is the load.
func loadEntry(t testing.TB) (entry, load uintptr) {
	a := newAsm(t)
	a.label("entry")
	a.add(arm64.AMOVD, mem(rVM, vmArgs), reg(arm64.REG_R1))
	a.add(arm64.AMOVWU, mem(arm64.REG_R1, 0), reg(arm64.REG_R0))
	a.add(arm64.AMOVD, mem(rVM, vmMemoryBase), reg(arm64.REG_R2))
	a.add3(arm64.AADD, reg(arm64.REG_R0), arm64.REG_R2, reg(arm64.REG_R2))
	a.label("load")
	a.add(arm64.AMOVWU, mem(arm64.REG_R2, 8), reg(arm64.REG_R0))
	a.add(arm64.AMOVD, reg(arm64.REG_R0), mem(arm64.REG_R1, 0))
	a.ret()
	_, addrs := a.load()
	return addrs["entry"], addrs["load"]
}

func TestMemoryFaults(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 1})
	m, err := NewMemory(1, 2)
	require.NoError(t, err)
	defer m.Release()
	c.Bind(m)
	entry, load := loadEntry(t)
	copy(m.Bytes()[100:], []byte{1, 2, 3, 4})

	c.setArg(0, 92)
	require.NoError(t, c.Call(entry, nil))
	require.Equal(t, uint64(0x04030201), c.arg(0))

	for _, index := range []uint64{abi.WasmPageSize - 8, 0xffff_ffff, 0x8000_0000} {
		c.setArg(0, index)
		err := c.Call(entry, nil)
		var trap *Trap
		require.ErrorAs(t, err, &trap, "index %#x", index)
		require.Equal(t, abi.TrapMemoryFault, trap.Kind)
		require.Equal(t, load, trap.PC)
		require.Equal(t, m.Base()+uintptr(index)+8, trap.Addr)
	}

	require.Equal(t, int64(1), c.GrowMemory(1))
	c.setArg(0, abi.WasmPageSize-8)
	require.NoError(t, c.Call(entry, nil))
	require.Equal(t, uint64(0), c.arg(0))
}

func TestManyFaults(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 1})
	m, err := NewMemory(1, 1)
	require.NoError(t, err)
	defer m.Release()
	c.Bind(m)
	entry, _ := loadEntry(t)
	const n = 2000
	traps := 0
	for i := range n {
		c.setArg(0, abi.WasmPageSize+uint64(i)*4096)
		var trap *Trap
		if errors.As(c.Call(entry, nil), &trap) && trap.Kind == abi.TrapMemoryFault {
			traps++
		}
	}
	require.Equal(t, n, traps)
	// Go's own faults still panic normally.
	requireGoNilPanic(t)
	c.setArg(0, 0)
	require.NoError(t, c.Call(entry, nil))
}

func TestGoFaultsStillPanic(t *testing.T) {
	require.NoError(t, initArena())
	requireGoNilPanic(t)
}

// recurseEntry moves SP down a page at a time, touching each page, until
// it faults on the guard region.
func recurseEntry(t testing.TB) uintptr {
	a := newAsm(t)
	a.label("loop")
	a.add3(arm64.ASUB, imm(4096), arm64.REGSP, reg(arm64.REGSP))
	a.add(arm64.AMOVD, reg(arm64.REGZERO), mem(arm64.REGSP, 0))
	a.jump(arm64.AB, "loop")
	code, _ := a.load()
	return code.Addr()
}

func TestStackExhausted(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 2, StackSize: 256 << 10})
	entry := recurseEntry(t)
	for range 3 {
		err := c.Call(entry, nil)
		var trap *Trap
		require.ErrorAs(t, err, &trap)
		require.Equal(t, abi.TrapStackExhausted, trap.Kind)
		require.True(t, InCode(trap.PC))
		require.GreaterOrEqual(t, trap.Addr, c.Stack().GuardLo())
		require.Less(t, trap.Addr, c.Stack().Limit())
	}
	c.setArg(0, 2)
	c.setArg(1, 3)
	require.NoError(t, c.Call(addEntry(t), nil))
	require.Equal(t, uint64(5), c.arg(0))
}

func TestStackExhaustedInHostReentry(t *testing.T) {
	c := newContext(t, Config{ArgSlots: hostCallSlots, StackSize: 128 << 10})
	recurse := recurseEntry(t)
	err := c.Call(hostCallEntry(t), func(c *Context, _ uint32) error {
		return c.Call(recurse, nil)
	})
	var trap *Trap
	require.ErrorAs(t, err, &trap)
	require.Equal(t, abi.TrapHostError, trap.Kind)
	var inner *Trap
	require.ErrorAs(t, trap.Err, &inner)
	require.Equal(t, abi.TrapStackExhausted, inner.Kind)
	require.Zero(t, c.Header().ExitSP)
}
