package artifact

import (
	"slices"
	"strconv"
)

const (
	maxMemoryPages = 1 << 16
	maxTableSize   = 1<<32 - 1
)

// validate checks that the metadata is consistent with itself and with the
// section sizes: every index in range, every code and data range inside its
// section, tables sorted. The writer runs it too, so it never produces an
// artifact the reader rejects.
func validate(a *Artifact, textSize, rodataSize uint64) error {
	v := validator{a: a, m: &a.Module}
	v.run(textSize, rodataSize)
	return v.err
}

// validateRead is validate for the readers, which leave the entries of the
// site tables to it: it decodes them into Code.Traps and Code.Calls, or, if
// lazy, keeps the checked tables encoded in Code. A large trap table is
// checked on another goroutine while the rest is; errors are reported in
// the order a sequential check would find them.
func validateRead(a *Artifact, textSize, rodataSize uint64, sites *metaSites, lazy bool) error {
	v := validator{a: a, m: &a.Module, pending: sites, lazy: lazy}
	var traps []Site
	var trapErr error
	done := make(chan struct{})
	parallel := sites.traps != nil && sites.traps.table.n >= parallelSites
	if parallel {
		// The scan needs only the function table, which it indexes with
		// bounds checks, so it may run before the rest is validated.
		vt := validator{a: a, m: &a.Module, nimp: uint64(a.Module.NumImportedFuncs())}
		vt.nfuncs = vt.nimp + uint64(len(a.Module.Funcs))
		go func() {
			defer close(done)
			traps = vt.scanSites(sites.traps, "trap sites", "trap table", !lazy)
			trapErr = vt.err
		}()
	} else {
		close(done)
	}
	v.run(textSize, rodataSize)
	runErr := v.err
	if !parallel {
		traps = v.scanSites(sites.traps, "trap sites", "trap table", !lazy)
		trapErr = v.err
	}
	calls := v.scanSites(sites.calls, "call sites", "call site table", !lazy)
	<-done
	switch {
	case runErr != nil:
		return runErr
	case trapErr != nil:
		return trapErr
	case v.err != nil:
		return v.err
	}
	if lazy {
		a.Code.traps, a.Code.calls = tableOf(sites.traps), tableOf(sites.calls)
	} else {
		a.Code.Traps, a.Code.Calls = traps, calls
	}
	return nil
}

// parallelSites is the size from which the trap table is checked on its own
// goroutine.
const parallelSites = 1 << 14

type validator struct {
	a       *Artifact
	m       *Module
	err     error
	nimp    uint64 // imported functions
	nfuncs  uint64 // all functions
	tables  []TableType
	mems    []MemoryType
	globals []GlobalType
	pending *metaSites // encoded site tables, from a reader
	lazy    bool
}

// where names the thing being checked. It is a value so that describing it
// costs nothing unless a check fails.
type where struct {
	kind      string
	idx       int64 // -1: none
	mod, name string
	suffix    string
	item      int64 // -1: none
}

func at(kind string, idx int) where { return where{kind: kind, idx: int64(idx), item: -1} }

func (w where) String() string {
	s := w.kind
	if w.idx >= 0 {
		s += " " + strconv.FormatInt(w.idx, 10)
	}
	switch {
	case w.mod != "":
		s += " (" + w.mod + "." + w.name + ")"
	case w.name != "":
		s += " (" + w.name + ")"
	}
	s += w.suffix
	if w.item >= 0 {
		s += " item " + strconv.FormatInt(w.item, 10)
	}
	return s
}

func (w where) with(suffix string) where { w.suffix = suffix; return w }

func (v *validator) fail(format string, args ...any) {
	if v.err == nil {
		v.err = errf(ErrMalformed, format, args...)
	}
}

func validType(t ValType) bool {
	switch t {
	case I32, I64, F32, F64, V128, FuncRef, ExternRef:
		return true
	}
	return false
}

func refType(t ValType) bool { return t == FuncRef || t == ExternRef }

func (v *validator) limits(l Limits, max uint64, what where) {
	if l.Min > max {
		v.fail("%s minimum %d exceeds %d", what, l.Min, max)
	}
	if l.HasMax && l.Max > max {
		v.fail("%s maximum %d exceeds %d", what, l.Max, max)
	}
	if l.HasMax && l.Min > l.Max {
		v.fail("%s minimum %d exceeds its maximum %d", what, l.Min, l.Max)
	}
	if !l.HasMax && l.Max != 0 {
		v.fail("%s has a maximum %d but no has-max flag", what, l.Max)
	}
}

func (v *validator) memory(mt MemoryType, what where) {
	v.limits(mt.Limits, maxMemoryPages, what)
	if mt.Shared && !mt.HasMax {
		v.fail("%s is shared but has no maximum", what)
	}
	v.mems = append(v.mems, mt)
}

func (v *validator) table(t TableType, what where) {
	if !refType(t.Elem) {
		v.fail("%s element type %v is not a reference type", what, t.Elem)
	}
	v.limits(t.Limits, maxTableSize, what)
	v.tables = append(v.tables, t)
}

// expr type-checks a constant expression producing want. Globals visible to
// it are those in v.globals so far.
func (v *validator) expr(x ConstExpr, want ValType, what where) {
	if v.err != nil {
		return
	}
	var buf [4]ValType // most expressions are one operation
	stack := buf[:0]
	pop2 := func(t ValType, op ConstOpcode) {
		n := len(stack)
		if n < 2 || stack[n-1] != t || stack[n-2] != t {
			v.fail("%s: operation %d needs two %v operands, has %v", what, op, t, slices.Clone(stack))
			return
		}
		stack = stack[:n-1]
	}
	for _, op := range x {
		if op.Hi != 0 && op.Op != OpV128Const || op.Imm != 0 && op.Op >= OpI32Add {
			v.fail("%s: operation %d has a stray immediate", what, op.Op)
			return
		}
		switch op.Op {
		case OpI32Const, OpF32Const:
			if op.Imm > 1<<32-1 {
				v.fail("%s: 32-bit constant %#x out of range", what, op.Imm)
			}
			t := I32
			if op.Op == OpF32Const {
				t = F32
			}
			stack = append(stack, t)
		case OpI64Const:
			stack = append(stack, I64)
		case OpF64Const:
			stack = append(stack, F64)
		case OpV128Const:
			stack = append(stack, V128)
		case OpGlobalGet:
			if op.Imm >= uint64(len(v.globals)) {
				v.fail("%s: global.get %d out of range (%d globals visible)", what, op.Imm, len(v.globals))
				return
			}
			g := v.globals[op.Imm]
			if g.Mutable {
				v.fail("%s: global.get %d of a mutable global", what, op.Imm)
			}
			stack = append(stack, g.Type)
		case OpRefNull:
			if op.Imm > 0xff || !refType(ValType(op.Imm)) {
				v.fail("%s: ref.null of non-reference type %#x", what, op.Imm)
			}
			stack = append(stack, ValType(op.Imm))
		case OpRefFunc:
			if op.Imm >= v.nfuncs {
				v.fail("%s: ref.func %d out of range (%d functions)", what, op.Imm, v.nfuncs)
			}
			stack = append(stack, FuncRef)
		case OpI32Add, OpI32Sub, OpI32Mul:
			pop2(I32, op.Op)
		case OpI64Add, OpI64Sub, OpI64Mul:
			pop2(I64, op.Op)
		default:
			v.fail("%s: unknown opcode %d", what, op.Op)
		}
		if v.err != nil {
			return
		}
	}
	if len(stack) != 1 || stack[0] != want {
		v.fail("%s: produces %v, want one %v", what, slices.Clone(stack), want)
	}
}

func (v *validator) funcType(idx uint32, what where) *FuncType {
	if uint64(idx) >= uint64(len(v.m.Types)) {
		v.fail("%s type index %d out of range (%d types)", what, idx, len(v.m.Types))
		return nil
	}
	return &v.m.Types[idx]
}

// codeRange checks [off, off+size) lies inside .text.
func (v *validator) codeRange(off, size uint32, textSize uint64, what where) {
	if end := uint64(off) + uint64(size); end > textSize {
		v.fail("%s code range [%#x,%#x) outside .text (size %#x)", what, off, end, textSize)
	}
}

func (v *validator) run(textSize, rodataSize uint64) {
	a, m := v.a, v.m
	h := &a.Header
	if h.Arch != ArchAMD64 && h.Arch != ArchARM64 {
		v.fail("unknown target arch %d", h.Arch)
		return
	}
	if extra := h.Features &^ h.Arch.Known(); extra != 0 {
		v.fail("CPU feature bits %#x are not defined for %v", uint64(extra), h.Arch)
	}
	if textSize > 1<<32-1 || rodataSize > 1<<32-1 {
		v.fail(".text (%d bytes) or .rodata (%d bytes) exceeds 4 GiB", textSize, rodataSize)
	}

	for i, t := range m.Types {
		for _, vt := range t.Params {
			if !validType(vt) {
				v.fail("type %d: unknown parameter type %v", i, vt)
			}
		}
		for _, vt := range t.Results {
			if !validType(vt) {
				v.fail("type %d: unknown result type %v", i, vt)
			}
		}
	}
	for i, im := range m.Imports {
		what := at("import", i)
		what.mod, what.name = im.Module, im.Name
		zero := Import{Module: im.Module, Name: im.Name, Kind: im.Kind}
		switch im.Kind {
		case KindFunc:
			v.funcType(im.TypeIndex, what)
			zero.TypeIndex = im.TypeIndex
			v.nimp++
		case KindTable:
			v.table(im.Table, what)
			zero.Table = im.Table
		case KindMemory:
			v.memory(im.Memory, what)
			zero.Memory = im.Memory
		case KindGlobal:
			if !validType(im.Global.Type) {
				v.fail("%s: unknown value type %v", what, im.Global.Type)
			}
			v.globals = append(v.globals, im.Global)
			zero.Global = im.Global
		default:
			v.fail("%s: unknown kind %d", what, im.Kind)
		}
		if im != zero {
			v.fail("%s: fields set that do not belong to its kind", what)
		}
	}
	v.nfuncs = v.nimp + uint64(len(m.Funcs))

	end := uint64(0)
	for i, f := range m.Funcs {
		what := at("function", int(v.nimp)+i)
		v.funcType(f.TypeIndex, what)
		v.codeRange(f.Offset, f.Size, textSize, what)
		if f.Size == 0 {
			v.fail("%s has no code", what)
		}
		if uint64(f.Offset) < end {
			v.fail("%s code at %#x overlaps or precedes the previous function (ends at %#x)", what, f.Offset, end)
		}
		end = uint64(f.Offset) + uint64(f.Size)
	}
	for _, t := range m.Tables {
		v.table(t, at("table", len(v.tables)))
	}
	for _, mt := range m.Memories {
		v.memory(mt, at("memory", len(v.mems)))
	}
	for i, g := range m.Globals {
		what := at("global", len(v.globals))
		if !validType(g.Type.Type) {
			v.fail("%s: unknown value type %v", what, g.Type.Type)
		}
		v.expr(g.Init, g.Type.Type, what.with(" initializer"))
		v.globals = append(v.globals, m.Globals[i].Type)
	}
	if v.err != nil {
		return
	}

	names := make(map[string]struct{}, len(m.Exports))
	for i, x := range m.Exports {
		var n uint64
		var space string
		switch x.Kind {
		case KindFunc:
			n, space = v.nfuncs, "functions"
		case KindTable:
			n, space = uint64(len(v.tables)), "tables"
		case KindMemory:
			n, space = uint64(len(v.mems)), "memories"
		case KindGlobal:
			n, space = uint64(len(v.globals)), "globals"
		default:
			v.fail("export %d (%q): unknown kind %d", i, x.Name, x.Kind)
			continue
		}
		if uint64(x.Index) >= n {
			v.fail("export %d (%q): index %d out of range (%d %s)", i, x.Name, x.Index, n, space)
		}
		if _, dup := names[x.Name]; dup {
			v.fail("export %d: duplicate name %q", i, x.Name)
		}
		names[x.Name] = struct{}{}
	}
	if m.HasStart {
		if uint64(m.Start) >= v.nfuncs {
			v.fail("start function %d out of range (%d functions)", m.Start, v.nfuncs)
		} else if t := v.funcType(v.typeOf(m.Start), at("start function", -1)); t != nil && (len(t.Params) != 0 || len(t.Results) != 0) {
			v.fail("start function %d takes or returns values", m.Start)
		}
	} else if m.Start != 0 {
		v.fail("start function %d set without the has-start flag", m.Start)
	}

	for i, s := range m.Elems {
		what := at("element segment", i)
		v.segmentMode(s.Mode, Declarative, s.Offset, what)
		if s.Mode == Active {
			if uint64(s.Table) >= uint64(len(v.tables)) {
				v.fail("%s: table %d out of range (%d tables)", what, s.Table, len(v.tables))
			} else if v.tables[s.Table].Elem != s.Type {
				v.fail("%s: type %v does not match table %d of %v", what, s.Type, s.Table, v.tables[s.Table].Elem)
			}
			v.expr(s.Offset, I32, what.with(" offset"))
		} else if s.Table != 0 {
			v.fail("%s: table index set on a non-active segment", what)
		}
		if !refType(s.Type) {
			v.fail("%s: element type %v is not a reference type", what, s.Type)
		}
		if s.UseExprs {
			if s.Funcs != nil {
				v.fail("%s: both function indices and expressions", what)
			}
			for j, x := range s.Exprs {
				w := what
				w.item = int64(j)
				v.expr(x, s.Type, w)
			}
		} else {
			if s.Exprs != nil {
				v.fail("%s: both function indices and expressions", what)
			}
			if s.Type != FuncRef && len(s.Funcs) > 0 {
				v.fail("%s: function indices in a segment of type %v", what, s.Type)
			}
			for j, f := range s.Funcs {
				if uint64(f) >= v.nfuncs {
					v.fail("%s item %d: function %d out of range (%d functions)", what, j, f, v.nfuncs)
					break
				}
			}
		}
	}
	for i, s := range m.Datas {
		what := at("data segment", i)
		v.segmentMode(s.Mode, Passive, s.Offset, what)
		if s.Mode == Active {
			if uint64(s.Memory) >= uint64(len(v.mems)) {
				v.fail("%s: memory %d out of range (%d memories)", what, s.Memory, len(v.mems))
			}
			v.expr(s.Offset, I32, what.with(" offset"))
		} else if s.Memory != 0 {
			v.fail("%s: memory index set on a passive segment", what)
		}
		if end := uint64(s.RodataOffset) + uint64(s.Size); end > rodataSize {
			v.fail("%s: bytes [%#x,%#x) outside .rodata (size %#x)", what, s.RodataOffset, end, rodataSize)
		}
	}
	for i, n := range m.FuncNames {
		if uint64(n.Index) >= v.nfuncs {
			v.fail("function name %d: function %d out of range (%d functions)", i, n.Index, v.nfuncs)
			break
		}
		if i > 0 && n.Index <= m.FuncNames[i-1].Index {
			v.fail("function names not sorted: function %d after %d", n.Index, m.FuncNames[i-1].Index)
			break
		}
	}
	v.code(textSize)
}

func (v *validator) segmentMode(mode, last SegmentMode, off ConstExpr, what where) {
	if mode > last {
		v.fail("%s: unknown mode %d", what, mode)
	}
	if mode != Active && off != nil {
		v.fail("%s: offset expression on a non-active segment", what)
	}
}

// typeOf returns the type index of function f, which must be in range.
func (v *validator) typeOf(f uint32) uint32 {
	if uint64(f) >= v.nimp {
		return v.m.Funcs[uint64(f)-v.nimp].TypeIndex
	}
	for _, im := range v.m.Imports {
		if im.Kind == KindFunc {
			if f == 0 {
				return im.TypeIndex
			}
			f--
		}
	}
	return 0
}

func (v *validator) code(textSize uint64) {
	c := &v.a.Code
	if len(c.EntryStubs) != 0 && len(c.EntryStubs) != len(v.m.Types) {
		v.fail("%d entry stubs for %d types", len(c.EntryStubs), len(v.m.Types))
	}
	for i, o := range c.EntryStubs {
		if o != NoStub && uint64(o) >= textSize {
			v.fail("entry stub for type %d at %#x outside .text (size %#x)", i, o, textSize)
			break
		}
	}
	for i, s := range c.Stubs {
		if s.Name == "" {
			v.fail("stub %d has no name", i)
		}
		what := at("stub", i)
		what.name = s.Name
		v.codeRange(s.Offset, s.Size, textSize, what)
	}
	if v.pending != nil {
		return // validateRead checks the encoded tables
	}
	v.sites(c.Traps, "trap table")
	v.sites(c.Calls, "call site table")
}

func tableOf(c *siteChunk) *encodedSites {
	if c == nil || c.table.n == 0 {
		return nil
	}
	return &c.table
}

func (v *validator) sites(s []Site, what string) {
	isTraps := what == "trap table"
	for i, t := range s {
		var prev uint32
		if i > 0 {
			prev = s[i-1].Offset
		}
		if !v.site(t, i, i > 0, prev, isTraps, what) {
			return
		}
	}
}

// site checks entry i of a site table; prev is the previous entry's offset
// when hasPrev.
func (v *validator) site(t Site, i int, hasPrev bool, prev uint32, isTraps bool, what string) bool {
	if hasPrev && t.Offset <= prev {
		v.fail("%s not sorted: entry %d at %#x follows %#x", what, i, t.Offset, prev)
		return false
	}
	if isTraps && !t.Kind.IsWasm() {
		v.fail("%s entry %d: unknown trap kind %d", what, i, t.Kind)
		return false
	}
	if !isTraps && t.Kind != 0 {
		v.fail("%s entry %d: call site with trap kind %d", what, i, t.Kind)
		return false
	}
	if uint64(t.Func) < v.nimp || uint64(t.Func) >= v.nfuncs {
		v.fail("%s entry %d: function %d is not a defined function [%d,%d)", what, i, t.Func, v.nimp, v.nfuncs)
		return false
	}
	f := v.m.Funcs[uint64(t.Func)-v.nimp]
	if t.Offset < f.Offset || uint64(t.Offset) >= uint64(f.Offset)+uint64(f.Size) {
		v.fail("%s entry %d: offset %#x outside function %d code [%#x,%#x)", what, i, t.Offset, t.Func, f.Offset, uint64(f.Offset)+uint64(f.Size))
		return false
	}
	return true
}
