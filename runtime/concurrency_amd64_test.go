package runtime

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCancelSpinning(t *testing.T) {
	rt := newRuntime(t)
	inst := instantiate(t, load(t, rt, trapModule), nil)
	ctx, cancel := context.WithCancel(context.Background())
	var cancelled time.Time
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancelled = time.Now()
		cancel()
	}()
	_, err := inst.Call(ctx, "spin")
	stopped := time.Since(cancelled)
	tr := requireTrap(t, err, TrapInterrupted, 3)
	require.Equal(t, "spin", tr.FuncName)
	require.ErrorIs(t, err, context.Canceled)
	// Liveness, not latency (that is BenchmarkInterruptLatency's): a
	// broken interrupt spins for ever, a loaded machine takes a while.
	require.Less(t, stopped, time.Second)
	t.Logf("stopped %v after cancel", stopped)

	// A deadline works the same way, and the next call is not interrupted.
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer dcancel()
	_, err = inst.Call(dctx, "spin")
	requireTrap(t, err, TrapInterrupted, 3)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, []uint64{5}, call(t, inst, "div", 10, 2))
}

// ownAfterFunc is a context that runs its AfterFunc functions itself when
// cancelled.
type ownAfterFunc struct {
	context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	fs     []func()
	stops  int
}

func (c *ownAfterFunc) AfterFunc(f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fs = append(c.fs, f)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.stops++
		return true
	}
}

func (c *ownAfterFunc) stop() {
	c.cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.fs {
		go f()
	}
}

func TestCancelThroughAfterFuncer(t *testing.T) {
	rt := newRuntime(t)
	inst := instantiate(t, load(t, rt, trapModule), nil)
	base, cancel := context.WithCancel(context.Background())
	ctx := &ownAfterFunc{Context: base, cancel: cancel}
	go func() {
		time.Sleep(20 * time.Millisecond)
		ctx.stop()
	}()
	_, err := inst.Call(ctx, "spin")
	requireTrap(t, err, TrapInterrupted, 3)
	ctx.mu.Lock()
	require.Len(t, ctx.fs, 1, "the call was watched through the context's AfterFunc")
	ctx.mu.Unlock()
	require.NoError(t, inst.Close())
	require.Equal(t, 1, ctx.stops, "and the watch stopped when the instance closed")
}

func TestSpinningDoesNotBlockGC(t *testing.T) {
	rt := newRuntime(t)
	inst := instantiate(t, load(t, rt, trapModule), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := inst.Call(ctx, "spin")
		done <- err
	}()
	time.Sleep(5 * time.Millisecond)
	start := time.Now()
	for range 3 {
		goruntimeGC()
	}
	require.Less(t, time.Since(start), time.Second)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

func TestManyGoroutines(t *testing.T) {
	rt := newRuntime(t)
	m := load(t, rt, hostModule)
	mm := load(t, rt, memModule)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				im := Imports{"env": {
					"combine": NewHostFunction("combine", FuncType{Params: vt(i32, i64, f64), Results: vt(i64, f32)},
						func(ctx context.Context, c *Instance, p, r []uint64) error {
							r[0] = p[0] + p[1]
							return nil
						}),
					"fail": NewHostFunction("fail", FuncType{}, func(context.Context, *Instance, []uint64, []uint64) error { return nil }),
				}}
				inst, err := m.Instantiate(context.Background(), im)
				if err != nil {
					errs <- err
					return
				}
				res, err := inst.Call(context.Background(), "callcombine", uint64(g), uint64(i), 0)
				if err == nil && res[0] != uint64(g+i+1) {
					err = errors.New("wrong result")
				}
				minst, err2 := mm.Instantiate(context.Background(), nil)
				if err2 == nil {
					// A fresh memory is zero even if a pooled one was written.
					var r []uint64
					r, err2 = minst.Call(context.Background(), "load", 100)
					if err2 == nil && r[0] != 0 {
						err2 = errors.New("pooled memory not zeroed")
					}
					if err2 == nil {
						_, err2 = minst.Call(context.Background(), "store", 100, 0xdead)
					}
					err2 = errors.Join(err2, minst.Close())
				}
				if err := errors.Join(err, err2, inst.Close()); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestConcurrentUseDetected(t *testing.T) {
	rt := newRuntime(t)
	inst := instantiate(t, load(t, rt, trapModule), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := inst.Call(ctx, "spin")
		done <- err
	}()
	require.Eventually(t, func() bool { return inst.active.Load() == 1 }, time.Second, time.Millisecond)
	_, err := inst.Call(context.Background(), "div", 4, 2)
	require.ErrorIs(t, err, ErrConcurrentUse)
	require.Error(t, inst.Close())
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

func TestClosePoolsMemoryAndContext(t *testing.T) {
	rt := newRuntime(t)
	m := load(t, rt, memModule)
	inst := instantiate(t, m, nil)
	base := inst.Memory().mem.Base()
	vm := inst.vm
	call(t, inst, "store", 8, 77)
	require.NoError(t, inst.Close())
	require.Error(t, inst.Close())
	_, err := inst.Call(context.Background(), "load", 8)
	require.ErrorIs(t, err, ErrClosed)

	again := instantiate(t, m, nil)
	require.Equal(t, base, again.Memory().mem.Base(), "memory reservation reused")
	require.Equal(t, vm, again.vm, "vmctx reused")
	require.Equal(t, []uint64{0}, call(t, again, "load", 8))
	require.Equal(t, []uint64{1}, call(t, again, "size"))
}

func BenchmarkInstantiate(b *testing.B) {
	rt := newRuntime(b)
	for _, tc := range []struct {
		name string
		def  func(*builder)
	}{{"arith", arith}, {"memory", memModule}, {"segments", segModule}} {
		m := load(b, rt, tc.def)
		im, _ := segImports(b, 32)
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				inst, err := m.Instantiate(context.Background(), im)
				if err != nil {
					b.Fatal(err)
				}
				inst.Close()
			}
		})
	}
}

func TestCancelReusedContext(t *testing.T) {
	rt := newRuntime(t)
	inst := instantiate(t, load(t, rt, trapModule), nil)
	ctx, cancel := context.WithCancel(context.Background())
	for range 3 {
		_, err := inst.Call(ctx, "div", 10, 2)
		require.NoError(t, err)
	}
	// Cancelled between calls: later calls with other contexts run, calls
	// with it fail up front.
	cancel()
	require.Equal(t, []uint64{5}, call(t, inst, "div", 10, 2))
	_, err := inst.Call(ctx, "div", 10, 2)
	requireTrap(t, err, TrapInterrupted, 0)
	require.ErrorIs(t, err, context.Canceled)

	// A context cancelled while no call runs does not interrupt a later
	// call made with another one.
	ctx2, cancel2 := context.WithCancel(context.Background())
	_, err = inst.Call(ctx2, "div", 10, 2)
	require.NoError(t, err)
	ctx3, cancel3 := context.WithCancel(context.Background())
	defer cancel3()
	_, err = inst.Call(ctx3, "div", 10, 2)
	require.NoError(t, err)
	cancel2()
	_, err = inst.Call(ctx3, "div", 10, 2)
	require.NoError(t, err)

	// The registration made by earlier calls still interrupts a running one.
	go func() {
		time.Sleep(10 * time.Millisecond)
		cancel3()
	}()
	_, err = inst.Call(ctx3, "spin")
	requireTrap(t, err, TrapInterrupted, 3)
	require.Equal(t, []uint64{5}, call(t, inst, "div", 10, 2))
	require.NoError(t, inst.Close())
}
