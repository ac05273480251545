package runtime

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/internal/native"
)

// Call runs the exported function name with args as uint64 words (see the
// package doc) and returns its results.
func (inst *Instance) Call(ctx context.Context, name string, args ...uint64) ([]uint64, error) {
	f := inst.ExportedFunction(name)
	if f == nil {
		return nil, fmt.Errorf("call: no exported function %q", name)
	}
	return f.Call(ctx, args...)
}

// invoke runs function fidx of inst. params and results are uint64 words.
func (inst *Instance) invoke(ctx context.Context, fidx uint32, params, results []uint64) error {
	if int(fidx) < len(inst.funcs) {
		if inst.refs.Load() == 0 {
			return ErrClosed
		}
		if ctx == nil {
			ctx = context.Background()
		}
		return inst.funcs[fidx].call(ctx, inst, params, results)
	}
	entry, target := inst.entryOf(fidx)
	return inst.run(ctx, fidx, entry, target, params, results)
}

// entryOf returns the entry stub address for defined function fidx (0 if
// its type has none) and the address of its code.
func (inst *Instance) entryOf(fidx uint32) (entry uintptr, target uint64) {
	m := inst.mod
	t := m.funcType[fidx]
	f := m.m.Funcs[fidx-uint32(len(inst.funcs))]
	target = uint64(m.text + uintptr(f.Offset))
	if stubs := m.art.Code.EntryStubs; int(t) < len(stubs) && stubs[t] != artifact.NoStub {
		entry = m.text + uintptr(stubs[t])
	}
	return entry, target
}

// run runs defined function fidx of inst through the entry stub at entry
// with its code at target.
func (inst *Instance) run(ctx context.Context, fidx uint32, entry uintptr, target uint64, params, results []uint64) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if inst.refs.Load() == 0 {
		return ErrClosed
	}
	m := inst.mod
	// With activations running, only their goroutine may call in: it can
	// only be doing so from a host function, while they are parked.
	depth := inst.active.Load()
	switch {
	case depth == 0:
		if !inst.active.CompareAndSwap(0, 1) {
			return ErrConcurrentUse
		}
	case !inst.ctx.OnActivationGoroutine():
		return ErrConcurrentUse
	default:
		inst.active.Add(1)
	}
	ft := &m.types[m.funcType[fidx]]
	if entry == 0 {
		inst.active.Add(-1)
		return fmt.Errorf("not supported: calling function %d of type %v from the host (no entry stub)", fidx, *ft)
	}
	args := inst.ctx.Args()
	putSlots(args, ft.Params, params)
	*u64At(inst.vm + uintptr(m.layout.EntryTarget)) = target

	prev := inst.goctx
	inst.goctx = ctx
	watch := false
	if depth == 0 {
		if done := ctx.Done(); done != nil {
			watch = true
			if !inst.arm(ctx, done) {
				inst.leave(prev, watch, true)
				return &Trap{Kind: TrapInterrupted, Func: fidx, FuncName: m.FuncName(fidx), Err: context.Cause(ctx)}
			}
		}
	}
	// Deferred so that a panicking host function leaves inst usable.
	defer inst.leave(prev, watch, depth == 0)
	if err := inst.serve(entry); err != nil {
		return inst.mapError(ctx, err)
	}
	getSlots(args, ft.Results, results)
	return nil
}

// leave ends an activation started by run. Ending the outermost one
// forgets its goroutine before another can start one, so that a call
// racing with the next activation's start is refused as concurrent (see
// Context.OnActivationGoroutine).
func (inst *Instance) leave(prev context.Context, watched, outermost bool) {
	if watched {
		inst.disarm()
	}
	inst.goctx = prev
	if outermost {
		inst.sp = 0 // no host frame is left; see callOut
		inst.ctx.ForgetGoroutine()
	}
	inst.active.Add(-1)
}

// watch is a context.AfterFunc registration that interrupts calls made with
// contexts whose Done channel is done. It stays registered across calls and
// only interrupts a running call armed with its gen.
type watch struct {
	done <-chan struct{}
	gen  uint64
	stop func() bool
}

// firing marks intr.armed once a callback has claimed the armed call.
const firing = 1 << 63

// arm makes cancellation of ctx (whose Done channel is done) interrupt the
// running call; disarm undoes it (also after arm failed). arm fails when
// ctx is already done.
func (inst *Instance) arm(ctx context.Context, done <-chan struct{}) bool {
	in := &inst.intr
	w := in.w.Load()
	if w == nil || w.done != done {
		w = inst.watch(ctx, done)
	}
	in.armed.Store(w.gen)
	// A cancellation before armed was set was missed by the callback but
	// shows here.
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// watch replaces the registration with one for ctx.
func (inst *Instance) watch(ctx context.Context, done <-chan struct{}) *watch {
	in := &inst.intr
	in.Lock()
	defer in.Unlock()
	if old := in.w.Load(); old != nil {
		old.stop()
	}
	in.gen++
	w := &watch{done: done, gen: in.gen}
	fire := func() {
		in.Lock()
		if in.armed.CompareAndSwap(w.gen, w.gen|firing) {
			inst.ctx.Interrupt()
		}
		in.Unlock()
	}
	if a, ok := ctx.(AfterFuncer); ok {
		w.stop = a.AfterFunc(fire)
	} else {
		w.stop = context.AfterFunc(ctx, fire)
	}
	in.w.Store(w)
	return w
}

// AfterFuncer is a context that registers functions to run once it is done
// itself, as context.AfterFunc does for any context: AfterFunc arranges for
// f to run in its own goroutine after the context is done, and the function
// it returns stops that (reporting whether it did). A call's context that
// has this method is watched through it rather than through
// context.AfterFunc, whose registration with the context's cancellable
// parent costs several allocations and a lock on each side: a server that
// makes an instance per request can make its requests' contexts cheaper to
// watch.
type AfterFuncer interface {
	context.Context
	AfterFunc(f func()) (stop func() bool)
}

// interruptIfDone interrupts the running call if its context is done, so
// that a host function that returned because it saw the cancellation is not
// followed by guest code: the AfterFunc callback that would interrupt runs on
// another goroutine and may not have run yet. If the callback has claimed
// the call, it waits for its Interrupt.
func (inst *Instance) interruptIfDone() {
	in := &inst.intr
	g := in.armed.Load()
	if g == 0 {
		return
	}
	if g&firing == 0 {
		w := in.w.Load()
		if w == nil || w.gen != g {
			return
		}
		select {
		case <-w.done:
		default:
			return
		}
	}
	in.Lock()
	if g&firing == 0 && in.armed.CompareAndSwap(g, g|firing) {
		inst.ctx.Interrupt()
	}
	in.Unlock()
}

func (inst *Instance) disarm() {
	in := &inst.intr
	if in.armed.Swap(0)&firing != 0 {
		// The callback claimed this call; wait for its Interrupt before
		// clearing it.
		in.Lock()
		inst.ctx.ClearInterrupt()
		in.Unlock()
	}
}

// unwatch drops the registration left by arm.
func (inst *Instance) unwatch() {
	in := &inst.intr
	in.Lock()
	if w := in.w.Swap(nil); w != nil {
		w.stop()
	}
	in.Unlock()
}

// putSlots writes values to the args buffer, one 16-byte slot each.
func putSlots(args []byte, ts []ValType, vals []uint64) {
	w := 0
	for i, t := range ts {
		s := args[i*abi.ArgSlotSize:]
		binary.LittleEndian.PutUint64(s, vals[w])
		w++
		if t == V128 {
			binary.LittleEndian.PutUint64(s[8:], vals[w])
			w++
		}
	}
}

// getSlots reads values from the args buffer starting at slot 0.
func getSlots(args []byte, ts []ValType, vals []uint64) {
	w := 0
	for i, t := range ts {
		s := args[i*abi.ArgSlotSize:]
		v := binary.LittleEndian.Uint64(s)
		switch t {
		case I32, F32:
			v = uint64(uint32(v))
		}
		vals[w] = v
		w++
		if t == V128 {
			vals[w] = binary.LittleEndian.Uint64(s[8:])
			w++
		}
	}
}

// serve runs the activation at entry to its end, serving its import
// calls. It is the path of every import call, so the common case, a host
// function whose values are all single words (Function.fast), is done in
// the loop itself: no call but the host function's, no type switch, no
// defer per call. Other calls go to dispatch, other exits (preemption,
// and everything after one) to the native package's loop.
//
// The scratch words a call takes are given back by restoring inst.sp; a
// panicking host function leaves it raised only until the outermost
// activation ends (see leave), and a frame that recovers from the panic
// restores its own saved value anyway.
func (inst *Instance) serve(entry uintptr) error {
	c := inst.ctx
	code, err := c.Start(entry)
	if err != nil {
		return err
	}
	// A panicking host function must not leave its caller parked.
	inHost := false
	defer func() {
		if inHost {
			c.AbandonHostCall()
		}
	}()
	for code == abi.ExitHostCall {
		inHost = true
		idx := c.HostCallIndex()
		var f *Function
		if idx < uint32(len(inst.funcs)) {
			f = inst.funcs[idx]
		}
		sp := inst.sp
		// (build checked that a fast import's values fit in the args
		// buffer.)
		if f == nil || !f.fast || sp+fastWords > len(inst.scratch) {
			err = inst.dispatch(c, idx)
		} else {
			// Params at scratch[sp:], results right after them (so
			// that params has room for both, as callOut's has: host
			// functions may use it as one stack).
			np, n := int(f.np), int(f.np+f.nr)
			// In bounds: sp+fastWords <= len(inst.scratch).
			words := (*[fastWords]uint64)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(inst.scratch)), sp*8))[:n:n]
			params, results := words[:np:n], words[np:]
			inst.sp = sp + n
			args := ptrAt(inst.args)
			narrow := f.narrow
			for i := range params {
				// An i32 is read as 32 bits: the code that just
				// stored it may have stored only those, and a wider
				// load would wait for the store to retire instead of
				// taking its value from the store buffer.
				slot := unsafe.Add(args, uintptr(i)*abi.ArgSlotSize)
				if narrow&1 != 0 {
					params[i] = uint64(*(*uint32)(slot))
				} else {
					params[i] = *(*uint64)(slot)
				}
				narrow >>= 1
			}
			err = f.host(inst.goctx, inst, params, results)
			inst.sp = sp
			if err != nil {
				err = f.hostError(err)
			} else {
				for i, v := range results {
					*(*uint64)(unsafe.Add(args, uintptr(i)*abi.ArgSlotSize)) = v
				}
			}
		}
		inHost = false
		if err == nil && inst.intr.armed.Load() != 0 {
			inst.interruptIfDone()
		}
		if err = c.AfterHostCall(err); err != nil {
			return err
		}
		code = c.Resume()
	}
	return c.Serve(code, inst.host)
}

// dispatch serves host call idx of inst's code: an import or a builtin.
func (inst *Instance) dispatch(c *native.Context, idx uint32) error {
	if idx < uint32(len(inst.funcs)) {
		return inst.callOut(inst.funcs[idx], c.Args(), 0)
	}
	return inst.dispatchOther(idx)
}

// hostCalls serves the host calls of an instance's code for the native
// package's loop (see serve), without giving Instance an exported method.
type hostCalls Instance

func (h *hostCalls) HostCall(c *native.Context, idx uint32) error {
	inst := (*Instance)(h)
	err := inst.dispatch(c, idx)
	if err == nil && inst.intr.armed.Load() != 0 {
		inst.interruptIfDone()
	}
	return err
}

// dispatchOther serves host calls that are not imports: builtins.
func (inst *Instance) dispatchOther(idx uint32) error {
	if idx >= abi.BuiltinBase {
		return inst.builtin(abi.Builtin(idx - abi.BuiltinBase))
	}
	return fmt.Errorf("host call to function %d, which is not imported", idx)
}

// callOut calls f with params from the args buffer starting at slot first
// and leaves its results in the buffer from slot 0: the import calls that
// serve does not make itself, and call_ref. Like serve, it gives its
// scratch back by restoring inst.sp, without a defer.
func (inst *Instance) callOut(f *Function, args []byte, first int) error {
	np, n := int(f.np), int(f.np+f.nr)
	sp := inst.sp
	if sp+n > len(inst.scratch) {
		// Outer frames keep their slices of the old array.
		inst.scratch = make([]uint64, max(2*len(inst.scratch), sp+n, 32))
	}
	buf := inst.scratch[sp : sp+n : sp+n]
	inst.sp = sp + n
	params, results := buf[:np], buf[np:]
	in := args[first*abi.ArgSlotSize:]
	if f.scalar {
		for i := range params {
			v := binary.LittleEndian.Uint64(in[i*abi.ArgSlotSize:])
			if f.narrow>>i&1 != 0 {
				v = uint64(uint32(v))
			}
			params[i] = v
		}
	} else {
		getSlots(in, f.typ.Params, params)
	}
	var err error
	if h := f.host; h != nil {
		if err = h(inst.goctx, inst, params, results); err != nil {
			err = f.hostError(err)
		}
	} else {
		err = f.inst.run(inst.goctx, f.index, f.entry, f.target, params, results)
	}
	inst.sp = sp
	if err != nil {
		return err
	}
	if f.scalar {
		for i, v := range results {
			binary.LittleEndian.PutUint64(args[i*abi.ArgSlotSize:], v)
		}
	} else {
		putSlots(args, f.typ.Results, results)
	}
	return nil
}

// mapError turns what native.Context.Call returned into a *Trap located in
// the wasm function, or an internal error.
func (inst *Instance) mapError(ctx context.Context, err error) error {
	nt, ok := err.(*native.Trap)
	if !ok {
		return err
	}
	m := inst.mod
	off := uint32(nt.PC - m.text)
	inText := nt.PC >= m.text && uint64(nt.PC-m.text) < m.art.Layout.TextSize
	if nt.Kind != abi.TrapHostError {
		// Stopped wherever it was, maybe deep in its stack (a host
		// function's error, such as proc_exit's, is an ordinary way out).
		inst.trapped.Store(true)
	}
	t := &Trap{Func: noFunc}
	switch nt.Kind {
	case abi.TrapExplicit:
		s, ok := m.art.Code.TrapAt(off)
		if !inText || !ok {
			return fmt.Errorf("internal error: explicit trap at pc %#x without a trap table entry", nt.PC)
		}
		t.Kind = TrapKind(s.Kind)
	case abi.TrapMemoryFault:
		if s, ok := m.art.Code.TrapAt(off); inText && ok {
			t.Kind = TrapKind(s.Kind)
		} else if inText && inst.memory != nil && inst.memory.inReservation(nt.Addr) {
			t.Kind = TrapMemoryOutOfBounds
		} else {
			return fmt.Errorf("internal error: memory fault at pc %#x, address %#x, outside linear memory", nt.PC, nt.Addr)
		}
	case abi.TrapStackExhausted:
		t.Kind = TrapStackExhausted
	case abi.TrapInterrupted:
		t.Kind, t.Err = TrapInterrupted, context.Cause(ctx)
		if t.Err == nil {
			t.Err = errors.New("interrupted")
		}
	case abi.TrapHostError:
		var inner *Trap
		if errors.As(nt.Err, &inner) {
			t = inner
		} else {
			t.Kind, t.Err = TrapHostError, nt.Err
		}
		if inText {
			first := len(t.Frames) == 0
			m.locate(t, off, false)
			f := trapFrame(t)
			if !first {
				// The trap came from a nested activation, which has its
				// frames already; this one continues at its host call.
				f = m.callFrame(off)
			}
			inst.backtrace(t, f, nt.PC, nt.SP, nt.LR)
		}
		return t
	default:
		return fmt.Errorf("internal error: %w", nt)
	}
	if inText {
		m.locate(t, off, true)
		inst.backtrace(t, trapFrame(t), nt.PC, nt.SP, nt.LR)
	}
	return t
}
