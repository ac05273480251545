package testsuite

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	wrt "github.com/wasiaot/wasiaot/runtime"
)

// A loop with many live values of both register files: sixteen i64 and
// eight f64 locals, mixed every iteration, folded into one i64 at the end.
const checksumModule = `(module
  (func (export "mix") (param $n i32) (result i64)
    (local $a i64) (local $b i64) (local $c i64) (local $d i64)
    (local $e i64) (local $f i64) (local $g i64) (local $h i64)
    (local $i i64) (local $j i64) (local $k i64) (local $l i64)
    (local $m i64) (local $o i64) (local $p i64) (local $q i64)
    (local $x f64) (local $y f64) (local $z f64) (local $w f64)
    (local $u f64) (local $v f64) (local $s f64) (local $t f64)
    (local.set $a (i64.const 1)) (local.set $b (i64.const 2)) (local.set $c (i64.const 3))
    (local.set $d (i64.const 4)) (local.set $e (i64.const 5)) (local.set $f (i64.const 6))
    (local.set $g (i64.const 7)) (local.set $h (i64.const 8)) (local.set $i (i64.const 9))
    (local.set $j (i64.const 10)) (local.set $k (i64.const 11)) (local.set $l (i64.const 12))
    (local.set $m (i64.const 13)) (local.set $o (i64.const 14)) (local.set $p (i64.const 15))
    (local.set $q (i64.const 16))
    (local.set $x (f64.const 1.5)) (local.set $y (f64.const 2.25)) (local.set $z (f64.const 0.5))
    (local.set $w (f64.const 3)) (local.set $u (f64.const 0.75)) (local.set $v (f64.const 1.125))
    (local.set $s (f64.const 0.3)) (local.set $t (f64.const 0.7))
    (loop $loop
      (local.set $a (i64.add (local.get $a) (local.get $b)))
      (local.set $b (i64.xor (local.get $b) (i64.rotl (local.get $c) (i64.const 7))))
      (local.set $c (i64.add (local.get $c) (local.get $d)))
      (local.set $d (i64.xor (local.get $d) (i64.rotl (local.get $e) (i64.const 13))))
      (local.set $e (i64.add (local.get $e) (local.get $f)))
      (local.set $f (i64.xor (local.get $f) (i64.rotl (local.get $g) (i64.const 17))))
      (local.set $g (i64.add (local.get $g) (local.get $h)))
      (local.set $h (i64.xor (local.get $h) (i64.rotl (local.get $i) (i64.const 23))))
      (local.set $i (i64.add (local.get $i) (local.get $j)))
      (local.set $j (i64.xor (local.get $j) (i64.rotl (local.get $k) (i64.const 29))))
      (local.set $k (i64.add (local.get $k) (local.get $l)))
      (local.set $l (i64.xor (local.get $l) (i64.rotl (local.get $m) (i64.const 31))))
      (local.set $m (i64.add (local.get $m) (local.get $o)))
      (local.set $o (i64.xor (local.get $o) (i64.rotl (local.get $p) (i64.const 37))))
      (local.set $p (i64.add (local.get $p) (local.get $q)))
      (local.set $q (i64.xor (local.get $q) (i64.rotl (local.get $a) (i64.const 41))))
      (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 0.999)) (local.get $y)))
      (local.set $y (f64.sub (local.get $y) (f64.mul (local.get $z) (f64.const 0.5))))
      (local.set $z (f64.add (local.get $z) (f64.convert_i64_u (i64.and (local.get $a) (i64.const 255)))))
      (local.set $w (f64.mul (local.get $w) (f64.const 0.75)))
      (local.set $w (f64.add (local.get $w) (local.get $u)))
      (local.set $u (f64.sqrt (f64.add (local.get $u) (local.get $v))))
      (local.set $v (f64.add (local.get $v) (f64.mul (local.get $s) (local.get $t))))
      (local.set $s (f64.div (local.get $s) (f64.add (local.get $t) (f64.const 1))))
      (local.set $t (f64.add (local.get $t) (f64.const 0.001)))
      (br_if $loop (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i64.add
      (i64.xor
        (i64.add (i64.add (i64.add (local.get $a) (local.get $b)) (i64.add (local.get $c) (local.get $d)))
                 (i64.add (i64.add (local.get $e) (local.get $f)) (i64.add (local.get $g) (local.get $h))))
        (i64.add (i64.add (i64.add (local.get $i) (local.get $j)) (i64.add (local.get $k) (local.get $l)))
                 (i64.add (i64.add (local.get $m) (local.get $o)) (i64.add (local.get $p) (local.get $q)))))
      (i64.add
        (i64.add (i64.add (i64.reinterpret_f64 (local.get $x)) (i64.reinterpret_f64 (local.get $y)))
                 (i64.add (i64.reinterpret_f64 (local.get $z)) (i64.reinterpret_f64 (local.get $w))))
        (i64.add (i64.add (i64.reinterpret_f64 (local.get $u)) (i64.reinterpret_f64 (local.get $v)))
                 (i64.add (i64.reinterpret_f64 (local.get $s)) (i64.reinterpret_f64 (local.get $t))))))))`

// stopTheWorldOften runs runtime.GC in a loop until the returned stop is
// called: every cycle stops the world twice, and Go's scheduler preempts
// running guests with a signal each time. stop returns the cycles run.
func stopTheWorldOften() (stop func() int) {
	var n atomic.Int64
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-quit:
				return
			default:
				runtime.GC()
				n.Add(1)
			}
		}
	}()
	return func() int {
		close(quit)
		wg.Wait()
		return int(n.Load())
	}
}

// TestPreemptedGuestSameResult: a guest preempted at whatever instructions
// the stops of the world find it at ends with the result of an undisturbed
// run. (runtime/internal/native checks every register across thousands of
// preemptions at random instructions.)
func TestPreemptedGuestSameResult(t *testing.T) {
	sameResultUnderPreemption(t, checksumModule)
}

// sameResultUnderPreemption runs the "mix" export of module undisturbed,
// then five times while the world is stopped often, and requires the same
// result every time.
func sameResultUnderPreemption(t *testing.T, module string) {
	inst, done := instantiateWat(t, module, nil)
	defer done()
	const n = 3_000_000
	want, err := inst.Call(context.Background(), "mix", n)
	require.NoError(t, err)
	stop := stopTheWorldOften()
	for range 5 {
		got, err := inst.Call(context.Background(), "mix", n)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	t.Logf("%d GC cycles during the runs", stop())
}

// TestHostCallsUnderPreemption: preemption never loses or repeats a host
// call.
func TestHostCallsUnderPreemption(t *testing.T) {
	var calls atomic.Int64
	inc := wrt.NewHostFunction("inc", wrt.FuncType{Params: []wrt.ValType{wrt.I32}, Results: []wrt.ValType{wrt.I32}},
		func(_ context.Context, _ *wrt.Instance, p, r []uint64) error {
			calls.Add(1)
			r[0] = uint64(uint32(p[0]) + 1)
			return nil
		})
	inst, done := instantiateWat(t, hostLoopModule, wrt.Imports{"env": {"inc": inc}})
	defer done()
	stop := stopTheWorldOften()
	const n = 2_000_000
	for range 3 {
		calls.Store(0)
		res, err := inst.Call(context.Background(), "loop", n)
		require.NoError(t, err)
		require.Equal(t, []uint64{n}, res)
		require.Equal(t, int64(n), calls.Load())
	}
	t.Logf("%d GC cycles during the runs", stop())
}

// TestInterruptInsideMemoryCopy: one memory.copy of 256 MiB stops early
// when the call is cancelled.
func TestInterruptInsideMemoryCopy(t *testing.T) {
	inst, done := instantiateWat(t, `(module (memory 8192)
	  (func (export "copy") (memory.copy (i32.const 0x10000000) (i32.const 0) (i32.const 0x10000000))))`, nil)
	defer done()
	start := time.Now()
	_, err := inst.Call(context.Background(), "copy")
	require.NoError(t, err)
	whole := time.Since(start)
	// On a loaded machine the timer that interrupts may run only after the
	// copy ended; a copy that completes is no wrong answer, so try again,
	// but a copy that is never stopped in three tries fails.
	var took time.Duration
	for try := 0; try < 3; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		start = time.Now()
		_, err = inst.Call(ctx, "copy")
		took = time.Since(start)
		cancel()
		if err != nil {
			break
		}
		t.Logf("try %d: the copy ended (%v) before the interrupt", try, took)
	}
	var tr *wrt.Trap
	require.ErrorAs(t, err, &tr)
	require.Equal(t, wrt.TrapInterrupted, tr.Kind)
	t.Logf("a whole copy took %v, an interrupted one %v", whole, took)
	require.Less(t, took, whole/2+5*time.Millisecond, "the copy was not stopped inside")
}

// A linked-list walk: the loop the poll used to take a third of (a load
// chain of one instruction per step, plus the count).
const chaseModule = `(module (memory 16)
  (func (export "build") (param $n i32) (local $i i32)
    ;; node i at 8*i points to node (i*37+11) mod n (n prime: one cycle)
    (loop $l
      (i32.store (i32.shl (local.get $i) (i32.const 3))
        (i32.shl (i32.rem_u (i32.add (i32.mul (local.get $i) (i32.const 37)) (i32.const 11)) (local.get $n)) (i32.const 3)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  (func (export "walk") (param $steps i32) (result i32) (local $p i32)
    (loop $l
      (local.set $p (i32.load (local.get $p)))
      (br_if $l (local.tee $steps (i32.sub (local.get $steps) (i32.const 1)))))
    (local.get $p)))`

// BenchmarkPointerChase reports the time per step of a list walk.
func BenchmarkPointerChase(b *testing.B) {
	inst, done := instantiateWat(b, chaseModule, nil)
	defer done()
	ctx := context.Background()
	_, err := inst.Call(ctx, "build", 100_003)
	require.NoError(b, err)
	const steps = 1_000_000
	for b.Loop() {
		if _, err := inst.Call(ctx, "walk", steps); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/steps, "ns/step")
}
