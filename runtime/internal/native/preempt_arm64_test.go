package native

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj/arm64"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// The general registers a poll preserves besides the vmctx, g, x16/x17
// and x18 (which generated code never uses and the preempt stub's return
// clobbers).
var preservedGPRs = func() []int16 {
	var rs []int16
	for r := int16(arm64.REG_R0); r <= arm64.REG_R30; r++ {
		switch r {
		case r16, r17, arm64.REG_R18, rVM, arm64.REG_R28:
			continue
		}
		rs = append(rs, r)
	}
	return rs
}()

// TestPreemptExitPreservesRegisters: a preemption exit and resume must be
// invisible to the code around the poll, whatever lives in registers, all
// 128 bits of the vector registers included.
func TestPreemptExitPreservesRegisters(t *testing.T) {
	nGPR := len(preservedGPRs)
	c := newContext(t, Config{ArgSlots: nGPR + 32})
	a := newAsm(t)
	// x30 (the return address) is among the registers checked: keep a
	// copy on the native stack.
	a.add3(arm64.ASUB, imm(16), arm64.REGSP, reg(arm64.REGSP))
	a.add(arm64.AMOVD, reg(arm64.REG_R30), mem(arm64.REGSP, 0))
	a.add(arm64.AMOVD, mem(rVM, vmArgs), reg(r17))
	for i := range 32 {
		a.ldrq(r17, int64((nGPR+i)*abi.ArgSlotSize), int16(i))
	}
	for i, r := range preservedGPRs {
		a.add(arm64.AMOVD, mem(r17, int64(i*abi.ArgSlotSize)), reg(r))
	}
	for i := range (nGPR + 32) * abi.ArgSlotSize / 8 {
		a.add(arm64.AMOVD, reg(arm64.REGZERO), mem(r17, int64(i*8)))
	}
	a.adr(r16, "after")
	a.add(arm64.AMOVD, mem(rVM, vmPreemptStub), reg(r17))
	a.add(arm64.AB, none, mem(r17, 0))
	a.label("after")
	a.add(arm64.AMOVD, mem(rVM, vmArgs), reg(r17))
	for i := range 32 {
		a.strq(int16(i), r17, int64((nGPR+i)*abi.ArgSlotSize))
	}
	for i, r := range preservedGPRs {
		a.add(arm64.AMOVD, reg(r), mem(r17, int64(i*abi.ArgSlotSize)))
	}
	a.add(arm64.AMOVD, mem(arm64.REGSP, 0), reg(arm64.REG_R30))
	a.add3(arm64.AADD, imm(16), arm64.REGSP, reg(arm64.REGSP))
	a.ret()
	code, _ := a.load()

	want := make([]byte, len(c.Args()))
	for i := range want {
		want[i] = byte(i*7 + 1)
	}
	for i := range nGPR { // GPR slots use only their low 8 bytes
		clear(want[i*abi.ArgSlotSize+8 : (i+1)*abi.ArgSlotSize])
	}
	copy(c.Args(), want)
	require.NoError(t, c.Call(code.Addr(), nil))
	require.Equal(t, want, c.Args())
}

// spinEntry loops forever, counting iterations in the first module word and
// polling at the back edge. "poll" is the poll's resume PC.
func spinEntry(t testing.TB) (entry, poll uintptr) {
	a := newAsm(t)
	a.label("entry")
	a.add(arm64.AMOVD, mem(rVM, abi.VMCtxHeaderSize), reg(arm64.REG_R0))
	a.add(arm64.AADD, imm(1), reg(arm64.REG_R0))
	a.add(arm64.AMOVD, reg(arm64.REG_R0), mem(rVM, abi.VMCtxHeaderSize))
	a.poll("poll", "slow")
	a.jump(arm64.AB, "entry")
	a.pollSlow("slow", "poll")
	_, addrs := a.load()
	return addrs["entry"], addrs["poll"]
}

func TestPollLetsGCRunAndInterruptStops(t *testing.T) {
	entry, poll := spinEntry(t)
	var extra []uint64
	for range 3 {
		c := newContext(t, Config{ModuleSize: 8})
		done := make(chan error, 1)
		go func() { done <- c.Call(entry, nil) }()
		for c.counter() == 0 {
			runtime.Gosched()
		}
		start := time.Now()
		runtime.GC()
		require.Less(t, time.Since(start), 5*time.Second, "GC waited on native code")
		before := c.counter()
		for c.counter() == before {
			runtime.Gosched()
		}
		atSet := c.counter()
		c.Interrupt()
		err := <-done
		extra = append(extra, c.counter()-atSet)
		var trap *Trap
		require.ErrorAs(t, err, &trap)
		require.Equal(t, abi.TrapInterrupted, trap.Kind)
		// The poll or the signal stopped it somewhere in the loop.
		require.True(t, trap.PC >= entry && trap.PC < poll+32, "pc %#x outside the loop at %#x", trap.PC, entry)
		require.Zero(t, c.Header().ExitSP)
		require.ErrorAs(t, c.Call(entry, nil), &trap)
		c.ClearInterrupt()
	}
	slices.Sort(extra)
	t.Logf("iterations after the interrupt: %v", extra)
	// The poll sees the word on the next iteration; under an emulator an
	// iteration is slower, never faster, than natively.
	require.Less(t, extra[len(extra)-1], uint64(1_000_000))
}
