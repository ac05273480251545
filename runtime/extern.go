package runtime

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"weak"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// Extern is something a module can import: a *Function, *Table, *Memory or
// *Global, made by the host or exported by an instance.
type Extern interface {
	Kind() ExternKind
}

// Imports resolves a module's imports: module name → field name → extern.
type Imports map[string]map[string]Extern

// Define adds one extern under module.name.
func (im Imports) Define(module, name string, e Extern) {
	m := im[module]
	if m == nil {
		m = map[string]Extern{}
		im[module] = m
	}
	m[name] = e
}

// DefineInstance adds every export of inst under module.
func (im Imports) DefineInstance(module string, inst *Instance) {
	for _, e := range inst.mod.m.Exports {
		im.Define(module, e.Name, inst.Export(e.Name))
	}
}

// HostFunc implements an imported function in Go. params holds the
// arguments and results has room for the results, as uint64 words (see the
// package doc). caller is the instance whose code made the call, nil when
// the function is called from Go. A non-nil error ends the whole call with
// a *Trap of kind TrapHostError wrapping it.
type HostFunc func(ctx context.Context, caller *Instance, params, results []uint64) error

// Function is a wasm function of an instance or a host function.
type Function struct {
	// What an import call reads (Instance.serve) first.
	host   HostFunc
	np, nr int32 // param and result words
	// fast: a scalar host function with at most fastWords words, which
	// Instance.serve calls itself, reading params from and writing
	// results to the first argBytes of the args buffer.
	fast bool
	// scalar: every value is one word in one args slot (no V128), and at
	// most 64 params; narrow then has bit i set for an i32/f32 param i,
	// which reaches Go zero-extended.
	scalar   bool
	narrow   uint64
	argBytes uint

	typ    FuncType
	typeID uint32 // host functions: set with ref
	index  uint32
	name   string // host functions: for messages

	inst   *Instance
	entry  uintptr // wasm functions: entry stub address, 0 if none
	target uint64  // wasm functions: code address

	mu  sync.Mutex
	ref uintptr // FuncRef record; host functions get it on first use
}

// NewHostFunction makes a host function of type t; name is used in messages.
func NewHostFunction(name string, t FuncType, fn HostFunc) *Function {
	// typeID is found on first use (funcRef): a host usually makes many
	// more functions than any module imports.
	f := &Function{typ: t, host: fn, name: name}
	f.shape()
	return f
}

// fastWords bounds the params and results of a host function that
// Instance.serve calls itself; Instantiate reserves scratch words for it.
const fastWords = 16

// shape sets the word counts and the fast-path description of f's type.
func (f *Function) shape() {
	t := f.typ
	f.np, f.nr = int32(words(t.Params)), int32(words(t.Results))
	f.scalar = len(t.Params) <= 64 && int(f.np) == len(t.Params) && int(f.nr) == len(t.Results)
	f.narrow = 0
	f.fast = f.scalar && f.host != nil && f.np+f.nr <= fastWords
	f.argBytes = uint(max(f.np, f.nr)) * abi.ArgSlotSize
	if f.scalar {
		for i, p := range t.Params {
			if p == I32 || p == F32 {
				f.narrow |= 1 << i
			}
		}
	}
}

// Kind is KindFunc.
func (f *Function) Kind() ExternKind { return KindFunc }

// Type is the function's signature.
func (f *Function) Type() FuncType { return f.typ }

// Call runs the function. args and the results are uint64 words (see the
// package doc).
func (f *Function) Call(ctx context.Context, args ...uint64) ([]uint64, error) {
	if f.inst != nil && f.inst.closed.Load() {
		return nil, ErrClosed
	}
	if len(args) != int(f.np) {
		return nil, fmt.Errorf("call: %d argument words for %v, want %d", len(args), f.typ, f.np)
	}
	results := make([]uint64, f.nr)
	if err := f.call(ctx, nil, args, results); err != nil {
		return nil, err
	}
	return results, nil
}

// CallWithStack runs the function without allocating: stack holds the
// argument words on entry and the result words on return, and must be
// large enough for both.
func (f *Function) CallWithStack(ctx context.Context, stack []uint64) error {
	np, nr := int(f.np), int(f.nr)
	if len(stack) < max(np, nr) {
		return fmt.Errorf("call: stack of %d words for %v, want %d", len(stack), f.typ, max(np, nr))
	}
	if f.inst != nil && f.inst.closed.Load() {
		return ErrClosed
	}
	if f.host != nil {
		params := append([]uint64(nil), stack[:np]...)
		return f.call(ctx, nil, params, stack[:nr])
	}
	// Entry copies the params into the args buffer before the results
	// are written, so the two may share the slice.
	return f.call(ctx, nil, stack[:np], stack[:nr])
}

// call runs f with caller (nil from Go) as the calling instance.
func (f *Function) call(ctx context.Context, caller *Instance, params, results []uint64) error {
	if f.host != nil {
		if err := f.host(ctx, caller, params, results); err != nil {
			return f.hostError(err)
		}
		return nil
	}
	return f.inst.run(ctx, f.index, f.entry, f.target, params, results)
}

// hostError is what host function f failing with err ends its call with.
func (f *Function) hostError(err error) error {
	var t *Trap
	if errors.As(err, &t) {
		return err
	}
	return &Trap{Kind: TrapHostError, Func: noFunc, Err: fmt.Errorf("%s: %w", f.name, err)}
}

// hostFuncs finds host functions by the id in their FuncRef record, for
// call_ref; weak so that an unused host function can be collected.
var hostFuncs struct {
	mu   sync.Mutex
	next uint32
	m    map[uint32]weak.Pointer[Function]
}

type hostRecord struct {
	addr uintptr
	id   uint32
}

// funcRef returns the address of f's FuncRef record.
func (f *Function) funcRef() (uintptr, error) {
	if f.inst != nil {
		return f.ref, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ref != 0 {
		return f.ref, nil
	}
	p, err := allocSlot()
	if err != nil {
		return 0, err
	}
	hostFuncs.mu.Lock()
	if hostFuncs.m == nil {
		hostFuncs.m = map[uint32]weak.Pointer[Function]{}
	}
	hostFuncs.next++
	id := hostFuncs.next
	hostFuncs.m[id] = weak.Make(f)
	hostFuncs.mu.Unlock()
	if f.typeID == 0 {
		f.typeID = typeID(f.typ)
	}
	r := (*abi.FuncRef)(ptrAt(p))
	r.TypeID, r.Index = f.typeID, id
	f.ref = p
	goruntime.AddCleanup(f, func(r hostRecord) {
		hostFuncs.mu.Lock()
		delete(hostFuncs.m, r.id)
		hostFuncs.mu.Unlock()
		freeSlot(r.addr)
	}, hostRecord{p, id})
	return p, nil
}

// Ref returns the funcref value of f (the address of its FuncRef record),
// for storing f in a table or passing it as a funcref argument.
func (f *Function) Ref() (uint64, error) {
	p, err := f.funcRef()
	return uint64(p), err
}

func hostFuncByID(id uint32) *Function {
	hostFuncs.mu.Lock()
	defer hostFuncs.mu.Unlock()
	return hostFuncs.m[id].Value()
}

// Global is a wasm global: a 16-byte cell off the Go heap.
type Global struct {
	typ   GlobalType
	cell  uintptr
	owner *Instance // nil for host globals
}

// NewGlobal makes a host global of type t holding v (for a v128, the low
// half; use SetV128 for the rest).
func NewGlobal(t GlobalType, v uint64) (*Global, error) {
	p, err := allocSlot()
	if err != nil {
		return nil, err
	}
	g := &Global{typ: t, cell: p}
	g.set(v)
	goruntime.AddCleanup(g, freeSlot, p)
	return g, nil
}

// Kind is KindGlobal.
func (g *Global) Kind() ExternKind { return KindGlobal }

// Type is the global's type.
func (g *Global) Type() GlobalType { return g.typ }

// Get returns the value (a v128's low half).
func (g *Global) Get() uint64 {
	switch g.typ.Type {
	case I32, F32:
		return uint64(*u32At(g.cell))
	}
	return *u64At(g.cell)
}

// GetV128 returns both halves of a v128 global.
func (g *Global) GetV128() (lo, hi uint64) { return *u64At(g.cell), *u64At(g.cell + 8) }

// Set changes a mutable global.
func (g *Global) Set(v uint64) error {
	if !g.typ.Mutable {
		return errors.New("global is immutable")
	}
	g.set(v)
	return nil
}

// SetV128 changes a mutable v128 global.
func (g *Global) SetV128(lo, hi uint64) error {
	if !g.typ.Mutable {
		return errors.New("global is immutable")
	}
	*u64At(g.cell), *u64At(g.cell + 8) = lo, hi
	return nil
}

func (g *Global) set(v uint64) {
	switch g.typ.Type {
	case I32, F32:
		*u32At(g.cell) = uint32(v)
	default:
		*u64At(g.cell) = v
	}
}
