//go:build amd64 || arm64

package native

import (
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// The machine-specific halves (async_<arch>_test.go) provide bareSpin, a
// loop with no poll that counts in the first module word, and
// checksumEntry, a loop that keeps checksumGPRs general registers,
// checksumVecs vector registers and the flags live across instructions,
// with its iteration count checksumIters.

// runChecksum runs checksumEntry on c with the given inputs and returns the
// args buffer it leaves: slot i for checksumGPRs[i], then the vector
// registers; the count comes from the slot after them.
func runChecksum(t *testing.T, c *Context, entry uintptr, iters uint64) []byte {
	n := len(checksumGPRs)
	args := c.Args()
	for i := range (n + checksumVecs) * abi.ArgSlotSize {
		args[i] = byte(i*131 + 7)
	}
	for i := range n { // general registers use the low 8 bytes
		clear(args[i*abi.ArgSlotSize+8 : (i+1)*abi.ArgSlotSize])
	}
	c.setArg(n+checksumVecs, iters)
	require.NoError(t, c.Call(entry, nil))
	return slices.Clone(args[:(n+checksumVecs)*abi.ArgSlotSize])
}

// TestAsyncPreemptionPreservesState: a guest stopped thousands of times at
// arbitrary instructions by the signal (asking, as the scheduler does,
// through stackguard0) ends with exactly the registers of an undisturbed
// run, and the stops landed at many different instructions of the loop.
func TestAsyncPreemptionPreservesState(t *testing.T) {
	entry, loop, end := checksumEntry(t)
	c := newContext(t, Config{ArgSlots: len(checksumGPRs) + checksumVecs + 1})
	want := runChecksum(t, c, entry, checksumIters)
	quiet := c.preempts

	pcs := map[uintptr]int{}
	c.onPreempt = func(pc uintptr) { pcs[pc]++ }
	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopPoking := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopPoking() // before the Context closes, also on failure
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
	for c.preempts-quiet < 2000 && rounds < 500 {
		got = runChecksum(t, c, entry, checksumIters)
		require.Equal(t, want, got, "round %d, after %d preemptions", rounds, c.preempts-quiet)
		rounds++
	}
	stopPoking()
	c.onPreempt = nil
	inLoop := 0
	for pc := range pcs {
		if pc >= loop && pc < end {
			inLoop++
		}
	}
	t.Logf("%d preemptions in %d runs, at %d different instructions of the loop", c.preempts-quiet, rounds, inLoop)
	require.GreaterOrEqual(t, c.preempts-quiet, uint64(1000), "too few preemptions to say anything")
	require.GreaterOrEqual(t, inLoop, 20, "the preemptions hit too few places in the loop")
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
	// Whatever fails below, the guests must stop before the contexts'
	// cleanups unmap the memory they run on.
	stopped := false
	defer func() {
		if stopped {
			return
		}
		for _, c := range ctxs {
			c.Interrupt()
		}
		for range ctxs {
			<-errs
		}
	}()
	lat := gcLatencies(10)
	t.Logf("runtime.GC with %d spinning guests: %v", n, lat)
	// Without preemption a collection would never finish; the bound is
	// loose because the machine may be shared and emulated.
	assert.Less(t, lat[len(lat)/2], 2*time.Second, "median runtime.GC latency")
	// The guests ran on between the collections.
	before := make([]uint64, n)
	for i, c := range ctxs {
		before[i] = c.counter()
	}
	for i, c := range ctxs {
		for c.counter() == before[i] {
			runtime.Gosched()
		}
	}
	for _, c := range ctxs {
		c.Interrupt()
	}
	stopped = true
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

// interruptLatencies starts a spinning guest n times and returns, sorted,
// how long each ran on after Interrupt; every run must end interrupted.
func interruptLatencies(t testing.TB, n int) []time.Duration {
	entry, end := bareSpin(t)
	c := newContext(t, Config{ModuleSize: 8})
	var lat []time.Duration
	for range n {
		var at atomic.Int64
		done := make(chan time.Duration, 1)
		errc := make(chan error, 1)
		go func() {
			err := c.Call(entry, nil)
			done <- time.Since(time.Unix(0, at.Load()))
			errc <- err
		}()
		for c.counter() == 0 {
			runtime.Gosched()
		}
		at.Store(time.Now().UnixNano())
		c.Interrupt()
		lat = append(lat, <-done)
		var trap *Trap
		require.ErrorAs(t, <-errc, &trap)
		require.Equal(t, abi.TrapInterrupted, trap.Kind)
		require.True(t, trap.PC >= entry && trap.PC < end, "pc %#x outside the loop", trap.PC)
		c.ClearInterrupt()
		*(*uint64)(unsafeModule(c)) = 0
	}
	slices.Sort(lat)
	return lat
}

// TestInterruptLatency: how long a spinning guest runs on after Interrupt.
func TestInterruptLatency(t *testing.T) {
	lat := interruptLatencies(t, 20)
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
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
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
		b.ReportMetric(float64(pauses[len(pauses)*99/100].Microseconds()), "p99-stw-µs")
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

// BenchmarkInterruptLatency: Interrupt to the return of the interrupted
// Call, for a guest spinning without polls.
func BenchmarkInterruptLatency(b *testing.B) {
	lat := interruptLatencies(b, b.N)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "median-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
}
