package native

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// addEntry: args[0] = args[0] + args[1].
func addEntry(t testing.TB) uintptr {
	code, err := LoadCode(addEntryBytes(t))
	require.NoError(t, err)
	t.Cleanup(func() { code.Release() })
	return code.Addr()
}

func TestCallReturns(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 2})
	entry := addEntry(t)
	for _, tc := range [][3]uint64{{1, 2, 3}, {1 << 40, 5, 1<<40 + 5}, {^uint64(0), 1, 0}} {
		c.setArg(0, tc[0])
		c.setArg(1, tc[1])
		require.NoError(t, c.Call(entry, nil))
		require.Equal(t, tc[2], c.arg(0))
	}
	h := c.Header()
	require.Zero(t, h.ExitSP)
	require.Equal(t, getg(), h.G)
}

func TestCallRejectsEntryOutsideArena(t *testing.T) {
	c := newContext(t, Config{})
	err := c.Call(0x1000, nil)
	require.ErrorContains(t, err, "not in the code arena")
}

// hostCallEntry sets callee-saved registers, calls import 7, then stores
// args[0]+1 and the registers' values into args[0..5].
func hostCallEntry(t testing.TB) uintptr {
	a := newAsm(t)
	regs := []int16{x86.REG_BX, x86.REG_BP, x86.REG_R12, x86.REG_R13, x86.REG_R14}
	for i, r := range regs {
		a.add(x86.AMOVQ, imm(int64(0x1111*(i+1))), reg(r))
	}
	a.hostCall(7, "back")
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmArgs), reg(x86.REG_AX))
	a.add(x86.AMOVQ, mem(x86.REG_AX, 0), reg(x86.REG_CX))
	a.add(x86.AINCQ, none, reg(x86.REG_CX))
	a.add(x86.AMOVQ, reg(x86.REG_CX), mem(x86.REG_AX, 0))
	for i, r := range regs {
		a.add(x86.AMOVQ, reg(r), mem(x86.REG_AX, int64((i+1)*abi.ArgSlotSize)))
	}
	a.add(obj.ARET, none, none)
	code, _ := a.load()
	return code.Addr()
}

func TestHostCall(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 6})
	entry := hostCallEntry(t)
	calls := 0
	host := func(c *Context, index uint32) error {
		calls++
		require.Equal(t, uint32(7), index)
		require.Equal(t, getg(), c.Header().G)
		// Clobber what Go would clobber anyway, and grow the goroutine
		// stack so that it moves while native frames are parked.
		growStack(64)
		c.setArg(0, 41)
		return nil
	}
	require.NoError(t, c.Call(entry, host))
	require.Equal(t, 1, calls)
	require.Equal(t, uint64(42), c.arg(0))
	for i := 1; i <= 5; i++ {
		require.Equal(t, uint64(0x1111*i), c.arg(i), "callee-saved register %d", i)
	}
}

func TestHostErrorUnwinds(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 6})
	entry := hostCallEntry(t)
	boom := errors.New("boom")
	err := c.Call(entry, func(*Context, uint32) error { return boom })
	var trap *Trap
	require.ErrorAs(t, err, &trap)
	require.Equal(t, abi.TrapHostError, trap.Kind)
	require.ErrorIs(t, err, boom)
	require.Zero(t, c.Header().ExitSP, "activation still parked")

	// A host panic unwinds too, and the context stays usable.
	require.PanicsWithValue(t, "host panic", func() {
		c.Call(entry, func(*Context, uint32) error { panic("host panic") })
	})
	require.Zero(t, c.Header().ExitSP)
	require.NoError(t, c.Call(addEntry(t), nil))
}

func TestNoHostFunctions(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 6})
	err := c.Call(hostCallEntry(t), nil)
	require.ErrorContains(t, err, "host call 7 with no host functions")
}

// TestReentrancy: entry A calls import 1, whose host function calls entry B
// on the same Context; B calls import 2. Depth is bounded by n.
func TestReentrancy(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 6})
	entry := hostCallEntry(t)
	const depth = 50
	level := 0
	var host HostFunc
	host = func(c *Context, index uint32) error {
		level++
		if level < depth {
			require.NoError(t, c.Call(entry, host))
			// The nested activation returned its args[0]+1.
			c.setArg(0, c.arg(0))
		} else {
			c.setArg(0, 0)
		}
		return nil
	}
	require.NoError(t, c.Call(entry, host))
	require.Equal(t, uint64(depth), c.arg(0))
	for i := 1; i <= 5; i++ {
		require.Equal(t, uint64(0x1111*i), c.arg(i))
	}
	require.Zero(t, c.Header().ExitSP)
}

func TestExplicitTrap(t *testing.T) {
	c := newContext(t, Config{})
	a := newAsm(t)
	a.label("entry")
	a.add(obj.ACALL, none, mem(x86.REG_R15, vmTrapStub))
	a.label("site")
	a.add(obj.ARET, none, none)
	_, addrs := a.load()
	for range 3 {
		err := c.Call(addrs["entry"], nil)
		var trap *Trap
		require.ErrorAs(t, err, &trap)
		require.Equal(t, abi.TrapExplicit, trap.Kind)
		require.Equal(t, addrs["site"], trap.PC)
	}
}
