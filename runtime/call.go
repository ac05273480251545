package runtime

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

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
	if ctx == nil {
		ctx = context.Background()
	}
	if inst.refs.Load() == 0 {
		return ErrClosed
	}
	m := inst.mod
	if int(fidx) < len(inst.funcs) {
		return inst.funcs[fidx].call(ctx, inst, params, results)
	}
	// Every activation already running must be parked in a host call, or
	// another goroutine is using the instance.
	depth := inst.active.Load()
	switch {
	case depth == 0:
		if !inst.active.CompareAndSwap(0, 1) {
			return ErrConcurrentUse
		}
	case depth != inst.inHost.Load():
		return ErrConcurrentUse
	default:
		inst.active.Add(1)
	}
	defer inst.active.Add(-1)
	t := m.funcType[fidx]
	ft := &m.types[t]
	stubs := m.art.Code.EntryStubs
	if int(t) >= len(stubs) || stubs[t] == artifact.NoStub {
		return fmt.Errorf("not supported: calling function %d of type %v from the host (no entry stub)", fidx, *ft)
	}
	args := inst.ctx.Args()
	putSlots(args, ft.Params, params)
	f := m.m.Funcs[fidx-uint32(len(inst.funcs))]
	*u64At(inst.vm + uintptr(m.layout.EntryTarget)) = uint64(m.text + uintptr(f.Offset))

	prev := inst.goctx
	inst.goctx = ctx
	defer func() { inst.goctx = prev }()
	watch := depth == 0 && ctx.Done() != nil
	if watch {
		if err := ctx.Err(); err != nil {
			return &Trap{Kind: TrapInterrupted, Func: fidx, FuncName: m.FuncName(fidx), Err: context.Cause(ctx)}
		}
		defer inst.disarm(inst.arm(ctx))
	}
	if err := inst.ctx.Call(m.text+uintptr(stubs[t]), inst.host); err != nil {
		return inst.mapError(ctx, err)
	}
	getSlots(args, ft.Results, results)
	return nil
}

// arm makes cancellation of ctx interrupt the running call; disarm undoes
// it. The generation check keeps a late AfterFunc from interrupting a later
// call.
func (inst *Instance) arm(ctx context.Context) (stop func() bool) {
	inst.intr.Lock()
	inst.intr.gen++
	gen := inst.intr.gen
	inst.intr.armed = gen
	inst.intr.Unlock()
	return context.AfterFunc(ctx, func() {
		inst.intr.Lock()
		if inst.intr.armed == gen {
			inst.ctx.Interrupt()
		}
		inst.intr.Unlock()
	})
}

func (inst *Instance) disarm(stop func() bool) {
	stop()
	inst.intr.Lock()
	inst.intr.armed = 0
	inst.ctx.ClearInterrupt()
	inst.intr.Unlock()
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

// take returns n scratch words; release them with drop, innermost first.
func (inst *Instance) take(n int) []uint64 {
	if inst.sp+n > len(inst.scratch) {
		// Outer frames keep their slices of the old array.
		inst.scratch = make([]uint64, max(2*len(inst.scratch), inst.sp+n, 32))
	}
	s := inst.scratch[inst.sp : inst.sp+n : inst.sp+n]
	inst.sp += n
	return s
}

func (inst *Instance) drop(n int) { inst.sp -= n }

// dispatch serves the host-call exits of inst's code: imports and builtins.
func (inst *Instance) dispatch(c *native.Context, idx uint32) error {
	if idx >= abi.BuiltinBase {
		return inst.builtin(abi.Builtin(idx - abi.BuiltinBase))
	}
	if int(idx) >= len(inst.funcs) {
		return fmt.Errorf("host call to function %d, which is not imported", idx)
	}
	f := inst.funcs[idx]
	return inst.callOut(f, c.Args(), 0)
}

// callOut calls f with params from the args buffer starting at slot first
// and leaves its results in the buffer from slot 0.
func (inst *Instance) callOut(f *Function, args []byte, first int) error {
	np, nr := words(f.typ.Params), words(f.typ.Results)
	buf := inst.take(np + nr)
	defer inst.drop(np + nr)
	params, results := buf[:np], buf[np:]
	getSlots(args[first*abi.ArgSlotSize:], f.typ.Params, params)
	inst.inHost.Add(1)
	defer inst.inHost.Add(-1)
	if err := f.call(inst.goctx, inst, params, results); err != nil {
		return err
	}
	putSlots(args, f.typ.Results, results)
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
			m.locate(t, off, false)
		}
		return t
	default:
		return fmt.Errorf("internal error: %w", nt)
	}
	if inText {
		m.locate(t, off, true)
	}
	return t
}
