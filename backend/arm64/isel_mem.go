package arm64

import (
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// access describes a load or store: the machine op, the register size it
// is emitted with, and the bytes it touches.
type access struct {
	op    Op
	size  uint8
	bytes uint8
	store bool
}

var accesses = map[ssa.Op]access{
	ssa.OpI32Load:    {OpLdrw, 4, 4, false},
	ssa.OpI64Load:    {OpLdr, 8, 8, false},
	ssa.OpF32Load:    {OpFldr, 4, 4, false},
	ssa.OpF64Load:    {OpFldr, 8, 8, false},
	ssa.OpI32Load8S:  {OpLdrsb, 8, 1, false},
	ssa.OpI32Load8U:  {OpLdrb, 4, 1, false},
	ssa.OpI32Load16S: {OpLdrsh, 8, 2, false},
	ssa.OpI32Load16U: {OpLdrh, 4, 2, false},
	ssa.OpI64Load8S:  {OpLdrsb, 8, 1, false},
	ssa.OpI64Load8U:  {OpLdrb, 4, 1, false},
	ssa.OpI64Load16S: {OpLdrsh, 8, 2, false},
	ssa.OpI64Load16U: {OpLdrh, 4, 2, false},
	ssa.OpI64Load32S: {OpLdrsw, 8, 4, false},
	ssa.OpI64Load32U: {OpLdrw, 4, 4, false},
	ssa.OpI32Store:   {OpStr, 4, 4, true},
	ssa.OpI64Store:   {OpStr, 8, 8, true},
	ssa.OpF32Store:   {OpFstr, 4, 4, true},
	ssa.OpF64Store:   {OpFstr, 8, 8, true},
	ssa.OpI32Store8:  {OpStrb, 4, 1, true},
	ssa.OpI32Store16: {OpStrh, 4, 2, true},
	ssa.OpI64Store8:  {OpStrb, 4, 1, true},
	ssa.OpI64Store16: {OpStrh, 4, 2, true},
	ssa.OpI64Store32: {OpStr, 4, 4, true},
}

// vmctx returns [x26+off].
func vmctx(off uint32) Operand { return Base(VMCtx, int32(off)) }

// field returns the memory operand of the module-area field at off,
// accessed n bytes at a time. Fields beyond the reach of a load's
// immediate (32 KiB for 8 bytes) are addressed from x26 plus the offset's
// 4 KiB page, formed once per block: modules with thousands of functions
// put their globals there.
func (s *isel) field(off uint32, n uint8) Operand {
	if immOffset(int64(off), n) {
		return vmctx(off)
	}
	page := off &^ 0xfff
	r, ok := s.pages[page]
	if !ok {
		r = s.tmp(false)
		s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(r), Src: [3]Operand{R(VMCtx), Imm(int64(page))}})
		s.pages[page] = r
	}
	return Base(r, int32(off-page))
}

// load8 loads a pointer-sized field.
func (s *isel) load8(src Operand) Reg {
	r := s.tmp(false)
	s.emit(Instr{Op: OpLdr, Size: 8, Dst: R(r), Src: [3]Operand{src}})
	return r
}

// immOffset reports whether a load or store of n bytes takes off as its
// immediate: unsigned and scaled by n up to 4095, or unscaled in
// [-256, 256).
func immOffset(off int64, n uint8) bool {
	return off >= -256 && off < 256 || off >= 0 && off%int64(n) == 0 && off/int64(n) < 4096
}

// dropMemory forgets the memory base and the addresses formed from it,
// after code that may move the memory.
func (s *isel) dropMemory() {
	s.membase = NoReg
	clear(s.addrs)
}

// memoryBase returns a register holding the base of memory 0, loaded
// once per block.
func (s *isel) memoryBase() Reg {
	if s.membase == NoReg {
		s.membase = s.load8(vmctx(abi.VMCtxMemoryBase))
	}
	return s.membase
}

// address returns the memory operand of linear memory 0 at the
// zero-extended 32-bit index plus the offset. base + index + offset stays
// inside the reservation, whose guard pages catch what is out of bounds.
func (s *isel) address(v *ssa.Value, n uint8) Operand {
	if v.MemIndex() != 0 {
		s.notSupported(v.Pos, "multiple memories")
	}
	base := s.memoryBase()
	off := int64(v.Offset())
	if c, ok := s.constOf(v.Args[0]); ok {
		ea := int64(uint32(c)) + off
		if immOffset(ea, n) {
			return Base(base, int32(ea))
		}
		return Indexed(base, s.constReg(ea, 8), ExtNone, 0)
	}
	idx := s.use(v.Args[0])
	if off == 0 {
		return Indexed(base, idx, ExtUXTW, 0)
	}
	// Accesses at several offsets from one index (a stack pointer in
	// linear memory) share the sum.
	t, ok := s.addrs[v.Args[0]]
	if !ok {
		t = s.tmp(false)
		s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(t), Src: [3]Operand{R(base), Shifted(idx, ExtUXTW, 0)}})
		s.addrs[v.Args[0]] = t
	}
	if immOffset(off, n) {
		return Base(t, int32(off))
	}
	return Indexed(t, s.constReg(off, 8), ExtNone, 0)
}

// slot returns the args buffer slot i through the buffer address in p.
func slot(p Reg, i int) Operand { return Base(p, int32(i*abi.ArgSlotSize)) }

func (s *isel) memValue(v *ssa.Value) bool {
	if a, ok := accesses[v.Op]; ok {
		m := s.address(v, a.bytes)
		if a.store {
			var src Reg
			if a.op == OpFstr {
				src = s.use(v.Args[1])
			} else {
				src = s.useZ(v.Args[1])
			}
			s.emit(Instr{Op: a.op, Size: a.size, Dst: m, Src: [3]Operand{R(src)}, Pos: v.Pos})
		} else {
			s.emit(Instr{Op: a.op, Size: a.size, Dst: R(s.vr(v.ID)), Src: [3]Operand{m}, Pos: v.Pos})
		}
		return true
	}
	switch v.Op {
	case ssa.OpMemorySize:
		owner := s.load8(vmctx(s.mi.Layout.MemoryOwner))
		n := s.load8(Base(owner, abi.VMCtxMemoryLen))
		s.emit(Instr{Op: OpLsr, Size: 8, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(n), Imm(16)}})
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
		desc := s.load8(s.field(s.mi.Layout.TableOffset(uint32(v.Aux)), 8))
		s.emit(Instr{Op: OpLdrw, Size: 4, Dst: R(s.vr(v.ID)), Src: [3]Operand{Base(desc, abi.TableDescLen)}})
	case ssa.OpTableGet, ssa.OpTableSet:
		elem := s.tableElem(uint32(v.Aux), v.Args[0], v.Pos)
		if v.Op == ssa.OpTableGet {
			s.emit(Instr{Op: OpLdr, Size: 8, Dst: R(s.vr(v.ID)), Src: [3]Operand{elem}})
		} else {
			s.emit(Instr{Op: OpStr, Size: 8, Dst: elem, Src: [3]Operand{R(s.useZ(v.Args[1]))}})
		}
	case ssa.OpRefFunc:
		s.emit(Instr{Op: OpLdr, Size: 8, Dst: R(s.vr(v.ID)), Src: [3]Operand{s.field(s.mi.Layout.FuncRefOffset(uint32(v.Aux)), 8)}})
	case ssa.OpCall:
		s.call(v)
	case ssa.OpCallImport:
		s.exitCall(v, uint32(v.Aux), v.Args, s.sig(v))
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
	desc := s.load8(s.field(s.mi.Layout.TableOffset(t), 8))
	idx := s.use(id)
	n := s.tmp(false)
	s.emit(Instr{Op: OpLdrw, Size: 4, Dst: R(n), Src: [3]Operand{Base(desc, abi.TableDescLen)}})
	s.emit(Instr{Op: OpCmp, Size: 4, Src: [3]Operand{R(idx), R(n)}})
	s.trapIf(CondHS, trap.TableOutOfBounds, pos)
	elems := s.load8(Base(desc, abi.TableDescElems))
	return Indexed(elems, idx, ExtUXTW, 3)
}

func (s *isel) global(v *ssa.Value) {
	g := uint32(v.Aux)
	if int(g) >= len(s.mi.GlobalImported) {
		s.fail(v.Pos, "arm64: unknown global %d", g)
	}
	t := v.Type
	if v.Op == ssa.OpGlobalSet {
		t = s.f.Value(v.Args[0]).Type
	}
	n := uint8(8)
	switch t {
	case ssa.TypeI32, ssa.TypeF32:
		n = 4
	case ssa.TypeV128:
		n = 16
	}
	var cell Operand
	if s.mi.GlobalImported[g] {
		cell = Base(s.load8(s.field(s.mi.Layout.GlobalOffset(g), 8)), 0)
	} else {
		cell = s.field(s.mi.Layout.GlobalOffset(g), n)
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
		s.emit(Instr{Op: OpFldr, Size: 16, Dst: R(dst), Src: [3]Operand{src}})
	case ssa.TypeF32:
		s.emit(Instr{Op: OpFldr, Size: 4, Dst: R(dst), Src: [3]Operand{src}})
	case ssa.TypeF64:
		s.emit(Instr{Op: OpFldr, Size: 8, Dst: R(dst), Src: [3]Operand{src}})
	case ssa.TypeI32:
		s.emit(Instr{Op: OpLdrw, Size: 4, Dst: R(dst), Src: [3]Operand{src}})
	default:
		s.emit(Instr{Op: OpLdr, Size: 8, Dst: R(dst), Src: [3]Operand{src}})
	}
}

func (s *isel) storeTyped(dst Operand, t ssa.Type, id ssa.ID) {
	s.storeReg(dst, t, s.useTyped(id, t))
}

func (s *isel) useTyped(id ssa.ID, t ssa.Type) Reg {
	if isFloatType(t) {
		return s.use(id)
	}
	return s.useZ(id)
}

// storeReg stores a register of type t; an i32 takes the slot's low four
// bytes.
func (s *isel) storeReg(dst Operand, t ssa.Type, r Reg) {
	switch t {
	case ssa.TypeV128:
		s.emit(Instr{Op: OpFstr, Size: 16, Dst: dst, Src: [3]Operand{R(r)}})
	case ssa.TypeF32:
		s.emit(Instr{Op: OpFstr, Size: 4, Dst: dst, Src: [3]Operand{R(r)}})
	case ssa.TypeF64:
		s.emit(Instr{Op: OpFstr, Size: 8, Dst: dst, Src: [3]Operand{R(r)}})
	case ssa.TypeI32:
		s.emit(Instr{Op: OpStr, Size: 4, Dst: dst, Src: [3]Operand{R(r)}})
	default:
		s.emit(Instr{Op: OpStr, Size: 8, Dst: dst, Src: [3]Operand{R(r)}})
	}
}

// builtin leaves through the host-call exit to a runtime builtin with
// the immediates, then the values, in the args buffer slots (i32 values
// zero-extended to 64 bits).
func (s *isel) builtin(v *ssa.Value, b abi.Builtin, imms []int64, args []ssa.ID) {
	if v.Op == ssa.OpMemoryCopy && (v.Aux != 0 || v.Aux2 != 0) || v.Op == ssa.OpMemoryInit && v.Aux2 != 0 ||
		v.Op == ssa.OpMemoryFill && v.Aux != 0 {
		s.notSupported(v.Pos, "multiple memories")
	}
	p := s.load8(vmctx(abi.VMCtxArgs))
	for i, k := range imms {
		r := ZR
		if k != 0 {
			r = s.constReg(k, 8)
		}
		s.emit(Instr{Op: OpStr, Size: 8, Dst: slot(p, i), Src: [3]Operand{R(r)}})
	}
	for i, a := range args {
		t := s.f.Value(a).Type
		if t != ssa.TypeI32 {
			s.storeTyped(slot(p, len(imms)+i), t, a)
			continue
		}
		r := s.useZ(a)
		if r != ZR {
			z := s.tmp(false)
			s.emit(Instr{Op: OpUxtw, Size: 8, Dst: R(z), Src: [3]Operand{R(r)}})
			r = z
		}
		s.emit(Instr{Op: OpStr, Size: 8, Dst: slot(p, len(imms)+i), Src: [3]Operand{R(r)}})
	}
	s.emit(Instr{Op: OpExit, Trap: abi.BuiltinBase + uint32(b), Pos: v.Pos})
	s.dropMemory()
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
		s.fail(v.Pos, "arm64: unknown signature %d", v.Aux2)
	}
	return &s.f.Sigs[v.Aux2]
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
	s.emit(Instr{Op: OpCall, Func: int32(v.Aux), Args: args, Rets: rets, Pos: v.Pos})
	after()
	s.dropMemory()
}

// exitCall passes the arguments and results of an imported function
// through the args buffer around a host-call exit.
func (s *isel) exitCall(v *ssa.Value, arg uint32, args []ssa.ID, sig *ssa.Signature) {
	p := s.load8(vmctx(abi.VMCtxArgs))
	for i, a := range args {
		s.storeTyped(slot(p, i), s.f.Value(a).Type, a)
	}
	s.emit(Instr{Op: OpExit, Trap: arg, Pos: v.Pos})
	s.dropMemory()
	s.loadResults(s.results(v, sig), sig)
}

func (s *isel) loadResults(rets []Reg, sig *ssa.Signature) {
	if len(rets) == 0 {
		return
	}
	p := s.load8(vmctx(abi.VMCtxArgs))
	for i, t := range sig.Results {
		s.loadTyped(rets[i], t, slot(p, i))
	}
}

// callIndirect checks the table element and its signature as docs/abi.md
// shows, then calls it directly when it belongs to this instance and
// through the call_ref builtin otherwise.
func (s *isel) callIndirect(v *ssa.Value) {
	sig := s.sig(v)
	elem := s.tableElem(v.TableIndex(), v.Args[0], v.Pos)
	ref := s.tmp(false)
	s.emit(Instr{Op: OpLdr, Size: 8, Dst: R(ref), Src: [3]Operand{elem}})
	s.trapZero(OpCbz, ref, 8, trap.UninitializedElement, v.Pos)
	tid, want := s.tmp(false), s.tmp(false)
	s.emit(Instr{Op: OpLdrw, Size: 4, Dst: R(tid), Src: [3]Operand{Base(ref, abi.FuncRefTypeID)}})
	s.emit(Instr{Op: OpLdrw, Size: 4, Dst: R(want), Src: [3]Operand{s.field(s.mi.Layout.TypeIDOffset(v.TypeIndex()), 4)}})
	s.emit(Instr{Op: OpCmp, Size: 4, Src: [3]Operand{R(tid), R(want)}})
	s.trapIf(CondNE, trap.IndirectCallTypeMismatch, v.Pos)
	other := s.coldBlock()
	owner := s.load8(Base(ref, abi.FuncRefVMCtx))
	s.emit(Instr{Op: OpCmp, Size: 8, Src: [3]Operand{R(owner), R(VMCtx)}})
	s.branch(CondNE, other)
	args := v.Args[1:]
	rets := s.results(v, sig)
	callArgs, callRets, after := s.callSeq(sig, s.argRegs(args), rets)
	s.emit(Instr{Op: OpCall, Func: -1, Src: [3]Operand{Base(ref, abi.FuncRefCode)}, Args: callArgs, Rets: callRets, Pos: v.Pos})
	after()
	join := s.inline()
	s.jmp(join)

	s.switchTo(other)
	// The loader sizes the args buffer with one slot more than any
	// type's params, so call_ref's operands fit.
	p := s.load8(vmctx(abi.VMCtxArgs))
	s.emit(Instr{Op: OpStr, Size: 8, Dst: slot(p, 0), Src: [3]Operand{R(ref)}})
	for i, a := range args {
		s.storeTyped(slot(p, i+1), s.f.Value(a).Type, a)
	}
	s.emit(Instr{Op: OpExit, Trap: abi.BuiltinBase + uint32(abi.BuiltinCallRef), Pos: v.Pos})
	s.loadResults(rets, sig)
	s.jmp(join)
	s.switchTo(join)
}

// Bulk memory is inline: a bounds check of every range before anything is
// written (a trap writes nothing), then a loop moving 8 bytes at a time
// and one finishing byte by byte. The loops do not poll: they end after
// at most 4 GiB.

// zext returns the i32 value a zero-extended to 64 bits.
func (s *isel) zext(a ssa.ID) Reg {
	r := s.tmp(false)
	s.emit(Instr{Op: OpUxtw, Size: 8, Dst: R(r), Src: [3]Operand{R(s.use(a))}})
	return r
}

// memoryEnd traps unless [at, at+n) lies inside memory 0 (at and n are
// zero-extended, so the sum cannot wrap).
func (s *isel) memoryEnd(at, n, size Reg, pos int32) {
	end := s.tmp(false)
	s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(end), Src: [3]Operand{R(at), R(n)}})
	s.emit(Instr{Op: OpCmp, Size: 8, Src: [3]Operand{R(end), R(size)}})
	s.trapIf(CondHI, trap.MemoryOutOfBounds, pos)
}

// memorySizeBytes loads the current byte length of memory 0.
func (s *isel) memorySizeBytes() Reg {
	owner := s.load8(vmctx(s.mi.Layout.MemoryOwner))
	return s.load8(Base(owner, abi.VMCtxMemoryLen))
}

// loopBlocks returns n new inline blocks one loop deeper than the
// current SSA block.
func (s *isel) loopBlocks(n int) []int32 {
	bs := make([]int32, n)
	for i := range bs {
		bs[i] = s.inline()
		s.blocks[bs[i]].LoopDepth++
	}
	return bs
}

// byteLoops emits the two loops over count bytes: body8 moves 8 bytes,
// body1 one byte; both then advance (or, backwards, are preceded by
// step). It continues in a new block after the loops.
func (s *isel) byteLoops(count Reg, body func(width int32)) {
	l := s.loopBlocks(4)
	head8, body8, head1, body1 := l[0], l[1], l[2], l[3]
	done := s.inline()
	s.jmp(head8)
	s.switchTo(head8)
	s.emit(Instr{Op: OpCmp, Size: 8, Src: [3]Operand{R(count), Imm(8)}})
	s.bcond(CondLO, head1, body8)
	s.switchTo(body8)
	body(8)
	s.emit(Instr{Op: OpSub, Size: 8, Dst: R(count), Src: [3]Operand{R(count), Imm(8)}})
	s.jmp(head8)
	s.switchTo(head1)
	s.emit(Instr{Op: OpCbz, Size: 8, Src: [3]Operand{R(count)}, Target: [2]int32{done, body1}})
	s.switchTo(body1)
	body(1)
	s.emit(Instr{Op: OpSub, Size: 8, Dst: R(count), Src: [3]Operand{R(count), Imm(1)}})
	s.jmp(head1)
	s.switchTo(done)
}

func (s *isel) memoryFill(v *ssa.Value) {
	if v.Aux != 0 {
		s.notSupported(v.Pos, "multiple memories")
	}
	d, n := s.zext(v.Args[0]), s.zext(v.Args[2])
	s.memoryEnd(d, n, s.memorySizeBytes(), v.Pos)
	p := s.tmp(false)
	s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(p), Src: [3]Operand{R(s.memoryBase()), R(d)}})
	// The byte repeated over 8 bytes: zero-extended, times 0x0101...01.
	b, k, b8 := s.tmp(false), s.tmp(false), s.tmp(false)
	s.emit(Instr{Op: OpUxtb, Size: 4, Dst: R(b), Src: [3]Operand{R(s.use(v.Args[1]))}})
	s.movImm(k, 0x0101010101010101, 8)
	s.emit(Instr{Op: OpMul, Size: 8, Dst: R(b8), Src: [3]Operand{R(b), R(k)}})
	s.byteLoops(n, func(w int32) {
		op, size := OpStr, uint8(8)
		if w == 1 {
			op, size = OpStrb, 4
		}
		s.emit(Instr{Op: op, Size: size, Dst: Base(p, 0), Src: [3]Operand{R(b8)}})
		s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(p), Src: [3]Operand{R(p), Imm(int64(w))}})
	})
}

func (s *isel) memoryCopy(v *ssa.Value) {
	if v.Aux != 0 || v.Aux2 != 0 {
		s.notSupported(v.Pos, "multiple memories")
	}
	d, src, n := s.zext(v.Args[0]), s.zext(v.Args[1]), s.zext(v.Args[2])
	size := s.memorySizeBytes()
	s.memoryEnd(d, n, size, v.Pos)
	s.memoryEnd(src, n, size, v.Pos)
	base := s.memoryBase()
	dp, sp := s.tmp(false), s.tmp(false)
	s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(dp), Src: [3]Operand{R(base), R(d)}})
	s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(sp), Src: [3]Operand{R(base), R(src)}})
	// d-src (unsigned) < n exactly when the destination starts inside
	// the source, where a forward copy would read bytes it has already
	// written: copy backwards from the end then.
	diff := s.tmp(false)
	s.emit(Instr{Op: OpSub, Size: 8, Dst: R(diff), Src: [3]Operand{R(d), R(src)}})
	s.emit(Instr{Op: OpCmp, Size: 8, Src: [3]Operand{R(diff), R(n)}})
	fwd, back, join := s.inline(), s.inline(), int32(0)
	s.bcond(CondLO, back, fwd)
	move := func(w int32, at int32) {
		t := s.tmp(false)
		load, store, sz := OpLdr, OpStr, uint8(8)
		if w == 1 {
			load, store, sz = OpLdrb, OpStrb, 4
		}
		s.emit(Instr{Op: load, Size: sz, Dst: R(t), Src: [3]Operand{Base(sp, at)}})
		s.emit(Instr{Op: store, Size: sz, Dst: Base(dp, at), Src: [3]Operand{R(t)}})
	}
	s.switchTo(fwd)
	s.byteLoops(n, func(w int32) {
		move(w, 0)
		s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(sp), Src: [3]Operand{R(sp), Imm(int64(w))}})
		s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(dp), Src: [3]Operand{R(dp), Imm(int64(w))}})
	})
	join = s.inline()
	s.jmp(join)
	s.switchTo(back)
	s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(sp), Src: [3]Operand{R(sp), R(n)}})
	s.emit(Instr{Op: OpAdd, Size: 8, Dst: R(dp), Src: [3]Operand{R(dp), R(n)}})
	s.byteLoops(n, func(w int32) {
		s.emit(Instr{Op: OpSub, Size: 8, Dst: R(sp), Src: [3]Operand{R(sp), Imm(int64(w))}})
		s.emit(Instr{Op: OpSub, Size: 8, Dst: R(dp), Src: [3]Operand{R(dp), Imm(int64(w))}})
		move(w, 0)
	})
	s.jmp(join)
	s.switchTo(join)
}
