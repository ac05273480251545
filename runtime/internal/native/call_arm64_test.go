package native

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj/arm64"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// addEntry: args[0] = args[0] + args[1].
func addEntry(t testing.TB) uintptr {
	a := newAsm(t)
	a.add(arm64.AMOVD, mem(rVM, vmArgs), reg(arm64.REG_R0))
	a.add(arm64.AMOVD, mem(arm64.REG_R0, 0), reg(arm64.REG_R1))
	a.add(arm64.AMOVD, mem(arm64.REG_R0, abi.ArgSlotSize), reg(arm64.REG_R2))
	a.add3(arm64.AADD, reg(arm64.REG_R2), arm64.REG_R1, reg(arm64.REG_R1))
	a.add(arm64.AMOVD, reg(arm64.REG_R1), mem(arm64.REG_R0, 0))
	a.ret()
	code, _ := a.load()
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
	require.Equal(t, currentG(), h.G)
}

// The registers a host call preserves (abi.ARM64CalleeSaved, without the
// vmctx, g and the link register, which the test code needs).
var (
	savedX = []int16{arm64.REG_R19, arm64.REG_R20, arm64.REG_R21, arm64.REG_R22, arm64.REG_R23,
		arm64.REG_R24, arm64.REG_R25, arm64.REG_R27, arm64.REG_R29}
	savedD = []int16{arm64.REG_F8, arm64.REG_F9, arm64.REG_F10, arm64.REG_F11, arm64.REG_F12,
		arm64.REG_F13, arm64.REG_F14, arm64.REG_F15}
)

const hostCallSlots = 1 + 9 + 8

// hostCallEntry sets callee-saved registers, calls import 7, then stores
// args[0]+1 and the registers' values into args[0..17]. It keeps its own
// return address in x30, which the exit must preserve as well.
func hostCallEntry(t testing.TB) uintptr {
	a := newAsm(t)
	for i, r := range savedX {
		a.add(arm64.AMOVD, imm(int64(0x1111*(i+1))), reg(r))
	}
	for i, r := range savedD {
		a.add(arm64.AMOVD, imm(int64(0x2222*(i+1))), reg(r17))
		a.add(arm64.AFMOVD, reg(r17), reg(r))
	}
	a.hostCall(7, "back")
	a.add(arm64.AMOVD, mem(rVM, vmArgs), reg(arm64.REG_R0))
	a.add(arm64.AMOVD, mem(arm64.REG_R0, 0), reg(arm64.REG_R1))
	a.add(arm64.AADD, imm(1), reg(arm64.REG_R1))
	a.add(arm64.AMOVD, reg(arm64.REG_R1), mem(arm64.REG_R0, 0))
	for i, r := range savedX {
		a.add(arm64.AMOVD, reg(r), mem(arm64.REG_R0, int64((i+1)*abi.ArgSlotSize)))
	}
	for i, r := range savedD {
		a.add(arm64.AFMOVD, reg(r), mem(arm64.REG_R0, int64((1+len(savedX)+i)*abi.ArgSlotSize)))
	}
	a.ret()
	code, _ := a.load()
	return code.Addr()
}

func requireSavedRegisters(t *testing.T, c *Context) {
	for i := range savedX {
		require.Equal(t, uint64(0x1111*(i+1)), c.arg(1+i), "callee-saved x register %d", i)
	}
	for i := range savedD {
		require.Equal(t, uint64(0x2222*(i+1)), c.arg(1+len(savedX)+i), "callee-saved d register %d", i)
	}
}

func TestHostCall(t *testing.T) {
	c := newContext(t, Config{ArgSlots: hostCallSlots})
	entry := hostCallEntry(t)
	calls := 0
	host := func(c *Context, index uint32) error {
		calls++
		require.Equal(t, uint32(7), index)
		require.Equal(t, currentG(), c.Header().G)
		// Grow the goroutine stack so that it moves while native frames
		// are parked.
		growStack(64)
		c.setArg(0, 41)
		return nil
	}
	require.NoError(t, c.Call(entry, host))
	require.Equal(t, 1, calls)
	require.Equal(t, uint64(42), c.arg(0))
	requireSavedRegisters(t, c)
}

func TestHostErrorUnwinds(t *testing.T) {
	c := newContext(t, Config{ArgSlots: hostCallSlots})
	entry := hostCallEntry(t)
	boom := errors.New("boom")
	err := c.Call(entry, func(*Context, uint32) error { return boom })
	var trap *Trap
	require.ErrorAs(t, err, &trap)
	require.Equal(t, abi.TrapHostError, trap.Kind)
	require.ErrorIs(t, err, boom)
	require.Zero(t, c.Header().ExitSP, "activation still parked")

	require.PanicsWithValue(t, "host panic", func() {
		c.Call(entry, func(*Context, uint32) error { panic("host panic") })
	})
	require.Zero(t, c.Header().ExitSP)
	require.NoError(t, c.Call(addEntry(t), nil))
}

// TestReentrancy: an import's host function calls back into native code
// on the same Context, to a depth of 50.
func TestReentrancy(t *testing.T) {
	c := newContext(t, Config{ArgSlots: hostCallSlots})
	entry := hostCallEntry(t)
	const depth = 50
	level := 0
	var host HostFunc
	host = func(c *Context, index uint32) error {
		level++
		if level < depth {
			require.NoError(t, c.Call(entry, host))
		} else {
			c.setArg(0, 0)
		}
		return nil
	}
	require.NoError(t, c.Call(entry, host))
	require.Equal(t, uint64(depth), c.arg(0))
	requireSavedRegisters(t, c)
	require.Zero(t, c.Header().ExitSP)
}

func TestExplicitTrap(t *testing.T) {
	c := newContext(t, Config{})
	a := newAsm(t)
	a.label("entry")
	a.trapCall("site")
	a.ret()
	_, addrs := a.load()
	for range 3 {
		err := c.Call(addrs["entry"], nil)
		var trap *Trap
		require.ErrorAs(t, err, &trap)
		require.Equal(t, abi.TrapExplicit, trap.Kind)
		require.Equal(t, addrs["site"], trap.PC)
	}
}

// TestTrapRegisters: an explicit trap and a fault both leave the trapping
// SP and x30 for the backtrace (Trap.SP, Trap.LR), in an outermost and in
// a nested activation.
func TestTrapRegisters(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 1})
	a := newAsm(t)
	body := func(fault bool) {
		a.add3(arm64.ASUB, imm(32), arm64.REGSP, reg(arm64.REGSP))
		a.add(arm64.AMOVD, imm(0x1230), reg(arm64.REG_R30))
		if fault {
			a.add(arm64.AMOVD, imm(0), reg(arm64.REG_R0))
			a.add(arm64.AMOVD, mem(arm64.REG_R0, 0), reg(arm64.REG_R1))
		} else {
			a.trapCall("site")
		}
		a.word(0xd4200000) // brk #0: not reached
	}
	a.label("trap")
	body(false)
	a.label("fault")
	body(true)
	a.label("nest")
	a.hostCall(0, "resumed")
	a.ret()
	_, addrs := a.load()
	top := c.Header().StackTop
	for _, name := range []string{"trap", "fault"} {
		err := c.Call(addrs[name], nil)
		var trap *Trap
		require.ErrorAs(t, err, &trap, name)
		require.Equal(t, top-16-32, trap.SP, name)
		require.Equal(t, uintptr(0x1230), trap.LR, name)
		// Nested below a parked host call.
		var inner *Trap
		err = c.Call(addrs["nest"], HostFunc(func(c *Context, index uint32) error {
			exitSP := c.Header().ExitSP
			err := c.Call(addrs[name], nil)
			require.ErrorAs(t, err, &inner, name)
			require.Equal(t, exitSP&^15-nestBlock-16-32, inner.SP, name)
			require.Equal(t, uintptr(0x1230), inner.LR, name)
			return nil
		}))
		require.NoError(t, err, name)
		require.NotNil(t, inner, name)
	}
}

// TestReloadedCode writes different code at the same address: the
// instruction cache must not keep the old instructions.
func TestReloadedCode(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 1})
	var addr uintptr
	for i := range int64(20) {
		a := newAsm(t)
		a.add(arm64.AMOVD, imm(i), reg(arm64.REG_R1))
		a.add(arm64.AMOVD, mem(rVM, vmArgs), reg(arm64.REG_R0))
		a.add(arm64.AMOVD, reg(arm64.REG_R1), mem(arm64.REG_R0, 0))
		a.ret()
		text, _ := a.assemble()
		code, err := LoadCode(text)
		require.NoError(t, err)
		if addr != 0 {
			require.Equal(t, addr, code.Addr(), "the arena reuses the freed range")
		}
		addr = code.Addr()
		require.NoError(t, c.Call(code.Addr(), nil))
		require.Equal(t, uint64(i), c.arg(0))
		require.NoError(t, code.Release())
	}
}
