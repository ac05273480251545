package native

import (
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// bareSpin loops forever without any poll, counting in the first module
// word: only the SIGURG handler can stop it.
func bareSpin(t testing.TB) (entry, end uintptr) {
	a := newAsm(t)
	a.label("entry")
	a.add(x86.AINCQ, none, mem(x86.REG_R15, abi.VMCtxHeaderSize))
	a.jump(obj.AJMP, "entry")
	a.label("end")
	a.add(x86.AINT, imm(3), none)
	_, addrs := a.load()
	return addrs["entry"], addrs["end"]
}

// checksumRegs are the registers checksumEntry keeps live: every general
// register but RSP and R15, then XMM0-XMM15.
var checksumGPRs = []int16{x86.REG_AX, x86.REG_BX, x86.REG_CX, x86.REG_DX, x86.REG_SI, x86.REG_DI,
	x86.REG_BP, x86.REG_R8, x86.REG_R9, x86.REG_R10, x86.REG_R11, x86.REG_R12, x86.REG_R13}

// checksumEntry runs R14 iterations of a loop that mixes every general
// register, the carry flag across instructions and all sixteen XMM
// registers (integer and double-precision arithmetic), with no poll, then
// stores every register to the args buffer: slot i for checksumGPRs[i],
// then the XMM registers. Inputs come from the same slots, the count from
// the slot after them.
func checksumEntry(t testing.TB) uintptr {
	n := len(checksumGPRs)
	a := newAsm(t)
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmArgs), reg(x86.REG_R14))
	for i := range 16 {
		a.add(x86.AMOVUPS, mem(x86.REG_R14, int64((n+i)*abi.ArgSlotSize)), reg(x86.REG_X0+int16(i)))
	}
	for i, r := range checksumGPRs {
		a.add(x86.AMOVQ, mem(x86.REG_R14, int64(i*abi.ArgSlotSize)), reg(r))
	}
	a.add(x86.AMOVQ, mem(x86.REG_R14, int64((n+16)*abi.ArgSlotSize)), reg(x86.REG_R14))
	a.label("loop")
	for i, r := range checksumGPRs {
		next := checksumGPRs[(i+1)%n]
		a.add(x86.AADDQ, reg(next), reg(r))        // sets CF ...
		a.add(x86.AADCQ, imm(int64(i)), reg(next)) // ... used here
		a.add(x86.AROLQ, imm(int64(i%13+1)), reg(r))
	}
	for i := range int16(16) {
		x, y := x86.REG_X0+i, x86.REG_X0+(i+1)%16
		if i%2 == 0 {
			a.add(x86.APADDQ, reg(y), reg(x))
			a.add(x86.APXOR, reg(x86.REG_X0+(i+3)%16), reg(x))
		} else {
			a.add(x86.AADDPD, reg(y), reg(x))
			a.add(x86.AMULPD, reg(y), reg(x))
		}
	}
	a.add(x86.ADECQ, none, reg(x86.REG_R14))
	a.jump(x86.AJNE, "loop")
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmArgs), reg(x86.REG_R14))
	for i := range 16 {
		a.add(x86.AMOVUPS, reg(x86.REG_X0+int16(i)), mem(x86.REG_R14, int64((n+i)*abi.ArgSlotSize)))
	}
	for i, r := range checksumGPRs {
		a.add(x86.AMOVQ, reg(r), mem(x86.REG_R14, int64(i*abi.ArgSlotSize)))
	}
	a.add(obj.ARET, none, none)
	code, _ := a.load()
	return code.Addr()
}

// runChecksum runs checksumEntry on c with the given inputs and returns the
// args buffer it leaves.
func runChecksum(t *testing.T, c *Context, entry uintptr, iters uint64) []byte {
	n := len(checksumGPRs)
	args := c.Args()
	for i := range (n + 16) * abi.ArgSlotSize {
		args[i] = byte(i*131 + 7)
	}
	for i := range n { // general registers use the low 8 bytes
		clear(args[i*abi.ArgSlotSize+8 : (i+1)*abi.ArgSlotSize])
	}
	c.setArg(n+16, iters)
	require.NoError(t, c.Call(entry, nil))
	return slices.Clone(args[:(n+16)*abi.ArgSlotSize])
}

// TestAsyncPreemptionPreservesState: a guest stopped thousands of times at
// arbitrary instructions by the signal (asking, as the scheduler does,
// through stackguard0) ends with exactly the registers of an undisturbed
// run.
func TestAsyncPreemptionPreservesState(t *testing.T) {
	entry := checksumEntry(t)
	c := newContext(t, Config{ArgSlots: len(checksumGPRs) + 17})
	const iters = 4_000_000
	want := runChecksum(t, c, entry, iters)
	quiet := c.preempts

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			c.pokeG()
			c.signalThread()
			time.Sleep(20 * time.Microsecond)
		}
	}()
	var got []byte
	rounds := 0
	for c.preempts-quiet < 1000 && rounds < 500 {
		got = runChecksum(t, c, entry, iters)
		require.Equal(t, want, got, "round %d, after %d preemptions", rounds, c.preempts-quiet)
		rounds++
	}
	close(stop)
	wg.Wait()
	t.Logf("%d preemptions in %d runs", c.preempts-quiet, rounds)
	require.GreaterOrEqual(t, c.preempts-quiet, uint64(1000), "too few preemptions to say anything")
}

// TestAsyncPreemptionLetsGCRun: guests spinning without polls on every P
// do not hold up a stop-the-world, and Interrupt stops them inside the loop.
func TestAsyncPreemptionLetsGCRun(t *testing.T) {
	entry, end := bareSpin(t)
	n := runtime.GOMAXPROCS(0)
	ctxs := make([]*Context, n)
	errs := make(chan error, n)
	for i := range ctxs {
		ctxs[i] = newContext(t, Config{ModuleSize: 8})
		go func(c *Context) { errs <- c.Call(entry, nil) }(ctxs[i])
	}
	for _, c := range ctxs {
		for c.counter() == 0 {
			runtime.Gosched()
		}
	}
	lat := gcLatencies(10)
	t.Logf("runtime.GC with %d spinning guests: %v", n, lat)
	require.Less(t, lat[len(lat)/2], 500*time.Millisecond, "a loose bound: the machine is shared")
	for _, c := range ctxs {
		c.Interrupt()
	}
	for range ctxs {
		var trap *Trap
		require.ErrorAs(t, <-errs, &trap)
		require.Equal(t, abi.TrapInterrupted, trap.Kind)
		require.True(t, trap.PC >= entry && trap.PC < end, "pc %#x outside the loop", trap.PC)
	}
	for _, c := range ctxs {
		require.Zero(t, c.Header().ExitSP)
		c.ClearInterrupt()
	}
}

// gcLatencies returns how long each of n runtime.GC calls took, sorted.
func gcLatencies(n int) []time.Duration {
	var lat []time.Duration
	for range n {
		start := time.Now()
		runtime.GC()
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	return lat
}

// TestInterruptLatency: how long a spinning guest runs on after Interrupt.
func TestInterruptLatency(t *testing.T) {
	entry, _ := bareSpin(t)
	c := newContext(t, Config{ModuleSize: 8})
	var lat []time.Duration
	for range 20 {
		var at atomic.Int64
		done := make(chan time.Duration, 1)
		go func() {
			c.Call(entry, nil)
			done <- time.Since(time.Unix(0, at.Load()))
		}()
		for c.counter() == 0 {
			runtime.Gosched()
		}
		at.Store(time.Now().UnixNano())
		c.Interrupt()
		lat = append(lat, <-done)
		c.ClearInterrupt()
		*(*uint64)(unsafeModule(c)) = 0
	}
	slices.Sort(lat)
	t.Logf("interrupt latency: median %v, max %v", lat[len(lat)/2], lat[len(lat)-1])
	require.Less(t, lat[len(lat)/2], 100*time.Millisecond, "a loose bound: the machine is shared")
}

// BenchmarkGCLatencySpinningGuests: runtime.GC with a guest spinning on
// every P, stopped by the signal (no poll in the loop) or by a poll in
// every iteration (the code generated before).
func BenchmarkGCLatencySpinningGuests(b *testing.B) {
	b.Run("signal", func(b *testing.B) {
		entry, _ := bareSpin(b)
		benchGC(b, entry)
	})
	b.Run("poll", func(b *testing.B) {
		entry, _ := spinEntry(b)
		benchGC(b, entry)
	})
}

func benchGC(b *testing.B, entry uintptr) {
	n := runtime.GOMAXPROCS(0)
	errs := make(chan error, n)
	var ctxs []*Context
	for range n {
		c := newContext(b, Config{ModuleSize: 8})
		ctxs = append(ctxs, c)
		go func() { errs <- c.Call(entry, nil) }()
	}
	for _, c := range ctxs {
		for c.counter() == 0 {
			runtime.Gosched()
		}
	}
	b.ResetTimer()
	var lat []time.Duration
	for range b.N {
		start := time.Now()
		runtime.GC()
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "median-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
	// The stop-the-world pauses of those cycles (the sum of a cycle's
	// two), which is what waits for the guests; the rest of a cycle
	// shares the CPUs with them.
	var st debug.GCStats
	debug.ReadGCStats(&st)
	pauses := slices.Clone(st.Pause[:min(len(st.Pause), b.N)])
	slices.Sort(pauses)
	if len(pauses) > 0 {
		b.ReportMetric(float64(pauses[len(pauses)/2].Microseconds()), "median-stw-µs")
		b.ReportMetric(float64(pauses[len(pauses)-1].Microseconds()), "max-stw-µs")
	}
	for _, c := range ctxs {
		c.Interrupt()
	}
	for range ctxs {
		<-errs
	}
	for _, c := range ctxs {
		c.ClearInterrupt()
	}
}

func BenchmarkInterruptLatency(b *testing.B) {
	entry, _ := bareSpin(b)
	c := newContext(b, Config{ModuleSize: 8})
	var lat []time.Duration
	for range b.N {
		var at atomic.Int64
		done := make(chan time.Duration, 1)
		go func() {
			c.Call(entry, nil)
			done <- time.Since(time.Unix(0, at.Load()))
		}()
		for c.counter() == 0 {
			runtime.Gosched()
		}
		at.Store(time.Now().UnixNano())
		c.Interrupt()
		lat = append(lat, <-done)
		c.ClearInterrupt()
		*(*uint64)(unsafeModule(c)) = 0
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "median-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
}
