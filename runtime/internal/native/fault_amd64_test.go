package native

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// loadEntry: args[0] = zext32(memory[zext32(args[0]) + 8]), the shape of a
// wasm i32.load offset=8 with no bounds check. The label "load" is the load.
func loadEntry(t testing.TB) (entry, load uintptr) {
	a := newAsm(t)
	a.label("entry")
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmArgs), reg(x86.REG_CX))
	a.add(x86.AMOVL, mem(x86.REG_CX, 0), reg(x86.REG_AX)) // zero-extends
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmMemoryBase), reg(x86.REG_DX))
	a.label("load")
	a.add(x86.AMOVL, memIndex(x86.REG_DX, x86.REG_AX, 1, 8), reg(x86.REG_AX))
	a.add(x86.AMOVQ, reg(x86.REG_AX), mem(x86.REG_CX, 0))
	a.add(obj.ARET, none, none)
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

	// After growing, the same access succeeds.
	require.Equal(t, int64(1), c.GrowMemory(1))
	c.setArg(0, abi.WasmPageSize-8)
	require.NoError(t, c.Call(entry, nil))
	require.Equal(t, uint64(0), c.arg(0))
	require.Equal(t, int64(-1), c.GrowMemory(1), "limit is 2 pages")
}

func TestManyFaults(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 1})
	m, err := NewMemory(1, 1)
	require.NoError(t, err)
	defer m.Release()
	c.Bind(m)
	entry, _ := loadEntry(t)
	const n = 10000
	traps := 0
	for i := range n {
		c.setArg(0, abi.WasmPageSize+uint64(i)*4096)
		var trap *Trap
		if errors.As(c.Call(entry, nil), &trap) && trap.Kind == abi.TrapMemoryFault {
			traps++
		}
	}
	require.Equal(t, n, traps)
	// The process is healthy: Go's own faults still panic normally.
	requireGoNilPanic(t)
	c.setArg(0, 0)
	require.NoError(t, c.Call(entry, nil))
}

func TestGoFaultsStillPanic(t *testing.T) {
	require.NoError(t, initArena())
	requireGoNilPanic(t)

	// SetPanicOnFault turns a wild access into a recoverable panic, which
	// also goes through Go's handler.
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	m, err := NewMemory(0, 1)
	require.NoError(t, err)
	defer m.Release()
	var got any
	func() {
		defer func() { got = recover() }()
		b := m.mem[:8]
		sink = b[3]
	}()
	addr, ok := got.(interface{ Addr() uintptr })
	require.True(t, ok, "recovered %v", got)
	require.Equal(t, m.Base()+3, addr.Addr())
}

// recurseEntry calls itself with a 256-byte frame until the stack runs out.
func recurseEntry(t testing.TB) uintptr {
	a := newAsm(t)
	a.label("f")
	a.add(x86.ASUBQ, imm(248), reg(x86.REG_SP))
	a.add(x86.AMOVQ, reg(x86.REG_AX), mem(x86.REG_SP, 0)) // touch the frame
	a.callLabel("f")
	a.add(x86.AADDQ, imm(248), reg(x86.REG_SP))
	a.add(obj.ARET, none, none)
	_, addrs := a.load()
	return addrs["f"]
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
	// The context is reusable after the trap.
	c.setArg(0, 2)
	c.setArg(1, 3)
	require.NoError(t, c.Call(addEntry(t), nil))
	require.Equal(t, uint64(5), c.arg(0))
}

func TestStackExhaustedInHostReentry(t *testing.T) {
	// Nested activations share the stack: recursion in a nested call
	// traps, and the outer activation can still be unwound cleanly.
	c := newContext(t, Config{ArgSlots: 6, StackSize: 128 << 10})
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

func TestConcurrentContexts(t *testing.T) {
	entry := hostCallEntry(t)
	add := addEntry(t)
	m, err := NewMemory(1, 1)
	require.NoError(t, err)
	defer m.Release()
	load, _ := loadEntry(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := NewContext(Config{ArgSlots: 6, StackSize: 64 << 10})
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.Bind(m)
			for i := range 2000 {
				c.setArg(0, uint64(g))
				c.setArg(1, uint64(i))
				if err := c.Call(add, nil); err != nil || c.arg(0) != uint64(g+i) {
					errs <- errors.New("wrong sum")
					return
				}
				err := c.Call(entry, func(c *Context, _ uint32) error {
					c.setArg(0, uint64(i))
					return nil
				})
				if err != nil || c.arg(0) != uint64(i+1) || c.arg(3) != 0x3333 {
					errs <- errors.New("wrong host call result")
					return
				}
				c.setArg(0, 1<<20)
				var trap *Trap
				if !errors.As(c.Call(load, nil), &trap) || trap.Kind != abi.TrapMemoryFault {
					errs <- errors.New("no trap")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestGCDuringParkedHostCall(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 6})
	entry := hostCallEntry(t)
	var keep [][]byte
	err := c.Call(entry, func(c *Context, _ uint32) error {
		for i := range 100 {
			keep = append(keep, make([]byte, 64<<10))
			if i%25 == 0 {
				runtime.GC()
			}
		}
		growStack(200)
		runtime.GC()
		c.setArg(0, 99)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, uint64(100), c.arg(0))
	require.Len(t, keep, 100)
}

// TestNestedCallNearStackLimit: a host function re-entering when the parked
// frames have used up the stack gets a trap, not a crash in the trampoline.
func TestNestedCallNearStackLimit(t *testing.T) {
	c := newContext(t, Config{ArgSlots: 6, StackSize: 64 << 10})
	// Recurse 240 bytes at a time until less than minStackRoom is left,
	// then call import 0.
	a := newAsm(t)
	a.label("f")
	a.add(x86.ASUBQ, imm(240), reg(x86.REG_SP))
	a.add(x86.AMOVQ, reg(x86.REG_SP), reg(x86.REG_AX))
	a.add(x86.ASUBQ, mem(x86.REG_R15, abi.VMCtxStackLimit), reg(x86.REG_AX))
	a.add(x86.ACMPQ, reg(x86.REG_AX), imm(minStackRoom/2))
	a.jump(x86.AJLS, "call")
	a.callLabel("f")
	a.add(x86.AADDQ, imm(240), reg(x86.REG_SP))
	a.add(obj.ARET, none, none)
	a.label("call")
	a.hostCall(0, "back")
	a.add(x86.AADDQ, imm(240), reg(x86.REG_SP))
	a.add(obj.ARET, none, none)
	_, addrs := a.load()
	add := addEntry(t)
	var nested error
	err := c.Call(addrs["f"], func(c *Context, _ uint32) error {
		nested = c.Call(add, nil)
		return nil
	})
	require.NoError(t, err)
	var trap *Trap
	require.ErrorAs(t, nested, &trap)
	require.Equal(t, abi.TrapStackExhausted, trap.Kind)
}

// TestSIGBUSBecomesTrap: file-backed code mapped past the end of its file
// raises SIGBUS when executed; the handler turns it into a trap too.
func TestSIGBUSBecomesTrap(t *testing.T) {
	text := []byte{0xe9, 0xfb, 0x0f, 0x00, 0x00} // jmp 0x1000 (rel32 = 0x1000-5)
	path := filepath.Join(t.TempDir(), "short.so")
	require.NoError(t, os.WriteFile(path, text, 0o644))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	code, err := MapCode(f.Fd(), 0, 2*pageSize)
	require.NoError(t, err)
	defer code.Release()
	c := newContext(t, Config{})
	err = c.Call(code.Addr(), nil)
	var trap *Trap
	require.ErrorAs(t, err, &trap)
	require.Equal(t, abi.TrapMemoryFault, trap.Kind)
	require.Equal(t, code.Addr()+pageSize, trap.PC)
	requireGoNilPanic(t)
}
