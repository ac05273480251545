package native

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

var preservedGPRs = []int16{x86.REG_AX, x86.REG_BX, x86.REG_CX, x86.REG_DX, x86.REG_SI,
	x86.REG_DI, x86.REG_BP, x86.REG_R8, x86.REG_R9, x86.REG_R10, x86.REG_R12, x86.REG_R13, x86.REG_R14}

// TestPreemptExitPreservesRegisters: a preemption exit and resume must be
// invisible to the code around the poll, whatever lives in registers.
func TestPreemptExitPreservesRegisters(t *testing.T) {
	nGPR := len(preservedGPRs)
	c := newContext(t, Config{ArgSlots: nGPR + 16})
	a := newAsm(t)
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmArgs), reg(x86.REG_R11))
	for i := range 16 {
		a.add(x86.AMOVUPS, mem(x86.REG_R11, int64((nGPR+i)*abi.ArgSlotSize)), reg(x86.REG_X0+int16(i)))
	}
	for i, r := range preservedGPRs {
		a.add(x86.AMOVQ, mem(x86.REG_R11, int64(i*abi.ArgSlotSize)), reg(r))
	}
	for i := range (nGPR + 16) * abi.ArgSlotSize / 8 {
		a.add(x86.AMOVQ, imm(0), mem(x86.REG_R11, int64(i*8)))
	}
	a.leaR11("after")
	a.add(obj.AJMP, none, mem(x86.REG_R15, vmPreemptStub))
	a.label("after")
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmArgs), reg(x86.REG_R11))
	for i := range 16 {
		a.add(x86.AMOVUPS, reg(x86.REG_X0+int16(i)), mem(x86.REG_R11, int64((nGPR+i)*abi.ArgSlotSize)))
	}
	for i, r := range preservedGPRs {
		a.add(x86.AMOVQ, reg(r), mem(x86.REG_R11, int64(i*abi.ArgSlotSize)))
	}
	a.add(obj.ARET, none, none)
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
	a.add(x86.AINCQ, none, mem(x86.REG_R15, abi.VMCtxHeaderSize))
	a.poll("poll", "slow")
	a.jump(obj.AJMP, "entry")
	a.pollSlow("slow", "poll")
	_, addrs := a.load()
	return addrs["entry"], addrs["poll"]
}

func TestPollLetsGCRunAndInterruptStops(t *testing.T) {
	entry, poll := spinEntry(t)
	var latencies []time.Duration
	var extra []uint64 // loop iterations run after the interrupt was set
	for range 5 {
		c := newContext(t, Config{ModuleSize: 8})
		var interruptedAt atomic.Int64
		done := make(chan error, 1)
		latency := make(chan time.Duration, 1)
		go func() {
			err := c.Call(entry, nil)
			latency <- time.Since(time.Unix(0, interruptedAt.Load()))
			done <- err
		}()
		for c.counter() == 0 {
			runtime.Gosched()
		}
		start := time.Now()
		runtime.GC()
		require.Less(t, time.Since(start), time.Second, "GC waited on native code")
		before := c.counter()
		for c.counter() == before {
			runtime.Gosched()
		}

		atSet := c.counter()
		interruptedAt.Store(time.Now().UnixNano())
		c.Interrupt()
		err := <-done
		latencies = append(latencies, <-latency)
		extra = append(extra, c.counter()-atSet)
		var trap *Trap
		require.ErrorAs(t, err, &trap)
		require.Equal(t, abi.TrapInterrupted, trap.Kind)
		// The poll or the signal stopped it somewhere in the loop.
		require.True(t, trap.PC >= entry && trap.PC < poll+32, "pc %#x outside the loop at %#x", trap.PC, entry)
		require.Zero(t, c.Header().ExitSP)

		// While the request stands, calls do not start.
		require.ErrorAs(t, c.Call(entry, nil), &trap)
		c.ClearInterrupt()
	}
	slices.Sort(latencies)
	slices.Sort(extra)
	t.Logf("interrupt latencies: %v; iterations after the interrupt: %v", latencies, extra)
	// The poll sees the word on the next iteration; wall-clock latency
	// also counts the time the OS does not run the thread (the test
	// machine is shared), so bound the native work done after the
	// interrupt (an iteration takes at least a nanosecond: a million is
	// under 1 ms of running) and the typical wall-clock latency.
	require.Less(t, extra[len(extra)-1], uint64(1_000_000))
	require.Less(t, latencies[len(latencies)/2], 100*time.Millisecond)
}

// TestGoRuntimeLayout guards the go1.26 internals a poll depends on: read
// from GOROOT's source and observed through the vmctx's g.
func TestGoRuntimeLayout(t *testing.T) {
	src := filepath.Join(runtime.GOROOT(), "src", "runtime")
	runtime2, err := os.ReadFile(filepath.Join(src, "runtime2.go"))
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`type g struct \{(\s*//[^\n]*\n)*\s*stack\s+stack\b[^\n]*\n\s*stackguard0\s+uintptr`), string(runtime2),
		"g.stackguard0 moved: update abi.GStackGuard0Offset")
	require.Regexp(t, `type stack struct \{\s*lo\s+uintptr\s*hi\s+uintptr\s*\}`, string(runtime2))
	// Interrupt finds the thread through g.m and m.procid.
	require.Regexp(t, `type g struct \{(?:\s*//[^\n]*\n)*\s*stack\s+stack\b[^\n]*\n\s*stackguard0\s+uintptr[^\n]*\n\s*stackguard1\s+uintptr[^\n]*\n(?:\s*\n)*\s*_panic\s+\*_panic[^\n]*\n\s*_defer\s+\*_defer[^\n]*\n\s*m\s+\*m\b`, string(runtime2),
		"g.m moved: update gMOffset")
	require.Regexp(t, `type m struct \{\s*g0\s+\*g[^\n]*\n\s*morebuf\s+gobuf[^\n]*\n\s*divmod\s+uint32[^\n]*\n(?:\s*\n|\s*//[^\n]*\n)*\s*procid\s+uint64`, string(runtime2),
		"m.procid moved: update mProcIDOffset")
	require.Regexp(t, `type gobuf struct \{(?:\s*//[^\n]*\n)*(?:\s*\w+\s+[\w.]+[^\n]*\n(?:\s*//[^\n]*\n)*){6}\s*\}`, string(runtime2),
		"gobuf is no longer six words: update mProcIDOffset")
	require.Equal(t, uintptr(16+8+8+8+8), uintptr(gMOffset))
	require.Equal(t, uintptr(8+6*8+8), uintptr(mProcIDOffset))
	runtime.LockOSThread()
	m := *word(currentG() + gMOffset)
	tid := *word(m + mProcIDOffset)
	require.Equal(t, uintptr(syscall.Gettid()), tid, "the running thread through g.m.procid")
	runtime.UnlockOSThread()
	stack, err := os.ReadFile(filepath.Join(src, "stack.go"))
	require.NoError(t, err)
	require.True(t, bytes.Contains(stack, []byte("stackPreempt = uintptrMask & -1314")),
		"stackPreempt changed: update abi.StackPreempt")
	sp := int64(stackPreempt)
	require.Equal(t, abi.StackPreempt, uint64(sp), "the assembly's stackPreempt")

	// Native code reads g.stack.lo, g.stack.hi and g.stackguard0.
	c := newContext(t, Config{ArgSlots: 3})
	a := newAsm(t)
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmArgs), reg(x86.REG_CX))
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmG), reg(x86.REG_AX))
	for i := range 3 {
		a.add(x86.AMOVQ, mem(x86.REG_AX, int64(i*8)), reg(x86.REG_DX))
		a.add(x86.AMOVQ, reg(x86.REG_DX), mem(x86.REG_CX, int64(i*abi.ArgSlotSize)))
	}
	a.add(obj.ARET, none, none)
	code, _ := a.load()
	require.NoError(t, c.Call(code.Addr(), nil))
	lo, hi, guard := c.arg(0), c.arg(1), c.arg(2)
	local := uint64(stackAddr())
	require.True(t, lo < local && local < hi, "g.stack [%#x,%#x) does not hold %#x", lo, hi, local)
	require.True(t, guard == abi.StackPreempt || (guard > lo && guard < lo+16<<10),
		"stackguard0 %#x is not near stack.lo %#x", guard, lo)
}

func TestInterruptBeforeCall(t *testing.T) {
	entry, _ := spinEntry(t)
	c := newContext(t, Config{ModuleSize: 8})
	c.Interrupt()
	var trap *Trap
	require.True(t, errors.As(c.Call(entry, nil), &trap))
	require.Equal(t, abi.TrapInterrupted, trap.Kind)
	require.Equal(t, entry, trap.PC)
	require.Zero(t, binary.LittleEndian.Uint64(c.Module()), "the code ran")
}

// TestProfilingNativeCode: SIGPROF arriving while native code runs lands in
// Go's handler, which attributes it to runtime._ExternalCode and returns.
func TestProfilingNativeCode(t *testing.T) {
	entry, _ := spinEntry(t)
	c := newContext(t, Config{ModuleSize: 8})
	var prof bytes.Buffer
	require.NoError(t, pprof.StartCPUProfile(&prof))
	time.AfterFunc(300*time.Millisecond, c.Interrupt)
	err := c.Call(entry, nil)
	pprof.StopCPUProfile()
	var trap *Trap
	require.ErrorAs(t, err, &trap)
	require.Equal(t, abi.TrapInterrupted, trap.Kind)
	require.Positive(t, c.counter())
	// The profile's string table names the pseudo-function.
	zr, err := gzip.NewReader(&prof)
	require.NoError(t, err)
	raw, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.True(t, bytes.Contains(raw, []byte("runtime._ExternalCode")))
}
