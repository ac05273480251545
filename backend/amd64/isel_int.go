package amd64

import (
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// value selects one SSA instruction.
func (s *isel) value(v *ssa.Value) {
	switch op := v.Op; op {
	case ssa.OpI32Const, ssa.OpI64Const, ssa.OpF32Const, ssa.OpF64Const, ssa.OpRefNull:
		// Materialised at each use.
	case ssa.OpCopy:
		s.moveValue(s.vr(v.ID), v.Args[0])

	case ssa.OpI32Add, ssa.OpI64Add:
		s.add(v)
	case ssa.OpI32Sub, ssa.OpI64Sub:
		s.alu(v, OpSub, false)
	case ssa.OpI32Mul, ssa.OpI64Mul:
		s.mul(v)
	case ssa.OpI32And, ssa.OpI64And:
		if s.andn(v) {
			break
		}
		s.alu(v, OpAnd, true)
	case ssa.OpI32Or, ssa.OpI64Or:
		s.alu(v, OpOr, true)
	case ssa.OpI32Xor, ssa.OpI64Xor:
		s.alu(v, OpXor, true)
	case ssa.OpI32Shl, ssa.OpI64Shl:
		s.shift(v, OpShl)
	case ssa.OpI32ShrS, ssa.OpI64ShrS:
		s.shift(v, OpSar)
	case ssa.OpI32ShrU, ssa.OpI64ShrU:
		s.shift(v, OpShr)
	case ssa.OpI32Rotl, ssa.OpI64Rotl:
		s.shift(v, OpRol)
	case ssa.OpI32Rotr, ssa.OpI64Rotr:
		s.shift(v, OpRor)
	case ssa.OpI32DivS, ssa.OpI64DivS:
		s.div(v, true, false)
	case ssa.OpI32DivU, ssa.OpI64DivU:
		s.div(v, false, false)
	case ssa.OpI32RemS, ssa.OpI64RemS:
		s.div(v, true, true)
	case ssa.OpI32RemU, ssa.OpI64RemU:
		s.div(v, false, true)
	case ssa.OpI32Clz, ssa.OpI64Clz:
		if !s.has(FeatLZCNT) {
			s.bitScan(v, OpBsr)
			break
		}
		s.used |= FeatLZCNT
		s.unaryMov(v, OpLzcnt, intSize(v.Type))
	case ssa.OpI32Ctz, ssa.OpI64Ctz:
		if !s.has(FeatBMI1) {
			s.bitScan(v, OpBsf)
			break
		}
		s.used |= FeatBMI1
		s.unaryMov(v, OpTzcnt, intSize(v.Type))
	case ssa.OpI32Popcnt, ssa.OpI64Popcnt:
		s.used |= FeatPOPCNT
		s.unaryMov(v, OpPopcnt, intSize(v.Type))
	case ssa.OpI32Extend8S:
		s.unaryMov(v, OpMovsx8, 4)
	case ssa.OpI32Extend16S:
		s.unaryMov(v, OpMovsx16, 4)
	case ssa.OpI64Extend8S:
		s.unaryMov(v, OpMovsx8, 8)
	case ssa.OpI64Extend16S:
		s.unaryMov(v, OpMovsx16, 8)
	case ssa.OpI64Extend32S, ssa.OpI64ExtendI32S:
		s.unaryMov(v, OpMovsx32, 8)
	case ssa.OpI32WrapI64:
		// A 32-bit move zero-extends.
		s.unaryMov(v, OpMov, 4)
	case ssa.OpI64ExtendI32U:
		// Every i32 value sits zero-extended in its register (32-bit
		// operations clear the upper half, and wrap, loads and constants
		// do too; addressing relies on it), so the extended value is the
		// same register: it gets the argument's virtual register, and no
		// instruction at all.
		if src := s.use(v.Args[0]); s.vreg[v.ID] == 0 {
			s.vreg[v.ID] = src
		} else {
			s.copyReg(s.vreg[v.ID], src)
		}

	case ssa.OpI32Eqz, ssa.OpI64Eqz,
		ssa.OpI32Eq, ssa.OpI32Ne, ssa.OpI32LtS, ssa.OpI32LtU, ssa.OpI32GtS, ssa.OpI32GtU,
		ssa.OpI32LeS, ssa.OpI32LeU, ssa.OpI32GeS, ssa.OpI32GeU,
		ssa.OpI64Eq, ssa.OpI64Ne, ssa.OpI64LtS, ssa.OpI64LtU, ssa.OpI64GtS, ssa.OpI64GtU,
		ssa.OpI64LeS, ssa.OpI64LeU, ssa.OpI64GeS, ssa.OpI64GeU,
		ssa.OpF32Eq, ssa.OpF32Ne, ssa.OpF32Lt, ssa.OpF32Gt, ssa.OpF32Le, ssa.OpF32Ge,
		ssa.OpF64Eq, ssa.OpF64Ne, ssa.OpF64Lt, ssa.OpF64Gt, ssa.OpF64Le, ssa.OpF64Ge,
		ssa.OpRefIsNull:
		s.setcc(v)

	case ssa.OpSelect:
		s.sel(v)
	case ssa.OpTrapz, ssa.OpTrapnz:
		c := s.flags(v.Args[0])
		if v.Op == ssa.OpTrapz {
			c = c.invert()
		}
		s.trapOn(c, v.Trap(), v.Pos)
	case ssa.OpExtract:
		rets := s.tuples[v.Args[0]]
		if int(v.Aux) >= len(rets) {
			s.fail(v.Pos, "amd64: internal error: extract %d of a %d-tuple", v.Aux, len(rets))
		}
		s.vreg[v.ID] = rets[v.Aux]

	default:
		if s.simdValue(v) || s.floatValue(v) || s.memValue(v) {
			return
		}
		s.notSupported(v.Pos, "amd64 instruction selection of %v", v.Op)
	}
}

func intSize(t ssa.Type) uint8 {
	if t == ssa.TypeI32 {
		return 4
	}
	return 8
}

// immOf returns an immediate operand for a constant that fits the
// instruction's sign-extended 32-bit immediate.
func (s *isel) immOf(id ssa.ID, size uint8) (Operand, bool) {
	c, ok := s.constOf(id)
	if !ok {
		return Operand{}, false
	}
	if size == 4 {
		return Imm(int64(int32(c))), true
	}
	if c != int64(int32(c)) {
		return Operand{}, false
	}
	return Imm(c), true
}

// src returns value a as an immediate if possible, else a register.
func (s *isel) src(a ssa.ID, size uint8) Operand {
	if o, ok := s.immOf(a, size); ok {
		return o
	}
	return R(s.use(a))
}

// srcMem is src that also gives a folded load's memory operand, with the
// load's position for the fault site.
func (s *isel) srcMem(a ssa.ID, size uint8) (Operand, int32) {
	if s.folded[a] {
		l := s.f.Value(a)
		return M(s.address(l)), l.Pos
	}
	return s.src(a, size), 0
}

// operands orders the operands of a two-address op or compare whose
// second operand becomes the source: a folded load must be the source (it
// has no register of its own), so it wins over a constant that would
// otherwise be swapped there as an immediate. swappable says the operands
// may trade places; swap reports that they did.
func (s *isel) operands(x, y ssa.ID, size uint8, swappable bool) (a, b ssa.ID, swap bool) {
	switch {
	case s.folded[x]:
		return y, x, true
	case s.folded[y]:
		return x, y, false
	}
	if _, ok := s.immOf(x, size); ok && swappable {
		return y, x, true
	}
	return x, y, false
}

// alu selects a two-address integer operation.
func (s *isel) alu(v *ssa.Value, op Op, commutative bool) {
	size := intSize(v.Type)
	x, y, _ := s.operands(v.Args[0], v.Args[1], size, commutative)
	src, pos := s.srcMem(y, size)
	s.emit(Instr{Op: op, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(x)), src}, Pos: pos})
}

// add uses lea for additions of a constant or of a scaled shift, so that
// neither operand needs a copy.
func (s *isel) add(v *ssa.Value) {
	size := intSize(v.Type)
	x, y := v.Args[0], v.Args[1]
	if _, ok := s.immOf(x, size); ok {
		x, y = y, x
	}
	if s.fused[y] || s.folded[x] {
		x, y = y, x
	}
	if s.folded[y] {
		src, pos := s.srcMem(y, size)
		s.emit(Instr{Op: OpAdd, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(x)), src}, Pos: pos})
		return
	}
	if s.fused[x] {
		sh := s.f.Value(x)
		m := Mem{Base: NoReg, Index: s.use(sh.Args[0]), Scale: s.scaleShift(sh)}
		if o, ok := s.immOf(y, size); ok {
			m.Disp = int32(o.Imm) // a table at a constant address: no base
		} else {
			m.Base = s.use(y)
		}
		s.emit(Instr{Op: OpLea, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{M(m)}})
		return
	}
	if o, ok := s.immOf(y, size); ok {
		s.emit(Instr{Op: OpLea, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{M(Base(s.use(x), int32(o.Imm)))}})
		return
	}
	s.emit(Instr{Op: OpAdd, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(x)), R(s.use(y))}})
}

func (s *isel) mul(v *ssa.Value) {
	size := intSize(v.Type)
	x, y := v.Args[0], v.Args[1]
	if _, ok := s.immOf(x, size); ok {
		x, y = y, x
	}
	if o, ok := s.immOf(y, size); ok {
		src, pos := s.srcMem(x, size)
		if src.Kind == KImm {
			src = R(s.use(x))
		}
		s.emit(Instr{Op: OpImul3, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{src, o}, Pos: pos})
		return
	}
	if s.folded[x] {
		x, y = y, x
	}
	src, pos := s.srcMem(y, size)
	s.emit(Instr{Op: OpImul, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(x)), src}, Pos: pos})
}

func (s *isel) shift(v *ssa.Value, op Op) {
	size := intSize(v.Type)
	width := int64(size) * 8
	var cnt Operand
	if c, ok := s.constOf(v.Args[1]); ok {
		cnt = Imm(c & (width - 1))
		if (op == OpRol || op == OpRor) && s.has(FeatBMI2) {
			// rorx: a rotate into a register of its own, flags untouched.
			if op == OpRol {
				cnt.Imm = (width - cnt.Imm) & (width - 1)
			}
			s.used |= FeatBMI2
			s.emit(Instr{Op: OpRorx, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0])), cnt}})
			return
		}
	} else {
		cnt = R(s.use(v.Args[1]))
		if bmi := bmi2Shift(op); bmi != 0 && s.has(FeatBMI2) {
			// shlx and kin take the count in any register (not CL) and
			// write a register of their own: nothing is tied. They mask
			// the count to the width, as wasm does.
			s.used |= FeatBMI2
			s.emit(Instr{Op: bmi, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0])), cnt}})
			return
		}
	}
	s.emit(Instr{Op: op, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0])), cnt}})
}

// andn selects and(x, xor(y, -1)) as andn d, y, x when countUses fused
// the not.
func (s *isel) andn(v *ssa.Value) bool {
	for k, a := range v.Args {
		if s.fused[a] {
			y := s.notOf(a)
			s.used |= FeatBMI1
			s.emit(Instr{Op: OpAndn, Size: intSize(v.Type), Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(y)), R(s.use(v.Args[1-k]))}})
			return true
		}
	}
	return false
}

// bmi2Shift returns BMI2's form of a shift by a register, or 0.
func bmi2Shift(op Op) Op {
	switch op {
	case OpShl:
		return OpShlx
	case OpShr:
		return OpShrx
	case OpSar:
		return OpSarx
	}
	return 0
}

// bitScan selects clz or ctz without LZCNT or TZCNT: bsr finds the
// index of the highest set bit, and width-1 minus it (an xor) counts the
// leading zeros; bsf's index is the trailing zero count. A zero source sets
// ZF and leaves the index undefined: a cmov then substitutes 2*width-1
// (which the xor turns into width) or width.
func (s *isel) bitScan(v *ssa.Value, op Op) {
	size := intSize(v.Type)
	width := int64(size) * 8
	zero := width
	if op == OpBsr {
		zero = 2*width - 1
	}
	c, idx := s.tmp(false), s.tmp(false)
	s.emit(Instr{Op: OpMov, Size: 4, Dst: R(c), Src: [3]Operand{Imm(zero)}})
	s.emit(Instr{Op: op, Size: size, Dst: R(idx), Src: [3]Operand{R(s.use(v.Args[0]))}})
	d, r := s.vr(v.ID), s.vr(v.ID)
	if op == OpBsr {
		r = s.tmp(false)
	}
	s.emit(Instr{Op: OpCmov, Size: size, Cond: CondE, Dst: R(r), Src: [3]Operand{R(idx), R(c)}})
	if op == OpBsr {
		s.emit(Instr{Op: OpXor, Size: size, Dst: R(d), Src: [3]Operand{R(r), Imm(width - 1)}})
	}
}

func (s *isel) unaryMov(v *ssa.Value, op Op, size uint8) {
	s.emit(Instr{Op: op, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0]))}})
}

// div selects division and remainder with wasm's traps.
func (s *isel) div(v *ssa.Value, signed, rem bool) {
	size := intSize(v.Type)
	c, isConst := s.constOf(v.Args[1])
	if size == 4 {
		c = int64(int32(c))
	}
	x := s.use(v.Args[0])
	y := s.use(v.Args[1])
	flags := v.DivFlags()
	if (!isConst || c == 0) && flags&ssa.DivNonZero == 0 {
		s.emit(Instr{Op: OpTest, Size: size, Src: [3]Operand{R(y), R(y)}})
		s.trapIf(CondE, trap.IntegerDivideByZero, v.Pos)
	}
	if signed && rem && (!isConst || c == -1) && flags&ssa.DivNoOverflow == 0 {
		// x rem -1 is 0, but idiv faults on MIN rem -1: divide by 1.
		one := s.tmp(false)
		s.emit(Instr{Op: OpMov, Size: size, Dst: R(one), Src: [3]Operand{Imm(1)}})
		s.emit(Instr{Op: OpCmp, Size: size, Src: [3]Operand{R(y), Imm(-1)}})
		y2 := s.tmp(false)
		s.emit(Instr{Op: OpCmov, Size: size, Cond: CondE, Dst: R(y2), Src: [3]Operand{R(y), R(one)}})
		y = y2
	}
	if signed && !rem && (!isConst || c == -1) && flags&ssa.DivNoOverflow == 0 {
		// MIN / -1 overflows; x-1 overflows exactly when x is MIN.
		ok := s.inline()
		s.emit(Instr{Op: OpCmp, Size: size, Src: [3]Operand{R(y), Imm(-1)}})
		s.branch(CondNE, ok)
		s.emit(Instr{Op: OpCmp, Size: size, Src: [3]Operand{R(x), Imm(1)}})
		s.trapIf(CondO, trap.IntegerOverflow, v.Pos)
		s.jmp(ok)
		s.switchTo(ok)
	}
	hi := s.tmp(false)
	op := OpDiv
	if signed {
		op = OpIdiv
		s.emit(Instr{Op: OpSext, Size: size, Dst: R(hi), Src: [3]Operand{R(x)}})
	} else {
		s.emit(Instr{Op: OpMov, Size: 4, Dst: R(hi), Src: [3]Operand{Imm(0)}})
	}
	q, r := s.tmp(false), s.tmp(false)
	if rem {
		r = s.vr(v.ID)
	} else {
		q = s.vr(v.ID)
	}
	s.emit(Instr{Op: op, Size: size, Dst: R(q), Dst2: r, Src: [3]Operand{R(x), R(hi), R(y)}})
}

// cond is a condition on the flags, possibly combined with the parity flag
// for float equality.
type cond struct {
	c      Cond
	parity int8 // 0: c alone; 1: c and not unordered; 2: c or unordered
}

func (c cond) invert() cond {
	return cond{c: c.c.Invert(), parity: [3]int8{0, 2, 1}[c.parity]}
}

func isCompare(op ssa.Op) bool {
	switch {
	case op >= ssa.OpI32Eq && op <= ssa.OpI64GeU, op >= ssa.OpF32Eq && op <= ssa.OpF64Ge:
		return true
	case op == ssa.OpI32Eqz, op == ssa.OpI64Eqz, op == ssa.OpRefIsNull:
		return true
	}
	return false
}

var intConds = map[ssa.Op]Cond{
	ssa.OpI32Eq: CondE, ssa.OpI32Ne: CondNE, ssa.OpI32LtS: CondL, ssa.OpI32LtU: CondB,
	ssa.OpI32GtS: CondG, ssa.OpI32GtU: CondA, ssa.OpI32LeS: CondLE, ssa.OpI32LeU: CondBE,
	ssa.OpI32GeS: CondGE, ssa.OpI32GeU: CondAE,
	ssa.OpI64Eq: CondE, ssa.OpI64Ne: CondNE, ssa.OpI64LtS: CondL, ssa.OpI64LtU: CondB,
	ssa.OpI64GtS: CondG, ssa.OpI64GtU: CondA, ssa.OpI64LeS: CondLE, ssa.OpI64LeU: CondBE,
	ssa.OpI64GeS: CondGE, ssa.OpI64GeU: CondAE,
}

// unsignedCond is the unsigned order for a signed one.
func unsignedCond(c Cond) Cond {
	switch c {
	case CondL:
		return CondB
	case CondLE:
		return CondBE
	case CondG:
		return CondA
	case CondGE:
		return CondAE
	}
	return c
}

// swapped is the condition for the operands exchanged.
func swapped(c Cond) Cond {
	switch c {
	case CondL:
		return CondG
	case CondG:
		return CondL
	case CondLE:
		return CondGE
	case CondGE:
		return CondLE
	case CondB:
		return CondA
	case CondA:
		return CondB
	case CondBE:
		return CondAE
	case CondAE:
		return CondBE
	}
	return c
}

// flags sets the flags from value id and returns the condition under which
// it is nonzero: compares are selected here, anything else is tested.
func (s *isel) flags(id ssa.ID) cond {
	v := s.f.Value(id)
	if !isCompare(v.Op) || !s.fused[id] && s.vreg[id] != 0 {
		s.testZero(id, 4)
		return cond{c: CondNE}
	}
	return s.compare(v)
}

// testZero sets ZF when value id is zero: test x, y for an and that
// fuseTests marked, else test r, r.
func (s *isel) testZero(id ssa.ID, size uint8) {
	if v := s.f.Value(id); s.fused[id] && (v.Op == ssa.OpI32And || v.Op == ssa.OpI64And) {
		if m, w, pos, k, _, ok := s.narrowMem(v); ok {
			s.emit(Instr{Op: OpTest, Size: w, Src: [3]Operand{m, Imm(k)}, Pos: pos})
			return
		}
		size = intSize(v.Type)
		x, y := v.Args[0], v.Args[1]
		if _, ok := s.immOf(x, size); ok {
			x, y = y, x
		}
		s.emit(Instr{Op: OpTest, Size: size, Src: [3]Operand{R(s.use(x)), s.src(y, size)}})
		return
	}
	r := s.use(id)
	s.emit(Instr{Op: OpTest, Size: size, Src: [3]Operand{R(r), R(r)}})
}

// compare emits the compare of v and returns its condition.
func (s *isel) compare(v *ssa.Value) cond {
	switch v.Op {
	case ssa.OpI32Eqz, ssa.OpI64Eqz, ssa.OpRefIsNull:
		size := uint8(8)
		if v.Op == ssa.OpI32Eqz {
			size = 4
		}
		s.testZero(v.Args[0], size)
		return cond{c: CondE}
	}
	if c, ok := intConds[v.Op]; ok {
		if m, w, pos, k, swap, ok := s.narrowMem(v); ok {
			if swap {
				c = swapped(c)
			}
			if w < 4 {
				// Both sides are non-negative 32-bit values, so
				// signed orders are unsigned ones, and the compare
				// can be as narrow as the load.
				c = unsignedCond(c)
			}
			s.emit(Instr{Op: OpCmp, Size: w, Src: [3]Operand{m, Imm(k)}, Pos: pos})
			return cond{c: c}
		}
		size := intSize(s.f.Value(v.Args[0]).Type)
		x, y, swap := s.operands(v.Args[0], v.Args[1], size, true)
		if swap {
			c = swapped(c)
		}
		if k, ok := s.constOf(y); ok && (size == 8 && k == 0 || size == 4 && int32(k) == 0) && (c == CondE || c == CondNE) {
			s.testZero(x, size)
			return cond{c: c}
		}
		src, pos := s.srcMem(y, size)
		s.emit(Instr{Op: OpCmp, Size: size, Src: [3]Operand{R(s.use(x)), src}, Pos: pos})
		return cond{c: c}
	}
	return s.fcompare(v)
}

// fcompare emits ucomis for a float compare. Unordered sets ZF, PF and CF,
// so "above" conditions are false on NaN; eq and ne need the parity flag.
func (s *isel) fcompare(v *ssa.Value) cond {
	op := OpUcomiss
	if s.f.Value(v.Args[0]).Type == ssa.TypeF64 {
		op = OpUcomisd
	}
	x, y := v.Args[0], v.Args[1]
	var c cond
	switch v.Op {
	case ssa.OpF32Eq, ssa.OpF64Eq:
		c = cond{c: CondE, parity: 1}
	case ssa.OpF32Ne, ssa.OpF64Ne:
		c = cond{c: CondNE, parity: 2}
	case ssa.OpF32Gt, ssa.OpF64Gt:
		c = cond{c: CondA}
	case ssa.OpF32Ge, ssa.OpF64Ge:
		c = cond{c: CondAE}
	case ssa.OpF32Lt, ssa.OpF64Lt:
		x, y, c = y, x, cond{c: CondA}
	case ssa.OpF32Le, ssa.OpF64Le:
		x, y, c = y, x, cond{c: CondAE}
	}
	s.emit(Instr{Op: op, Src: [3]Operand{R(s.use(x)), s.fsrc(y)}})
	return c
}

// fsrc returns a float value as a constant-pool operand or a register.
func (s *isel) fsrc(id ssa.ID) Operand {
	v := s.f.Value(id)
	switch v.Op {
	case ssa.OpF32Const:
		return s.fconst(uint64(uint32(v.Aux)), 0, 4)
	case ssa.OpF64Const:
		return s.fconst(uint64(v.Aux), 0, 8)
	}
	return R(s.use(id))
}

// setcc materialises a compare as 0 or 1.
func (s *isel) setcc(v *ssa.Value) {
	c := s.compare(v)
	t := s.tmp(false)
	s.emit(Instr{Op: OpSet, Cond: c.c, Dst: R(t)})
	if c.parity != 0 {
		p := s.tmp(false)
		t2 := s.tmp(false)
		if c.parity == 1 {
			s.emit(Instr{Op: OpSet, Cond: CondNP, Dst: R(p)})
			s.emit(Instr{Op: OpAnd, Size: 1, Dst: R(t2), Src: [3]Operand{R(t), R(p)}})
		} else {
			s.emit(Instr{Op: OpSet, Cond: CondP, Dst: R(p)})
			s.emit(Instr{Op: OpOr, Size: 1, Dst: R(t2), Src: [3]Operand{R(t), R(p)}})
		}
		t = t2
	}
	s.emit(Instr{Op: OpMovzx8, Size: 4, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(t)}})
}

// condBranch ends the block with a branch on value id.
func (s *isel) condBranch(id ssa.ID, t, f int32) {
	c := s.flags(id)
	s.jumpCond(c, t, f)
}

func (s *isel) jumpCond(c cond, t, f int32) {
	switch c.parity {
	case 1: // c and ordered
		s.branch(CondP, f)
	case 2: // c or unordered
		s.branch(CondP, t)
	}
	s.jcc(c.c, t, f)
}

// trapOn traps when c holds.
func (s *isel) trapOn(c cond, kind trap.Kind, pos int32) {
	switch c.parity {
	case 0:
		s.trapIf(c.c, kind, pos)
	case 1:
		ok := s.inline()
		s.branch(CondP, ok)
		s.trapIf(c.c, kind, pos)
		s.jmp(ok)
		s.switchTo(ok)
	case 2:
		s.trapIf(CondP, kind, pos)
		s.trapIf(c.c, kind, pos)
	}
}

// sel selects select: cmov for integers and references, a branch for
// floats.
func (s *isel) sel(v *ssa.Value) {
	x, y := v.Args[0], v.Args[1]
	dst := s.vr(v.ID)
	if isFloatType(v.Type) {
		yr, xr := s.use(y), s.use(x)
		c := s.flags(v.Args[2])
		s.copyReg(dst, yr)
		take, join := s.inline(), s.inline()
		s.jumpCond(c, take, join)
		s.switchTo(take)
		s.copyReg(dst, xr)
		s.jmp(join)
		s.switchTo(join)
		return
	}
	size := uint8(8)
	if v.Type == ssa.TypeI32 {
		size = 4
	}
	yr, xr := s.use(y), s.use(x)
	c := s.flags(v.Args[2])
	switch c.parity {
	case 0:
		s.emit(Instr{Op: OpCmov, Size: size, Cond: c.c, Dst: R(dst), Src: [3]Operand{R(yr), R(xr)}})
	case 1: // x if equal and ordered
		t := s.tmp(false)
		s.emit(Instr{Op: OpCmov, Size: size, Cond: c.c, Dst: R(t), Src: [3]Operand{R(yr), R(xr)}})
		s.emit(Instr{Op: OpCmov, Size: size, Cond: CondP, Dst: R(dst), Src: [3]Operand{R(t), R(yr)}})
	case 2: // x if not equal or unordered
		t := s.tmp(false)
		s.emit(Instr{Op: OpCmov, Size: size, Cond: c.c, Dst: R(t), Src: [3]Operand{R(yr), R(xr)}})
		s.emit(Instr{Op: OpCmov, Size: size, Cond: CondP, Dst: R(dst), Src: [3]Operand{R(t), R(xr)}})
	}
}
