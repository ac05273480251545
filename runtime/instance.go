package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
	"github.com/wasiaot/wasiaot/runtime/internal/native"
)

// ErrConcurrentUse is returned by a call into an instance that is already
// running a call on another goroutine.
var ErrConcurrentUse = errors.New("instance is running a call on another goroutine")

// ErrClosed is returned by calls into a closed instance.
var ErrClosed = errors.New("instance is closed")

// Instance is an instantiated module.
type Instance struct {
	// What every import call reads (serve), together.
	funcs    []*Function // imported functions, in function index order
	scratch  []uint64
	scratch0 [2 * fastWords]uint64 // scratch's first backing: one allocation less per instance
	sp       int
	goctx    context.Context
	args     uintptr // ctx.Args(), off the Go heap
	argBytes uint

	mod  *Module
	ctx  *native.Context
	vm   uintptr
	host native.Host // (*hostCalls)(inst), converted once (see serve)

	globals []*Global // imported globals
	tables  []*Table  // imported then defined
	memory  *Memory
	ownsMem bool

	elems       [][]uint64 // evaluated element segments; nil once dropped
	dataDropped []bool
	dataShared  bool        // dataDropped is the module's, clone it before a write
	deps        []*Instance // exporters this instance imports from
	foreign     []*Table    // imported tables that received its functions

	mu sync.Mutex
	// The functions handed out, made once each: the first in exported1
	// (an instance per request calls only _start: no map), the others in
	// exported.
	exported1 *Function
	exported  map[uint32]*Function
	refs      atomic.Int32 // 1 while open, plus one per importing instance
	closed    atomic.Bool

	// Call state: see call.go.
	active atomic.Int32 // activations in progress
	// trapped is set once a call trapped (not counting host functions'
	// errors): its pooled native stack, which it may have left deep, is
	// then trimmed when the instance closes.
	trapped atomic.Bool
	intr    struct {
		sync.Mutex // serializes registering and firing
		gen        uint64
		w          atomic.Pointer[watch] // current registration, nil if none
		armed      atomic.Uint64         // gen of the running call's watch, 0 if none
	}
}

// Instantiate links m's imports against imports, builds an instance and runs
// its start function. Link errors contain the spec's wording ("unknown
// import", "incompatible import type"); a segment out of bounds or a trap in
// the start function fails with a *Trap.
func (m *Module) Instantiate(ctx context.Context, imports Imports) (*Instance, error) {
	ext, err := m.resolve(imports)
	if err != nil {
		return nil, err
	}
	c, err := m.context()
	if err != nil {
		return nil, err
	}
	inst := &Instance{mod: m, ctx: c, vm: c.Addr()}
	inst.scratch = inst.scratch0[:]
	args := c.Args()
	inst.args, inst.argBytes = addrOf(args), uint(len(args))
	inst.refs.Store(1)
	inst.host = (*hostCalls)(inst)
	if err := inst.build(ext); err != nil {
		inst.release()
		return nil, err
	}
	registerInstance(inst)
	// From here on a failure may have left the instance's functions in
	// imported tables: closing keeps it alive for as long as they are.
	if err := inst.initSegments(); err != nil {
		inst.closeFailed()
		return nil, err
	}
	if m.m.HasStart {
		if err := inst.invoke(ctx, m.m.Start, nil, nil); err != nil {
			inst.closeFailed()
			return nil, err
		}
	}
	return inst, nil
}

// resolve finds and type-checks every import.
func (m *Module) resolve(imports Imports) ([]Extern, error) {
	ext := make([]Extern, len(m.m.Imports))
	for i, im := range m.m.Imports {
		e := imports[im.Module][im.Name]
		if isNil(e) {
			return nil, fmt.Errorf("unknown import: %q %q", im.Module, im.Name)
		}
		if err := m.checkImport(im, e); err != nil {
			return nil, fmt.Errorf("incompatible import type: %q %q: %v", im.Module, im.Name, err)
		}
		ext[i] = e
	}
	return ext, nil
}

func (m *Module) checkImport(im artifact.Import, e Extern) error {
	if e.Kind() != im.Kind {
		return fmt.Errorf("want %v, got %v", kindName(im.Kind), kindName(e.Kind()))
	}
	if owner := ownerOf(e); owner != nil && owner.closed.Load() {
		return fmt.Errorf("exported by a closed instance")
	}
	switch x := e.(type) {
	case *Function:
		if want := m.types[im.TypeIndex]; !want.equal(x.typ) {
			return fmt.Errorf("want %v, got %v", want, x.typ)
		}
	case *Table:
		if x.typ.Elem != im.Table.Elem {
			return fmt.Errorf("want %v table, got %v", im.Table.Elem, x.typ.Elem)
		}
		return limitsMatch(Limits{Min: uint64(x.Size()), Max: x.typ.Max, HasMax: x.typ.HasMax}, im.Table.Limits)
	case *Memory:
		return limitsMatch(Limits{Min: uint64(x.Size()), Max: x.typ.Max, HasMax: x.typ.HasMax}, im.Memory.Limits)
	case *Global:
		if x.typ != im.Global {
			return fmt.Errorf("want %v, got %v", globalName(im.Global), globalName(x.typ))
		}
	}
	return nil
}

// isNil reports whether e is nil or a nil pointer of an extern type.
func isNil(e Extern) bool {
	switch x := e.(type) {
	case *Function:
		return x == nil
	case *Table:
		return x == nil
	case *Memory:
		return x == nil
	case *Global:
		return x == nil
	}
	return e == nil
}

// ownerOf is the instance that exports e, nil for host externs.
func ownerOf(e Extern) *Instance {
	switch x := e.(type) {
	case *Function:
		return x.inst
	case *Table:
		return x.owner
	case *Memory:
		return x.inst
	case *Global:
		return x.owner
	}
	return nil
}

// limitsMatch is the spec's subtyping of limits.
func limitsMatch(have, want Limits) error {
	if have.Min < want.Min {
		return fmt.Errorf("size %d below the minimum %d", have.Min, want.Min)
	}
	if want.HasMax && (!have.HasMax || have.Max > want.Max) {
		if !have.HasMax {
			return fmt.Errorf("no maximum, want at most %d", want.Max)
		}
		return fmt.Errorf("maximum %d above %d", have.Max, want.Max)
	}
	return nil
}

func kindName(k ExternKind) string {
	switch k {
	case KindFunc:
		return "function"
	case KindTable:
		return "table"
	case KindMemory:
		return "memory"
	case KindGlobal:
		return "global"
	}
	return "unknown extern"
}

func globalName(t GlobalType) string {
	if t.Mutable {
		return "mut " + t.Type.String()
	}
	return t.Type.String()
}

func (inst *Instance) depend(x *Instance) {
	if x == nil || x == inst {
		return
	}
	for _, d := range inst.deps {
		if d == x {
			return
		}
	}
	x.refs.Add(1)
	inst.deps = append(inst.deps, x)
}

// build fills the vmctx module area: type ids, funcrefs, memory, globals,
// tables.
func (inst *Instance) build(ext []Extern) error {
	m, l, vm := inst.mod, &inst.mod.layout, inst.vm
	am := m.m
	*u64At(vm + uintptr(l.MemoryOwner)) = 0
	inst.funcs = make([]*Function, 0, len(m.impFuncs))
	for t, id := range m.typeIDs {
		*u32At(vm + uintptr(l.TypeIDOffset(uint32(t)))) = id
	}
	for i, e := range ext {
		im := am.Imports[i]
		switch x := e.(type) {
		case *Function:
			if x.fast && x.argBytes > inst.argBytes {
				// The args buffer fits every signature of the module,
				// and x's is one of them (checkImport).
				return fmt.Errorf("internal error: import %q %q needs %d bytes of arguments, have %d", im.Module, im.Name, x.argBytes, inst.argBytes)
			}
			ref, err := x.funcRef()
			if err != nil {
				return err
			}
			*u64At(vm + uintptr(l.FuncRefOffset(uint32(len(inst.funcs))))) = uint64(ref)
			inst.funcs = append(inst.funcs, x)
			inst.depend(x.inst)
		case *Table:
			*u64At(vm + uintptr(l.TableOffset(uint32(len(inst.tables))))) = uint64(x.desc)
			inst.tables = append(inst.tables, x)
			inst.depend(x.owner)
		case *Memory:
			inst.memory = x
			inst.depend(x.inst)
		case *Global:
			*u64At(vm + uintptr(l.GlobalOffset(uint32(len(inst.globals))))) = uint64(x.cell)
			inst.globals = append(inst.globals, x)
			inst.depend(x.owner)
		default:
			return fmt.Errorf("import %q %q: unknown extern type %T", im.Module, im.Name, e)
		}
	}
	nimp := uint32(len(inst.funcs))
	for i, f := range am.Funcs {
		rec := vm + uintptr(m.refsOff) + uintptr(i)*abi.FuncRefSize
		r := (*abi.FuncRef)(ptrAt(rec))
		*r = abi.FuncRef{Code: m.text + uintptr(f.Offset), VMCtx: vm, TypeID: m.typeIDs[f.TypeIndex], Index: nimp + uint32(i)}
		*u64At(vm + uintptr(l.FuncRefOffset(nimp+uint32(i)))) = uint64(rec)
	}
	h := inst.ctx.Header()
	if len(am.Memories) > 0 {
		mt := am.Memories[0]
		maxp, err := m.rt.memoryMax(mt)
		if err != nil {
			return err
		}
		nm, err := m.rt.pool.AcquireImage(uint32(mt.Min), maxp, m.dataImage())
		if err != nil {
			return err
		}
		inst.memory = &Memory{typ: mt, mem: nm, owner: vm, inst: inst}
		inst.ownsMem = true
	}
	if mem := inst.memory; mem != nil {
		h.MemoryBase = mem.mem.Base()
		mem.lens = append(mem.lens, &h.MemoryLen)
		mem.sync()
		*u64At(vm + uintptr(l.MemoryOwner)) = uint64(mem.owner)
	}
	nglob := uint32(len(inst.globals))
	for i, g := range am.Globals {
		lo, hi, err := inst.eval(g.Init)
		if err != nil {
			return fmt.Errorf("global %d: %w", nglob+uint32(i), err)
		}
		cell := vm + uintptr(l.GlobalOffset(nglob+uint32(i)))
		*u64At(cell), *u64At(cell + 8) = lo, hi
	}
	ntab := uint32(len(inst.tables))
	for i, tt := range am.Tables {
		desc := vm + uintptr(m.descsOff) + uintptr(i)*abi.TableDescSize
		t := &Table{typ: tt, desc: desc, cap: m.elemsCap[i], ext: &extElems{}, owner: inst}
		d := t.d()
		limit := m.rt.cfg.TableLimitElems
		if tt.Min > uint64(limit) {
			return fmt.Errorf("table %d of %d elements exceeds the limit of %d elements", ntab+uint32(i), tt.Min, limit)
		}
		d.Elems, d.Len, d.Max = vm+uintptr(m.elemsOff[i]), 0, min(tableMax(tt), limit)
		if _, ok := t.grow(uint32(tt.Min), 0); !ok {
			return fmt.Errorf("table %d of %d elements: too large", ntab+uint32(i), tt.Min)
		}
		*u64At(vm + uintptr(l.TableOffset(ntab+uint32(i)))) = uint64(desc)
		inst.tables = append(inst.tables, t)
	}
	return nil
}

// globalCell is the address of global g's value.
func (inst *Instance) globalCell(g uint32) uintptr {
	if int(g) < len(inst.mod.impGlobals) {
		return inst.globals[g].cell
	}
	return inst.vm + uintptr(inst.mod.layout.GlobalOffset(g))
}

// funcRefAddr is the FuncRef record address of function f.
func (inst *Instance) funcRefAddr(f uint32) uint64 {
	return *u64At(inst.vm + uintptr(inst.mod.layout.FuncRefOffset(f)))
}

// eval runs a constant expression; v128 results use both words.
func (inst *Instance) eval(x artifact.ConstExpr) (lo, hi uint64, err error) {
	var buf [4][2]uint64 // most expressions are one operation
	stack := buf[:0]
	pop := func() uint64 {
		v := stack[len(stack)-1][0]
		stack = stack[:len(stack)-1]
		return v
	}
	for _, op := range x {
		switch op.Op {
		case artifact.OpI32Const, artifact.OpF32Const:
			stack = append(stack, [2]uint64{op.Imm & 0xffffffff})
		case artifact.OpI64Const, artifact.OpF64Const:
			stack = append(stack, [2]uint64{op.Imm})
		case artifact.OpV128Const:
			stack = append(stack, [2]uint64{op.Imm, op.Hi})
		case artifact.OpGlobalGet:
			cell := inst.globalCell(uint32(op.Imm))
			stack = append(stack, [2]uint64{*u64At(cell), *u64At(cell + 8)})
		case artifact.OpRefNull:
			stack = append(stack, [2]uint64{})
		case artifact.OpRefFunc:
			stack = append(stack, [2]uint64{inst.funcRefAddr(uint32(op.Imm))})
		default:
			if len(stack) < 2 {
				return 0, 0, fmt.Errorf("constant expression: operator %d needs two operands", op.Op)
			}
			b := pop()
			a := pop()
			var r uint64
			switch op.Op {
			case artifact.OpI32Add:
				r = uint64(uint32(a) + uint32(b))
			case artifact.OpI32Sub:
				r = uint64(uint32(a) - uint32(b))
			case artifact.OpI32Mul:
				r = uint64(uint32(a) * uint32(b))
			case artifact.OpI64Add:
				r = a + b
			case artifact.OpI64Sub:
				r = a - b
			case artifact.OpI64Mul:
				r = a * b
			default:
				return 0, 0, fmt.Errorf("not supported: constant expression operator %d", op.Op)
			}
			stack = append(stack, [2]uint64{r})
		}
	}
	if len(stack) != 1 {
		return 0, 0, fmt.Errorf("constant expression leaves %d values", len(stack))
	}
	return stack[0][0], stack[0][1], nil
}

// initSegments evaluates the element segments, then applies the active
// element and data segments in order, as the spec's instantiation does.
func (inst *Instance) initSegments() error {
	am := inst.mod.m
	// The memory maps the module's data image: the active data segments
	// are in it already (see dataImage).
	imaged := inst.ownsMem && inst.memory.mem.Image() != nil
	if inst.mod.wasm1 {
		if err := inst.checkSegmentsFit(!imaged); err != nil {
			return err
		}
	}
	inst.elems = make([][]uint64, len(am.Elems))
	for i, seg := range am.Elems {
		var refs []uint64
		if seg.UseExprs {
			refs = make([]uint64, len(seg.Exprs))
			for j, x := range seg.Exprs {
				v, _, err := inst.eval(x)
				if err != nil {
					return fmt.Errorf("element segment %d item %d: %w", i, j, err)
				}
				refs[j] = v
			}
		} else {
			refs = make([]uint64, len(seg.Funcs))
			for j, f := range seg.Funcs {
				refs[j] = inst.funcRefAddr(f)
			}
		}
		if seg.Mode == artifact.Passive {
			inst.elems[i] = refs
		}
		if seg.Mode != artifact.Active {
			continue
		}
		off, _, err := inst.eval(seg.Offset)
		if err != nil {
			return fmt.Errorf("element segment %d offset: %w", i, err)
		}
		t := inst.tables[seg.Table]
		if err := inst.tableInit(t, refs, uint32(off), 0, uint32(len(refs))); err != nil {
			return err
		}
		if t.owner != inst && inst.ownsRef(refs) {
			inst.foreign = append(inst.foreign, t)
		}
	}
	if imaged {
		inst.dataDropped, inst.dataShared = inst.mod.img.data.dropped, true
		return nil
	}
	inst.dataDropped = make([]bool, len(am.Datas))
	for i, seg := range am.Datas {
		if seg.Mode != artifact.Active {
			continue
		}
		inst.dataDropped[i] = true
		off, _, err := inst.eval(seg.Offset)
		if err != nil {
			return fmt.Errorf("data segment %d offset: %w", i, err)
		}
		if err := inst.memoryInit(inst.mod.segment(i), uint32(off), 0, seg.Size); err != nil {
			return err
		}
	}
	return nil
}

// checkSegmentsFit applies WebAssembly 1.0's instantiation rule, which modules built without the
// bulk-memory feature follow: every active segment must fit before any is written, and one that
// does not is a link error, not a trap (2.0 writes segments in order and traps at the first one
// that does not fit).
func (inst *Instance) checkSegmentsFit(datas bool) error {
	am := inst.mod.m
	for i, seg := range am.Elems {
		if seg.Mode != artifact.Active {
			continue
		}
		off, _, err := inst.eval(seg.Offset)
		if err != nil {
			return fmt.Errorf("element segment %d offset: %w", i, err)
		}
		n := len(seg.Funcs)
		if seg.UseExprs {
			n = len(seg.Exprs)
		}
		if uint64(uint32(off))+uint64(n) > uint64(inst.tables[seg.Table].Size()) {
			return fmt.Errorf("elements segment does not fit: segment %d at %d with %d elements, table size %d",
				i, uint32(off), n, inst.tables[seg.Table].Size())
		}
	}
	for i, seg := range am.Datas {
		if !datas {
			break
		}
		if seg.Mode != artifact.Active {
			continue
		}
		off, _, err := inst.eval(seg.Offset)
		if err != nil {
			return fmt.Errorf("data segment %d offset: %w", i, err)
		}
		size := uint64(0)
		if inst.memory != nil {
			size = uint64(len(inst.memory.Bytes()))
		}
		if uint64(uint32(off))+uint64(seg.Size) > size {
			return fmt.Errorf("data segment does not fit: segment %d at %d with %d bytes, memory size %d",
				i, uint32(off), seg.Size, size)
		}
	}
	return nil
}

// ownsRef reports whether refs holds a function of inst itself.
func (inst *Instance) ownsRef(refs []uint64) bool {
	for _, r := range refs {
		if r != 0 && (*abi.FuncRef)(ptrAt(uintptr(r))).VMCtx == inst.vm {
			return true
		}
	}
	return false
}

// segment is the bytes of data segment i.
func (m *Module) segment(i int) []byte {
	d := m.m.Datas[i]
	return m.rodata[d.RodataOffset : d.RodataOffset+d.Size]
}

// Module is the module inst was made from.
func (inst *Instance) Module() *Module { return inst.mod }

// Close releases the instance: its memory goes back to the pool and its
// vmctx to the module, once no other instance imports from it.
func (inst *Instance) Close() error {
	if inst.active.Load() != 0 {
		return errors.New("close: the instance is running a call")
	}
	if !inst.closed.CompareAndSwap(false, true) {
		return errors.New("instance closed twice")
	}
	return inst.unref()
}

// closeFailed closes an instance whose instantiation failed. If it already
// put its functions into imported tables, those tables keep it alive: the
// spec lets them be called. (A successful instance is kept alive by its
// owner instead, see the package doc.)
func (inst *Instance) closeFailed() {
	inst.closed.Store(true)
	for _, t := range inst.foreign {
		t.hold(inst)
	}
	inst.unref()
}

func (inst *Instance) unref() error {
	if inst.refs.Add(-1) != 0 {
		return nil
	}
	return inst.release()
}

// release frees everything the instance owns and drops its references.
func (inst *Instance) release() error {
	inst.closed.Store(true)
	unregisterInstance(inst)
	inst.unwatch()
	var err error
	if mem := inst.memory; mem != nil {
		mem.removeLen(&inst.ctx.Header().MemoryLen)
		if inst.ownsMem {
			err = mem.mem.Release()
		}
	}
	for _, t := range inst.tables {
		if t.owner == inst {
			t.release()
		}
	}
	err = errors.Join(err, inst.mod.recycle(inst.ctx, inst.trapped.Load()))
	for _, d := range inst.deps {
		err = errors.Join(err, d.unref())
	}
	inst.deps = nil
	return err
}

// instances finds an instance by its vmctx address, for call_ref. A plain
// map under a lock: every instantiation adds to it and every close removes
// from it, which a sync.Map pays for with an allocation each, while lookups
// (a call_ref into another instance) are rare.
var instances struct {
	mu sync.RWMutex
	m  map[uintptr]*Instance
}

func registerInstance(inst *Instance) {
	instances.mu.Lock()
	if instances.m == nil {
		instances.m = map[uintptr]*Instance{}
	}
	instances.m[inst.vm] = inst
	instances.mu.Unlock()
}

func unregisterInstance(inst *Instance) {
	instances.mu.Lock()
	if instances.m[inst.vm] == inst {
		delete(instances.m, inst.vm)
	}
	instances.mu.Unlock()
}

func instanceAt(vm uintptr) *Instance {
	instances.mu.RLock()
	defer instances.mu.RUnlock()
	return instances.m[vm]
}
