package arm64

import (
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// value selects one SSA instruction.
//
// i32 values live in the low half of X registers; the upper half is
// undefined. Every consumer reads them through W forms or extends them
// explicitly (uxtw addressing, i64.extend_i32_u), so i32.wrap_i64 costs
// nothing.
func (s *isel) value(v *ssa.Value) {
	switch op := v.Op; op {
	case ssa.OpI32Const, ssa.OpI64Const, ssa.OpF32Const, ssa.OpF64Const, ssa.OpRefNull:
		// Materialised at each use.
	case ssa.OpCopy:
		s.moveValue(s.vr(v.ID), v.Args[0])

	case ssa.OpI32Add, ssa.OpI64Add:
		s.addSub(v, false)
	case ssa.OpI32Sub, ssa.OpI64Sub:
		s.addSub(v, true)
	case ssa.OpI32Mul, ssa.OpI64Mul:
		s.bin(v, OpMul, R(s.use(v.Args[1])))
	case ssa.OpI32And, ssa.OpI64And:
		s.logic(v, OpAnd)
	case ssa.OpI32Or, ssa.OpI64Or:
		s.logic(v, OpOrr)
	case ssa.OpI32Xor, ssa.OpI64Xor:
		s.logic(v, OpEor)
	case ssa.OpI32Shl, ssa.OpI64Shl:
		s.shift(v, OpLsl)
	case ssa.OpI32ShrS, ssa.OpI64ShrS:
		s.shift(v, OpAsr)
	case ssa.OpI32ShrU, ssa.OpI64ShrU:
		s.shift(v, OpLsr)
	case ssa.OpI32Rotr, ssa.OpI64Rotr:
		s.shift(v, OpRor)
	case ssa.OpI32Rotl, ssa.OpI64Rotl:
		size := intSize(v.Type)
		if c, ok := s.constOf(v.Args[1]); ok {
			n := (int64(size)*8 - c) & int64(size*8-1)
			s.bin(v, OpRor, Imm(n))
			return
		}
		// Rotating left by n is rotating right by -n (ror takes the count
		// modulo the width).
		neg := s.tmp(false)
		s.emit(Instr{Op: OpNeg, Size: size, Dst: R(neg), Src: [3]Operand{R(s.use(v.Args[1]))}})
		s.bin(v, OpRor, R(neg))
	case ssa.OpI32DivS, ssa.OpI64DivS:
		s.div(v, true, false)
	case ssa.OpI32DivU, ssa.OpI64DivU:
		s.div(v, false, false)
	case ssa.OpI32RemS, ssa.OpI64RemS:
		s.div(v, true, true)
	case ssa.OpI32RemU, ssa.OpI64RemU:
		s.div(v, false, true)
	case ssa.OpI32Clz, ssa.OpI64Clz:
		s.unary(v, OpClz, intSize(v.Type))
	case ssa.OpI32Ctz, ssa.OpI64Ctz:
		size := intSize(v.Type)
		t := s.tmp(false)
		s.emit(Instr{Op: OpRbit, Size: size, Dst: R(t), Src: [3]Operand{R(s.use(v.Args[0]))}})
		s.emit(Instr{Op: OpClz, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(t)}})
	case ssa.OpI32Popcnt, ssa.OpI64Popcnt:
		// Through a vector register: per-byte counts, then their sum.
		size := intSize(v.Type)
		a, b, c := s.tmp(true), s.tmp(true), s.tmp(true)
		s.emit(Instr{Op: OpFmovToF, Size: size, Dst: R(a), Src: [3]Operand{R(s.use(v.Args[0]))}})
		s.emit(Instr{Op: OpCnt, Size: 8, Dst: R(b), Src: [3]Operand{R(a)}})
		s.emit(Instr{Op: OpUaddlv, Size: 8, Dst: R(c), Src: [3]Operand{R(b)}})
		s.emit(Instr{Op: OpFmovFromF, Size: 4, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(c)}})
	case ssa.OpI32Extend8S:
		s.unary(v, OpSxtb, 4)
	case ssa.OpI32Extend16S:
		s.unary(v, OpSxth, 4)
	case ssa.OpI64Extend8S:
		s.unary(v, OpSxtb, 8)
	case ssa.OpI64Extend16S:
		s.unary(v, OpSxth, 8)
	case ssa.OpI64Extend32S, ssa.OpI64ExtendI32S:
		s.unary(v, OpSxtw, 8)
	case ssa.OpI64ExtendI32U:
		if !s.zeroExtended(s.f.Value(v.Args[0])) {
			s.unary(v, OpUxtw, 8)
			return
		}
		// Its producer wrote a W register, which clears the upper half:
		// the extended value is the same register.
		if src := s.use(v.Args[0]); s.vreg[v.ID] == 0 {
			s.vreg[v.ID] = src
		} else {
			s.copyReg(s.vreg[v.ID], src)
		}
	case ssa.OpI32WrapI64:
		// The low half is the i32; the upper half is left as it is.
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
		s.trapOn(v.Args[0], v.Op == ssa.OpTrapz, v)
	case ssa.OpExtract:
		rets := s.tuples[v.Args[0]]
		if int(v.Aux) >= len(rets) {
			s.fail(v.Pos, "arm64: internal error: extract %d of a %d-tuple", v.Aux, len(rets))
		}
		s.vreg[v.ID] = rets[v.Aux]

	default:
		if s.simdValue(v) || s.floatValue(v) || s.memValue(v) {
			return
		}
		if v.Type == ssa.TypeV128 {
			s.notSupported(v.Pos, "SIMD instruction %v", v.Op)
		}
		s.notSupported(v.Pos, "arm64 instruction selection of %v", v.Op)
	}
}

// zeroExtended reports whether the selection of the i32 value v leaves
// the upper half of its register zero: true of everything written through
// a W register, false of parameters, call results, block parameters,
// wrap and the sign-extending narrow loads.
func (s *isel) zeroExtended(v *ssa.Value) bool {
	switch v.Op {
	case ssa.OpI32Const, ssa.OpI32Add, ssa.OpI32Sub, ssa.OpI32Mul, ssa.OpI32And, ssa.OpI32Or,
		ssa.OpI32Xor, ssa.OpI32Shl, ssa.OpI32ShrS, ssa.OpI32ShrU, ssa.OpI32Rotl, ssa.OpI32Rotr,
		ssa.OpI32DivS, ssa.OpI32DivU, ssa.OpI32RemS, ssa.OpI32RemU, ssa.OpI32Clz, ssa.OpI32Ctz,
		ssa.OpI32Popcnt, ssa.OpI32Extend8S, ssa.OpI32Extend16S, ssa.OpI32Load, ssa.OpI32Load8U,
		ssa.OpI32Load16U, ssa.OpI32ReinterpretF32, ssa.OpI32TruncF32S, ssa.OpI32TruncF32U,
		ssa.OpI32TruncF64S, ssa.OpI32TruncF64U, ssa.OpI32TruncSatF32S, ssa.OpI32TruncSatF32U,
		ssa.OpI32TruncSatF64S, ssa.OpI32TruncSatF64U, ssa.OpI32Eqz, ssa.OpI64Eqz, ssa.OpRefIsNull,
		ssa.OpMemorySize, ssa.OpTableSize:
		return true
	case ssa.OpSelect:
		return !isFloatType(v.Type)
	case ssa.OpGlobalGet, ssa.OpMemoryGrow, ssa.OpTableGrow:
		return v.Type == ssa.TypeI32
	}
	return isCompare(v.Op)
}

func (s *isel) bin(v *ssa.Value, op Op, src Operand) {
	s.emit(Instr{Op: op, Size: intSize(v.Type), Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0])), src}})
}

func (s *isel) unary(v *ssa.Value, op Op, size uint8) {
	s.emit(Instr{Op: op, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0]))}})
}

// shifted returns the shifted-register operand of a fused shift.
func (s *isel) shifted(id ssa.ID, size uint8) Operand {
	sh := s.f.Value(id)
	c, _ := s.constOf(sh.Args[1])
	amount := uint8(c & int64(size*8-1))
	e := ExtLSL
	switch sh.Op {
	case ssa.OpI32ShrU, ssa.OpI64ShrU:
		e = ExtLSR
	case ssa.OpI32ShrS, ssa.OpI64ShrS:
		e = ExtASR
	}
	return Shifted(s.use(sh.Args[0]), e, amount)
}

// addSub selects add and sub: immediates (negated into the other op when
// that fits), a fused shift as the shifted second operand, and a fused
// multiply as madd/msub.
func (s *isel) addSub(v *ssa.Value, sub bool) {
	size := intSize(v.Type)
	x, y := v.Args[0], v.Args[1]
	dst := R(s.vr(v.ID))
	if !sub {
		// The fused operand, else a constant, goes second.
		if _, ok := s.constOf(x); s.fused[x] || ok && !s.fused[y] {
			x, y = y, x
		}
	}
	if c, ok := s.constOf(y); ok {
		if size == 4 {
			c = int64(int32(c))
		}
		op, opNeg := OpAdd, OpSub
		if sub {
			op, opNeg = OpSub, OpAdd
		}
		switch {
		case addImm(c):
			s.emit(Instr{Op: op, Size: size, Dst: dst, Src: [3]Operand{R(s.use(x)), Imm(c)}})
			return
		case addImm(-c):
			s.emit(Instr{Op: opNeg, Size: size, Dst: dst, Src: [3]Operand{R(s.use(x)), Imm(-c)}})
			return
		}
	}
	if sub {
		if c, ok := s.constOf(x); ok && (c == 0 || size == 4 && int32(c) == 0) {
			var src Operand
			switch {
			case !s.fused[y]:
				src = R(s.use(y))
			case s.constShift(s.f.Value(y)):
				src = s.shifted(y, size)
			default:
				// 0 - a*b: msub from zero.
				m := s.f.Value(y)
				s.emit(Instr{Op: OpMsub, Size: size, Dst: dst, Src: [3]Operand{R(s.use(m.Args[0])), R(s.use(m.Args[1])), R(ZR)}})
				return
			}
			s.emit(Instr{Op: OpNeg, Size: size, Dst: dst, Src: [3]Operand{src}})
			return
		}
	}
	if s.fused[y] {
		w := s.f.Value(y)
		op, mop := OpAdd, OpMadd
		if sub {
			op, mop = OpSub, OpMsub
		}
		if s.constShift(w) {
			s.emit(Instr{Op: op, Size: size, Dst: dst, Src: [3]Operand{R(s.use(x)), s.shifted(y, size)}})
			return
		}
		op = mop
		s.emit(Instr{Op: op, Size: size, Dst: dst, Src: [3]Operand{R(s.use(w.Args[0])), R(s.use(w.Args[1])), R(s.use(x))}})
		return
	}
	op := OpAdd
	if sub {
		op = OpSub
	}
	s.emit(Instr{Op: op, Size: size, Dst: dst, Src: [3]Operand{R(s.use(x)), R(s.useZ(y))}})
}

// logic selects and, orr and eor: bitmask immediates, a fused shift as
// the shifted second operand, and eor with all ones as mvn.
func (s *isel) logic(v *ssa.Value, op Op) {
	size := intSize(v.Type)
	x, y := v.Args[0], v.Args[1]
	if _, ok := s.constOf(x); s.fused[x] || ok && !s.fused[y] {
		x, y = y, x
	}
	dst := R(s.vr(v.ID))
	if c, ok := s.constOf(y); ok && !s.fused[y] {
		if size == 4 {
			c = int64(uint32(c))
		}
		if op == OpEor && (size == 8 && c == -1 || size == 4 && c == 0xffff_ffff) {
			s.emit(Instr{Op: OpMvn, Size: size, Dst: dst, Src: [3]Operand{R(s.use(x))}})
			return
		}
		if logicalImm(uint64(c), size) {
			s.emit(Instr{Op: op, Size: size, Dst: dst, Src: [3]Operand{R(s.use(x)), Imm(c)}})
			return
		}
	}
	if s.fused[y] {
		s.emit(Instr{Op: op, Size: size, Dst: dst, Src: [3]Operand{R(s.use(x)), s.shifted(y, size)}})
		return
	}
	s.emit(Instr{Op: op, Size: size, Dst: dst, Src: [3]Operand{R(s.use(x)), R(s.useZ(y))}})
}

// logicalImm reports whether v is encodable as a logical immediate of the
// given size: a repeated element of 2, 4, ..., 64 bits that is a rotated
// run of ones (not all zeros or all ones).
func logicalImm(v uint64, size uint8) bool {
	if size == 4 {
		v = v&0xffff_ffff | v<<32
	}
	if v == 0 || v == ^uint64(0) {
		return false
	}
	// The smallest element size the value repeats with.
	e := uint(64)
	for e > 2 && repeats(v, e/2) {
		e /= 2
	}
	mask := ^uint64(0)
	if e < 64 {
		mask = 1<<e - 1
	}
	return rotatedRun(v&mask, e)
}

// repeats reports whether v is made of a repeated element of e bits.
func repeats(v uint64, e uint) bool {
	mask := uint64(1)<<e - 1
	elem := v & mask
	for k := e; k < 64; k += e {
		if (v>>k)&mask != elem {
			return false
		}
	}
	return true
}

// rotatedRun reports whether the e-bit value x is a rotation of a
// contiguous run of ones.
func rotatedRun(x uint64, e uint) bool {
	mask := uint64(1)<<e - 1
	if e == 64 {
		mask = ^uint64(0)
	}
	if x == 0 || x == mask {
		return false
	}
	// Rotate so that bit 0 is one and the top bit is zero, then the value
	// must be 2^n - 1.
	for r := uint(0); r < e; r++ {
		y := (x>>r | x<<(e-r)) & mask
		if y&1 == 1 && y>>(e-1) == 0 {
			return y&(y+1) == 0
		}
	}
	return false
}

func (s *isel) shift(v *ssa.Value, op Op) {
	size := intSize(v.Type)
	if c, ok := s.constOf(v.Args[1]); ok {
		s.bin(v, op, Imm(c&int64(size*8-1)))
		return
	}
	// The register forms take the count modulo the width, as wasm does.
	s.bin(v, op, R(s.use(v.Args[1])))
}

// div selects division and remainder with wasm's traps. sdiv and udiv
// return 0 for a zero divisor and MIN for MIN / -1 instead of trapping, so
// both are checked explicitly; the remainder x - (x/y)*y needs no check
// for MIN rem -1, which it computes as 0.
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
		s.trapZero(OpCbz, y, size, trap.IntegerDivideByZero, v.Pos)
	}
	if signed && !rem && (!isConst || c == -1) && flags&ssa.DivNoOverflow == 0 {
		// MIN / -1 overflows; x-1 overflows exactly when x is MIN.
		ok := s.inline()
		s.emit(Instr{Op: OpCmn, Size: size, Src: [3]Operand{R(y), Imm(1)}})
		s.branch(CondNE, ok)
		s.emit(Instr{Op: OpCmp, Size: size, Src: [3]Operand{R(x), Imm(1)}})
		s.trapIf(CondVS, trap.IntegerOverflow, v.Pos)
		s.jmp(ok)
		s.switchTo(ok)
	}
	op := OpUdiv
	if signed {
		op = OpSdiv
	}
	if !rem {
		s.emit(Instr{Op: op, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(x), R(y)}})
		return
	}
	q := s.tmp(false)
	s.emit(Instr{Op: op, Size: size, Dst: R(q), Src: [3]Operand{R(x), R(y)}})
	s.emit(Instr{Op: OpMsub, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(q), R(y), R(x)}})
}
