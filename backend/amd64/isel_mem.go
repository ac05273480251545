package amd64

import (
	"math"
	"math/bits"

	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// access describes a load or store: the machine op, its operand size, and
// whether the value lives in an XMM register.
type access struct {
	op    Op
	size  uint8
	store bool
}

var accesses = map[ssa.Op]access{
	ssa.OpI32Load:    {OpMov, 4, false},
	ssa.OpI64Load:    {OpMov, 8, false},
	ssa.OpF32Load:    {OpMovss, 0, false},
	ssa.OpF64Load:    {OpMovsd, 0, false},
	ssa.OpI32Load8S:  {OpMovsx8, 4, false},
	ssa.OpI32Load8U:  {OpMovzx8, 4, false},
	ssa.OpI32Load16S: {OpMovsx16, 4, false},
	ssa.OpI32Load16U: {OpMovzx16, 4, false},
	ssa.OpI64Load8S:  {OpMovsx8, 8, false},
	ssa.OpI64Load8U:  {OpMovzx8, 4, false},
	ssa.OpI64Load16S: {OpMovsx16, 8, false},
	ssa.OpI64Load16U: {OpMovzx16, 4, false},
	ssa.OpI64Load32S: {OpMovsx32, 8, false},
	ssa.OpI64Load32U: {OpMov, 4, false},
	ssa.OpI32Store:   {OpStore, 4, true},
	ssa.OpI64Store:   {OpStore, 8, true},
	ssa.OpF32Store:   {OpStoress, 0, true},
	ssa.OpF64Store:   {OpStoresd, 0, true},
	ssa.OpI32Store8:  {OpStore, 1, true},
	ssa.OpI32Store16: {OpStore, 2, true},
	ssa.OpI64Store8:  {OpStore, 1, true},
	ssa.OpI64Store16: {OpStore, 2, true},
	ssa.OpI64Store32: {OpStore, 4, true},
}

// vmctx returns [r15+off].
func vmctx(off uint32) Operand { return M(Base(VMCtx, int32(off))) }

// load8 loads a pointer-sized field.
func (s *isel) load8(src Operand) Reg {
	r := s.tmp(false)
	s.emit(Instr{Op: OpMov, Size: 8, Dst: R(r), Src: [3]Operand{src}})
	return r
}

// address returns the memory operand of linear memory 0 at base + offset.
func (s *isel) address(v *ssa.Value) Mem {
	if v.MemIndex() != 0 {
		s.notSupported(v.Pos, "multiple memories")
	}
	s.memoryBase()
	off := v.Offset()
	if c, ok := s.constOf(v.Args[0]); ok {
		if ea := uint64(uint32(c)) + off; ea < 1<<31 {
			return Base(s.membase, int32(ea))
		}
	}
	if s.fused[v.Args[0]] {
		// add(a, c) that cannot wrap (fuseAddresses): c joins the
		// offset, and a shift of a can be the index scale.
		a, c, _ := s.addParts(v.Args[0])
		m := Mem{Base: s.membase, Index: NoReg, Scale: 1, Disp: int32(off + uint64(uint32(c)))}
		if sh := s.f.Value(a); s.fused[a] {
			m.Index, m.Scale = s.use(sh.Args[0]), s.scaleShift(sh)
		} else {
			m.Index = s.use(a)
		}
		return m
	}
	idx := s.use(v.Args[0])
	if off < 1<<31 {
		return Mem{Base: s.membase, Index: idx, Scale: 1, Disp: int32(off)}
	}
	t := s.tmp(false)
	size := uint8(8)
	if off <= math.MaxUint32 {
		size = 4 // zero-extends, and is shorter
	}
	s.emit(Instr{Op: OpMov, Size: size, Dst: R(t), Src: [3]Operand{Imm(int64(off))}})
	t2 := s.tmp(false)
	s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(t2), Src: [3]Operand{R(t), R(idx)}})
	return Mem{Base: s.membase, Index: t2, Scale: 1}
}

// slot returns the args buffer slot i through the buffer address in p.
func slot(p Reg, i int) Operand { return M(Base(p, int32(i*abi.ArgSlotSize))) }

func (s *isel) memValue(v *ssa.Value) bool {
	if a, ok := accesses[v.Op]; ok {
		m := s.address(v)
		if a.store {
			val := s.f.Value(v.Args[1])
			src := R(0)
			if c, ok := s.constOf(v.Args[1]); ok && !isFloatType(val.Type) && (a.size < 8 || c == int64(int32(c))) {
				switch a.size {
				case 1:
					src = Imm(int64(int8(c)))
				case 2:
					src = Imm(int64(int16(c)))
				default:
					src = Imm(int64(int32(c)))
				}
			} else {
				src = R(s.use(v.Args[1]))
			}
			s.emit(Instr{Op: a.op, Size: a.size, Dst: M(m), Src: [3]Operand{src}, Pos: v.Pos})
		} else {
			s.emit(Instr{Op: a.op, Size: a.size, Dst: R(s.vr(v.ID)), Src: [3]Operand{M(m)}, Pos: v.Pos})
		}
		return true
	}
	switch v.Op {
	case ssa.OpMemorySize:
		owner := s.load8(vmctx(s.mi.Layout.MemoryOwner))
		n := s.load8(M(Base(owner, abi.VMCtxMemoryLen)))
		s.emit(Instr{Op: OpShr, Size: 8, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(n), Imm(16)}})
	case ssa.OpMemoryGrow:
		s.builtin(v, abi.BuiltinMemoryGrow, nil, v.Args)
	case ssa.OpMemoryFill:
		s.memoryFill(v)
	case ssa.OpMemoryCopy:
		s.memoryCopy(v)
	case ssa.OpMemoryInit:
		s.builtin(v, abi.BuiltinMemoryInit, []int64{v.Aux}, v.Args)
	case ssa.OpDataDrop:
		s.builtin(v, abi.BuiltinDataDrop, []int64{v.Aux}, nil)
	case ssa.OpTableGrow:
		s.builtin(v, abi.BuiltinTableGrow, []int64{v.Aux}, v.Args)
	case ssa.OpTableFill:
		s.builtin(v, abi.BuiltinTableFill, []int64{v.Aux}, v.Args)
	case ssa.OpTableCopy:
		s.builtin(v, abi.BuiltinTableCopy, []int64{v.Aux, v.Aux2}, v.Args)
	case ssa.OpTableInit:
		s.builtin(v, abi.BuiltinTableInit, []int64{v.Aux2, v.Aux}, v.Args)
	case ssa.OpElemDrop:
		s.builtin(v, abi.BuiltinElemDrop, []int64{v.Aux}, nil)
	case ssa.OpGlobalGet, ssa.OpGlobalSet:
		s.global(v)
	case ssa.OpTableSize:
		desc := s.load8(vmctx(s.mi.Layout.TableOffset(uint32(v.Aux))))
		s.emit(Instr{Op: OpMov, Size: 4, Dst: R(s.vr(v.ID)), Src: [3]Operand{M(Base(desc, abi.TableDescLen))}})
	case ssa.OpTableGet, ssa.OpTableSet:
		elem := s.tableElem(uint32(v.Aux), v.Args[0], v.Pos)
		if v.Op == ssa.OpTableGet {
			s.emit(Instr{Op: OpMov, Size: 8, Dst: R(s.vr(v.ID)), Src: [3]Operand{elem}})
		} else {
			s.emit(Instr{Op: OpStore, Size: 8, Dst: elem, Src: [3]Operand{s.src(v.Args[1], 8)}})
		}
	case ssa.OpRefFunc:
		s.emit(Instr{Op: OpMov, Size: 8, Dst: R(s.vr(v.ID)), Src: [3]Operand{vmctx(s.mi.Layout.FuncRefOffset(uint32(v.Aux)))}})
	case ssa.OpCall:
		s.call(v)
	case ssa.OpCallImport:
		s.callImport(v)
	case ssa.OpCallIndirect:
		s.callIndirect(v)
	default:
		return false
	}
	return true
}

// tableElem bounds-checks index id against table t and returns the
// element's memory operand.
func (s *isel) tableElem(t uint32, id ssa.ID, pos int32) Operand {
	desc := s.load8(vmctx(s.mi.Layout.TableOffset(t)))
	idx := s.use(id)
	s.emit(Instr{Op: OpCmp, Size: 4, Src: [3]Operand{R(idx), M(Base(desc, abi.TableDescLen))}})
	s.trapIf(CondAE, trap.TableOutOfBounds, pos)
	elems := s.load8(M(Base(desc, abi.TableDescElems)))
	return M(Mem{Base: elems, Index: idx, Scale: 8})
}

func (s *isel) global(v *ssa.Value) {
	g := uint32(v.Aux)
	if int(g) >= len(s.mi.GlobalImported) {
		s.fail(v.Pos, "amd64: unknown global %d", g)
	}
	cell := vmctx(s.mi.Layout.GlobalOffset(g))
	if s.mi.GlobalImported[g] {
		cell = M(Base(s.load8(cell), 0))
	}
	t := v.Type
	if v.Op == ssa.OpGlobalSet {
		t = s.f.Value(v.Args[0]).Type
	}
	if v.Op == ssa.OpGlobalGet {
		s.loadTyped(s.vr(v.ID), t, cell)
		return
	}
	s.storeTyped(cell, t, v.Args[0])
}

func (s *isel) loadTyped(dst Reg, t ssa.Type, src Operand) {
	switch t {
	case ssa.TypeV128:
		s.emit(Instr{Op: OpMovups, Dst: R(dst), Src: [3]Operand{src}})
	case ssa.TypeF32:
		s.emit(Instr{Op: OpMovss, Dst: R(dst), Src: [3]Operand{src}})
	case ssa.TypeF64:
		s.emit(Instr{Op: OpMovsd, Dst: R(dst), Src: [3]Operand{src}})
	case ssa.TypeI32:
		s.emit(Instr{Op: OpMov, Size: 4, Dst: R(dst), Src: [3]Operand{src}})
	default:
		s.emit(Instr{Op: OpMov, Size: 8, Dst: R(dst), Src: [3]Operand{src}})
	}
}

func (s *isel) storeTyped(dst Operand, t ssa.Type, id ssa.ID) {
	switch t {
	case ssa.TypeV128:
		s.emit(Instr{Op: OpStoreups, Dst: dst, Src: [3]Operand{R(s.use(id))}})
	case ssa.TypeF32:
		s.emit(Instr{Op: OpStoress, Dst: dst, Src: [3]Operand{R(s.use(id))}})
	case ssa.TypeF64:
		s.emit(Instr{Op: OpStoresd, Dst: dst, Src: [3]Operand{R(s.use(id))}})
	case ssa.TypeI32:
		s.emit(Instr{Op: OpStore, Size: 4, Dst: dst, Src: [3]Operand{s.src(id, 4)}})
	default:
		s.emit(Instr{Op: OpStore, Size: 8, Dst: dst, Src: [3]Operand{s.src(id, 8)}})
	}
}

// builtin leaves through the host-call exit to a runtime builtin with
// the immediates, then the values, in the args buffer slots.
func (s *isel) builtin(v *ssa.Value, b abi.Builtin, imms []int64, args []ssa.ID) {
	if v.Op == ssa.OpMemoryCopy && (v.Aux != 0 || v.Aux2 != 0) || v.Op == ssa.OpMemoryInit && v.Aux2 != 0 {
		s.notSupported(v.Pos, "multiple memories")
	}
	p := s.load8(vmctx(abi.VMCtxArgs))
	for i, k := range imms {
		s.emit(Instr{Op: OpStore, Size: 8, Dst: slot(p, i), Src: [3]Operand{Imm(k)}})
	}
	for i, a := range args {
		t := s.f.Value(a).Type
		if t != ssa.TypeI32 {
			s.storeTyped(slot(p, len(imms)+i), t, a)
			continue
		}
		// Slots hold i32 operands zero-extended.
		src := R(0)
		if c, ok := s.constOf(a); ok && uint32(c) < 1<<31 {
			src = Imm(int64(uint32(c)))
		} else {
			src = R(s.use(a))
		}
		s.emit(Instr{Op: OpStore, Size: 8, Dst: slot(p, len(imms)+i), Src: [3]Operand{src}})
	}
	s.emit(Instr{Op: OpExit, Trap: abi.BuiltinBase + uint32(b), Pos: v.Pos})
	if v.Type != ssa.TypeVoid {
		p := s.load8(vmctx(abi.VMCtxArgs))
		s.loadTyped(s.vr(v.ID), v.Type, slot(p, 0))
	}
}

// results returns the registers for a call's results.
func (s *isel) results(v *ssa.Value, sig *ssa.Signature) []Reg {
	switch len(sig.Results) {
	case 0:
		return nil
	case 1:
		return []Reg{s.vr(v.ID)}
	}
	rets := make([]Reg, len(sig.Results))
	for i, t := range sig.Results {
		rets[i] = s.tmp(isFloatType(t))
	}
	s.tuples[v.ID] = rets
	return rets
}

func (s *isel) sig(v *ssa.Value) *ssa.Signature {
	if int(v.Aux2) >= len(s.f.Sigs) || v.Aux2 < 0 {
		s.fail(v.Pos, "amd64: unknown signature %d", v.Aux2)
	}
	sig := &s.f.Sigs[v.Aux2]
	return sig
}

func (s *isel) argRegs(args []ssa.ID) []Reg {
	regs := make([]Reg, len(args))
	for i, a := range args {
		regs[i] = s.use(a)
	}
	return regs
}

func (s *isel) call(v *ssa.Value) {
	sig := s.sig(v)
	args, rets, after := s.callSeq(sig, s.argRegs(v.Args), s.results(v, sig))
	s.emit(Instr{Op: OpCall, Func: int32(v.Aux), Args: s.out.RegList(args), Rets: s.out.RegList(rets), Pos: v.Pos})
	after()
}

// callImport passes the arguments and results of an imported function
// through the args buffer around a host-call exit.
func (s *isel) callImport(v *ssa.Value) {
	sig := s.sig(v)
	s.exitCall(v, uint32(v.Aux), nil, v.Args, sig)
}

func (s *isel) exitCall(v *ssa.Value, arg uint32, ref []Reg, args []ssa.ID, sig *ssa.Signature) []Reg {
	p := s.load8(vmctx(abi.VMCtxArgs))
	n := 0
	for _, r := range ref {
		s.emit(Instr{Op: OpStore, Size: 8, Dst: slot(p, n), Src: [3]Operand{R(r)}})
		n++
	}
	for _, a := range args {
		s.storeTyped(slot(p, n), s.f.Value(a).Type, a)
		n++
	}
	s.emit(Instr{Op: OpExit, Trap: arg, Pos: v.Pos})
	rets := s.results(v, sig)
	if len(rets) > 0 {
		p := s.load8(vmctx(abi.VMCtxArgs))
		for i, t := range sig.Results {
			s.loadTyped(rets[i], t, slot(p, i))
		}
	}
	return rets
}

// callIndirect checks the table element and its signature as docs/abi.md
// shows, then calls it directly when it belongs to this instance and
// through the call_ref builtin otherwise.
func (s *isel) callIndirect(v *ssa.Value) {
	sig := s.sig(v)
	elem := s.tableElem(v.TableIndex(), v.Args[0], v.Pos)
	ref := s.tmp(false)
	s.emit(Instr{Op: OpMov, Size: 8, Dst: R(ref), Src: [3]Operand{elem}})
	s.emit(Instr{Op: OpTest, Size: 8, Src: [3]Operand{R(ref), R(ref)}})
	s.trapIf(CondE, trap.UninitializedElement, v.Pos)
	tid := s.tmp(false)
	s.emit(Instr{Op: OpMov, Size: 4, Dst: R(tid), Src: [3]Operand{M(Base(ref, abi.FuncRefTypeID))}})
	s.emit(Instr{Op: OpCmp, Size: 4, Src: [3]Operand{R(tid), vmctx(s.mi.Layout.TypeIDOffset(v.TypeIndex()))}})
	s.trapIf(CondNE, trap.IndirectCallTypeMismatch, v.Pos)
	other := s.coldBlock()
	s.emit(Instr{Op: OpCmp, Size: 8, Src: [3]Operand{M(Base(ref, abi.FuncRefVMCtx)), R(VMCtx)}})
	s.branch(CondNE, other)
	args := v.Args[1:]
	rets := s.results(v, sig)
	callArgs, callRets, after := s.callSeq(sig, s.argRegs(args), rets)
	s.emit(Instr{Op: OpCall, Func: -1, Src: [3]Operand{M(Base(ref, abi.FuncRefCode))}, Args: s.out.RegList(callArgs), Rets: s.out.RegList(callRets), Pos: v.Pos})
	after()
	join := s.inline()
	s.jmp(join)

	s.switchTo(other)
	// The loader sizes the args buffer for every type of the module with
	// one slot more than its params, so call_ref's operands fit.
	p := s.load8(vmctx(abi.VMCtxArgs))
	s.emit(Instr{Op: OpStore, Size: 8, Dst: slot(p, 0), Src: [3]Operand{R(ref)}})
	for i, a := range args {
		s.storeTyped(slot(p, i+1), s.f.Value(a).Type, a)
	}
	s.emit(Instr{Op: OpExit, Trap: abi.BuiltinBase + uint32(abi.BuiltinCallRef), Pos: v.Pos})
	if len(rets) > 0 {
		p := s.load8(vmctx(abi.VMCtxArgs))
		for i, t := range sig.Results {
			s.loadTyped(rets[i], t, slot(p, i))
		}
	}
	s.jmp(join)
	s.switchTo(join)
}

// memoryEnd checks that [at, at+n) lies inside linear memory 0, trapping
// otherwise. at and n are zero-extended i32s, so their 64-bit sum cannot
// wrap.
func (s *isel) memoryEnd(at, n, size Reg, pos int32) {
	end := s.tmp(false)
	s.emit(Instr{Op: OpLea, Size: 8, Dst: R(end), Src: [3]Operand{M(Mem{Base: at, Index: n, Scale: 1})}})
	s.emit(Instr{Op: OpCmp, Size: 8, Src: [3]Operand{R(end), R(size)}})
	s.trapIf(CondA, trap.MemoryOutOfBounds, pos)
}

// memorySizeBytes loads the current byte length of memory 0.
func (s *isel) memorySizeBytes() Reg {
	owner := s.load8(vmctx(s.mi.Layout.MemoryOwner))
	return s.load8(M(Base(owner, abi.VMCtxMemoryLen)))
}

// memoryBase returns a register holding the base of memory 0.
func (s *isel) memoryBase() Reg {
	if s.membase == NoReg {
		s.membase = s.tmp(false)
	}
	return s.membase
}

// memoryCopy inlines memory.copy: both ranges are checked before anything
// is written (a trap copies nothing). Up to 32 bytes move as two
// overlapping loads and two stores, all loads first, which is right for
// overlapping ranges too; longer copies use rep movsb, forwards, or
// backwards when the destination starts inside the source.
func (s *isel) memoryCopy(v *ssa.Value) {
	if v.Aux != 0 || v.Aux2 != 0 {
		s.notSupported(v.Pos, "multiple memories")
	}
	d, src, n := s.use(v.Args[0]), s.use(v.Args[1]), s.use(v.Args[2])
	size := s.memorySizeBytes()
	s.memoryEnd(d, n, size, v.Pos)
	s.memoryEnd(src, n, size, v.Pos)
	base := s.memoryBase()
	da, sa := s.lea(base, d, 0), s.lea(base, src, 0)
	join := s.smallSizes(n, 32, func(w int) { s.copyTwo(da, sa, n, w) }, func(join int32) {
		// d-src (unsigned) < n exactly when the destination starts
		// inside the source, where a forward copy would read bytes it
		// has already written.
		diff := s.tmp(false)
		s.emit(Instr{Op: OpMov, Size: 8, Dst: R(diff), Src: [3]Operand{R(d)}})
		s.emit(Instr{Op: OpSub, Size: 8, Dst: R(diff), Src: [3]Operand{R(diff), R(src)}})
		s.emit(Instr{Op: OpCmp, Size: 8, Src: [3]Operand{R(diff), R(n)}})
		back := s.coldBlock()
		s.branch(CondB, back)
		fwd := s.cur
		s.emit(Instr{Op: OpRepMovsb, Src: [3]Operand{R(da), R(sa), R(n)}})
		s.switchTo(back)
		dl, sl := s.lea(da, n, -1), s.lea(sa, n, -1)
		s.emit(Instr{Op: OpRepMovsbBack, Src: [3]Operand{R(dl), R(sl), R(n)}})
		s.jmp(join)
		s.switchTo(fwd)
	})
	s.switchTo(join)
}

// lea returns a register holding base+index+disp.
func (s *isel) lea(base, index Reg, disp int32) Reg {
	r := s.tmp(false)
	s.emit(Instr{Op: OpLea, Size: 8, Dst: R(r), Src: [3]Operand{M(Mem{Base: base, Index: index, Scale: 1, Disp: disp})}})
	return r
}

// smallSizes dispatches on the byte count n: two(w) handles w <= n <= 2w
// for w = 16 (when limit is 32), 8 and 4, and 1 <= n <= 3 as two(1);
// large(join) everything above limit, ending in the current block or in
// a jump to join. It returns the join block, where every path ends; the
// caller switches to it. Blocks are created in layout order, so that each
// test falls through to the smaller size.
func (s *isel) smallSizes(n Reg, limit int64, two func(w int), large func(join int32)) int32 {
	cmp := func(k int64) { s.emit(Instr{Op: OpCmp, Size: 4, Src: [3]Operand{R(n), Imm(k)}}) }
	upTo16, ge8, lt8, ge4, lt4, bytes, zero := s.inline(), s.inline(), s.inline(), s.inline(), s.inline(), s.inline(), s.inline()
	above16, mid := s.inline(), int32(-1)
	if limit > 16 {
		mid = s.inline()
	}
	big := s.inline()
	join := s.inline()
	cmp(16)
	s.jcc(CondA, above16, upTo16)
	s.switchTo(upTo16)
	cmp(8)
	s.jcc(CondB, lt8, ge8)
	s.switchTo(ge8)
	two(8)
	s.jmp(join)
	s.switchTo(lt8)
	cmp(4)
	s.jcc(CondB, lt4, ge4)
	s.switchTo(ge4)
	two(4)
	s.jmp(join)
	s.switchTo(lt4)
	s.emit(Instr{Op: OpTest, Size: 4, Src: [3]Operand{R(n), R(n)}})
	s.jcc(CondE, zero, bytes)
	s.switchTo(bytes)
	two(1)
	s.jmp(join)
	s.switchTo(zero)
	s.jmp(join)
	s.switchTo(above16)
	if mid >= 0 {
		cmp(limit)
		s.jcc(CondA, big, mid)
		s.switchTo(mid)
		two(16)
		s.jmp(join)
	} else {
		s.jmp(big)
	}
	s.switchTo(big)
	large(join)
	s.jmp(join)
	return join
}

// pieces returns the addresses that cover [0,n) from base with pieces of
// w bytes, w <= n <= 2w: [0,w) and [n-w,n); for w = 1 (1 <= n <= 3) bytes
// 0, n-1 and n/2.
func (s *isel) pieces(base, n Reg, w int) []Mem {
	ms := []Mem{{Base: base, Index: NoReg, Scale: 1}, {Base: base, Index: n, Scale: 1, Disp: int32(-w)}}
	if w == 1 {
		half := s.tmp(false)
		s.emit(Instr{Op: OpMov, Size: 4, Dst: R(half), Src: [3]Operand{R(n)}})
		s.emit(Instr{Op: OpShr, Size: 4, Dst: R(half), Src: [3]Operand{R(half), Imm(1)}})
		ms = append(ms, Mem{Base: base, Index: half, Scale: 1})
	}
	return ms
}

// copyTwo copies n bytes from sa to da in the pieces of pieces, loading
// all of them before storing any, which is right for overlapping ranges.
func (s *isel) copyTwo(da, sa, n Reg, w int) {
	load, store, size, storeSize := OpMov, OpStore, uint8(w), uint8(w)
	switch w {
	case 16:
		load, store, size, storeSize = OpMovups, OpStoreups, 0, 0
	case 1:
		load, size = OpMovzx8, 4
	}
	from := s.pieces(sa, n, w)
	regs := make([]Reg, len(from))
	for i, m := range from {
		regs[i] = s.tmp(w == 16)
		s.emit(Instr{Op: load, Size: size, Dst: R(regs[i]), Src: [3]Operand{M(m)}})
	}
	for i, m := range from {
		m.Base = da
		s.emit(Instr{Op: store, Size: storeSize, Dst: M(m), Src: [3]Operand{R(regs[i])}})
	}
}

// memoryFill inlines memory.fill: a bounds check, then up to 16 bytes as
// two overlapping stores of the byte repeated, and rep stosb above that.
func (s *isel) memoryFill(v *ssa.Value) {
	if v.Aux != 0 {
		s.notSupported(v.Pos, "multiple memories")
	}
	d, val, n := s.use(v.Args[0]), s.use(v.Args[1]), s.use(v.Args[2])
	s.memoryEnd(d, n, s.memorySizeBytes(), v.Pos)
	da := s.lea(s.memoryBase(), d, 0)
	join := s.smallSizes(n, 16, func(w int) {
		// The byte repeated over 8 bytes: zero-extended, times 0x0101...01.
		b := s.tmp(false)
		s.emit(Instr{Op: OpMovzx8, Size: 4, Dst: R(b), Src: [3]Operand{R(val)}})
		if w > 1 {
			k := s.tmp(false)
			s.emit(Instr{Op: OpMov, Size: 8, Dst: R(k), Src: [3]Operand{Imm(0x0101010101010101)}})
			s.emit(Instr{Op: OpImul, Size: 8, Dst: R(b), Src: [3]Operand{R(b), R(k)}})
		}
		for _, m := range s.pieces(da, n, w) {
			s.emit(Instr{Op: OpStore, Size: uint8(w), Dst: M(m), Src: [3]Operand{R(b)}})
		}
	}, func(int32) {
		s.emit(Instr{Op: OpRepStosb, Src: [3]Operand{R(da), R(val), R(n)}})
	})
	s.switchTo(join)
}

// fuseAddresses marks the index computations of b's accesses that become
// part of the address: add(a, c) whose 32-bit sum cannot wrap, because a
// is at most 2^32-1-c, so base + zext(a + c) is base + zext(a) + c; and
// within it a shift of a by 1 to 3 that cannot overflow, the index scale.
// Tables at constant addresses indexed by a masked or narrow value (CRC
// tables, opcode maps, character classes) are the usual case.
func (s *isel) fuseAddresses(b *ssa.Block) {
	f := s.f
	single := func(id ssa.ID) bool {
		return s.uses[id] == 1 && f.Value(id).Block == b.ID && !s.fused[id] && !s.folded[id]
	}
	for _, id := range b.Instrs {
		v := f.Value(id)
		if _, ok := accesses[v.Op]; !ok || v.MemIndex() != 0 {
			continue
		}
		x := v.Args[0]
		if f.Value(x).Type != ssa.TypeI32 || !single(x) {
			continue
		}
		if _, ok := s.constOf(x); ok {
			continue
		}
		add := f.Value(x)
		if add.Op != ssa.OpI32Add {
			continue
		}
		a, c, ok := s.addParts(x)
		if !ok || s.fused[a] && s.scaleShift(f.Value(a)) == 0 {
			continue
		}
		if v.Offset()+uint64(uint32(c)) >= 1<<31 || s.maxOf(a, 4)+uint64(uint32(c)) >= 1<<32 {
			continue
		}
		s.fused[x] = true
		// The add may have fused the shift for a lea; here the shift
		// is the scale only when it cannot overflow 32 bits.
		sh := f.Value(a)
		s.fused[a] = s.uses[a] == 1 && sh.Block == b.ID && s.scaleShift(sh) != 0 &&
			s.maxOf(sh.Args[0], 4)<<bits.TrailingZeros8(s.scaleShift(sh)) < 1<<32
	}
}

// addParts splits an add of a constant into the other operand and the
// constant; ok is false if neither operand is constant.
func (s *isel) addParts(id ssa.ID) (a ssa.ID, c int64, ok bool) {
	v := s.f.Value(id)
	if c, ok := s.constOf(v.Args[1]); ok {
		return v.Args[0], c, true
	}
	if c, ok := s.constOf(v.Args[0]); ok {
		return v.Args[1], c, true
	}
	return 0, 0, false
}

// maxOf bounds the unsigned value of an i32 from the operations that
// produce it, looking depth definitions deep.
func (s *isel) maxOf(id ssa.ID, depth int) uint64 {
	const all = 1<<32 - 1
	v := s.f.Value(id)
	if c, ok := s.constOf(id); ok {
		return uint64(uint32(c))
	}
	if depth == 0 {
		return all
	}
	arg := func(k int) uint64 { return s.maxOf(v.Args[k], depth-1) }
	switch v.Op {
	case ssa.OpI32Load8U:
		return 0xff
	case ssa.OpI32Load16U:
		return 0xffff
	case ssa.OpI32And:
		return min(arg(0), arg(1))
	case ssa.OpI32ShrU:
		if c, ok := s.constOf(v.Args[1]); ok {
			return arg(0) >> (c & 31)
		}
	case ssa.OpI32RemU:
		if c, ok := s.constOf(v.Args[1]); ok && uint32(c) != 0 {
			return uint64(uint32(c)) - 1
		}
	case ssa.OpI32Shl:
		if c, ok := s.constOf(v.Args[1]); ok {
			if m := arg(0) << (c & 31); m <= all {
				return m
			}
		}
	case ssa.OpI32Add:
		if m := arg(0) + arg(1); m <= all {
			return m
		}
	default:
		if isCompare(v.Op) {
			return 1
		}
	}
	return all
}
