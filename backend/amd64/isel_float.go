package amd64

import (
	"math"

	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// fops holds the scalar SSE ops of one float width.
type fops struct {
	add, sub, mul, div, min, max, sqrt, round, mov, ucomi Op
	and, andn, or, xor                                    Op
	cvtsi, cvtt                                           Op
	size                                                  int
}

var (
	f32ops = fops{OpAddss, OpSubss, OpMulss, OpDivss, OpMinss, OpMaxss, OpSqrtss, OpRoundss, OpMovss, OpUcomiss,
		OpAndps, OpAndnps, OpOrps, OpXorps, OpCvtsi2ss, OpCvttss2si, 4}
	f64ops = fops{OpAddsd, OpSubsd, OpMulsd, OpDivsd, OpMinsd, OpMaxsd, OpSqrtsd, OpRoundsd, OpMovsd, OpUcomisd,
		OpAndpd, OpAndnpd, OpOrpd, OpXorpd, OpCvtsi2sd, OpCvttsd2si, 8}
)

func opsFor(t ssa.Type) *fops {
	if t == ssa.TypeF32 {
		return &f32ops
	}
	return &f64ops
}

// signMask returns the sign bit of a float width, repeated over 16 bytes
// for the packed logic ops.
func (s *isel) signMask(size int, inverted bool) Operand {
	var lo uint64 = 0x8000_0000_8000_0000
	if size == 8 {
		lo = 1 << 63
	}
	if inverted {
		lo = ^lo
	}
	return s.fconst(lo, lo, 16)
}

// fconstOf returns a pool operand for a float value of the given width.
func (s *isel) fconstOf(x float64, size int) Operand {
	if size == 4 {
		return s.fconst(uint64(math.Float32bits(float32(x))), 0, 4)
	}
	return s.fconst(math.Float64bits(x), 0, 8)
}

func (s *isel) floatValue(v *ssa.Value) bool {
	switch v.Op {
	case ssa.OpF32Add, ssa.OpF64Add:
		s.fbin(v, opsFor(v.Type).add)
	case ssa.OpF32Sub, ssa.OpF64Sub:
		s.fbin(v, opsFor(v.Type).sub)
	case ssa.OpF32Mul, ssa.OpF64Mul:
		s.fbin(v, opsFor(v.Type).mul)
	case ssa.OpF32Div, ssa.OpF64Div:
		s.fbin(v, opsFor(v.Type).div)
	case ssa.OpF32Min, ssa.OpF64Min:
		s.minmax(v, true)
	case ssa.OpF32Max, ssa.OpF64Max:
		s.minmax(v, false)
	case ssa.OpF32Sqrt, ssa.OpF64Sqrt:
		o := opsFor(v.Type)
		s.emit(Instr{Op: o.sqrt, Dst: R(s.vr(v.ID)), Src: [3]Operand{s.fsrc(v.Args[0])}})
	case ssa.OpF32Abs, ssa.OpF64Abs:
		o := opsFor(v.Type)
		s.emit(Instr{Op: o.and, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0])), s.signMask(o.size, true)}})
	case ssa.OpF32Neg, ssa.OpF64Neg:
		o := opsFor(v.Type)
		s.emit(Instr{Op: o.xor, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0])), s.signMask(o.size, false)}})
	case ssa.OpF32Copysign, ssa.OpF64Copysign:
		o := opsFor(v.Type)
		mag, sign := s.tmp(true), s.tmp(true)
		s.emit(Instr{Op: o.and, Dst: R(mag), Src: [3]Operand{R(s.use(v.Args[0])), s.signMask(o.size, true)}})
		s.emit(Instr{Op: o.and, Dst: R(sign), Src: [3]Operand{R(s.use(v.Args[1])), s.signMask(o.size, false)}})
		s.emit(Instr{Op: o.or, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(mag), R(sign)}})
	case ssa.OpF32Ceil, ssa.OpF64Ceil:
		s.round(v, 2)
	case ssa.OpF32Floor, ssa.OpF64Floor:
		s.round(v, 1)
	case ssa.OpF32Trunc, ssa.OpF64Trunc:
		s.round(v, 3)
	case ssa.OpF32Nearest, ssa.OpF64Nearest:
		s.round(v, 0)
	case ssa.OpF32DemoteF64:
		s.emit(Instr{Op: OpCvtsd2ss, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0]))}})
	case ssa.OpF64PromoteF32:
		s.emit(Instr{Op: OpCvtss2sd, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0]))}})
	case ssa.OpI32ReinterpretF32:
		s.emit(Instr{Op: OpMovXG, Size: 4, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0]))}})
	case ssa.OpI64ReinterpretF64:
		s.emit(Instr{Op: OpMovXG, Size: 8, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0]))}})
	case ssa.OpF32ReinterpretI32:
		s.emit(Instr{Op: OpMovGX, Size: 4, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0]))}})
	case ssa.OpF64ReinterpretI64:
		s.emit(Instr{Op: OpMovGX, Size: 8, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0]))}})
	case ssa.OpF32ConvertI32S, ssa.OpF64ConvertI32S:
		s.emit(Instr{Op: opsFor(v.Type).cvtsi, Size: 4, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0]))}})
	case ssa.OpF32ConvertI64S, ssa.OpF64ConvertI64S, ssa.OpF32ConvertI32U, ssa.OpF64ConvertI32U:
		// An i32 is zero-extended in its register, so the unsigned 32-bit
		// conversion is the signed 64-bit one.
		s.emit(Instr{Op: opsFor(v.Type).cvtsi, Size: 8, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0]))}})
	case ssa.OpF32ConvertI64U, ssa.OpF64ConvertI64U:
		s.convertU64(v)
	case ssa.OpI32TruncF32S, ssa.OpI32TruncF64S, ssa.OpI64TruncF32S, ssa.OpI64TruncF64S,
		ssa.OpI32TruncF32U, ssa.OpI32TruncF64U, ssa.OpI64TruncF32U, ssa.OpI64TruncF64U:
		s.trunc(v, false)
	case ssa.OpI32TruncSatF32S, ssa.OpI32TruncSatF64S, ssa.OpI64TruncSatF32S, ssa.OpI64TruncSatF64S,
		ssa.OpI32TruncSatF32U, ssa.OpI32TruncSatF64U, ssa.OpI64TruncSatF32U, ssa.OpI64TruncSatF64U:
		s.trunc(v, true)
	default:
		return false
	}
	return true
}

func (s *isel) fbin(v *ssa.Value, op Op) {
	s.emit(Instr{Op: op, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0])), s.fsrc(v.Args[1])}})
}

func (s *isel) round(v *ssa.Value, mode int64) {
	s.used |= FeatSSE41
	s.emit(Instr{Op: opsFor(v.Type).round, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0])), Imm(mode)}})
}

// minmax implements wasm min/max: NaN if either operand is NaN, and -0
// below +0, which minss/maxss (returning the second operand) get wrong.
func (s *isel) minmax(v *ssa.Value, isMin bool) {
	o := opsFor(v.Type)
	x, y := s.use(v.Args[0]), s.use(v.Args[1])
	dst := s.vr(v.ID)
	nan, differ, equal, join := s.coldBlock(), s.inline(), s.inline(), s.inline()
	s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), R(y)}})
	s.branch(CondP, nan)
	s.jcc(CondNE, differ, equal)

	s.switchTo(nan)
	s.copyReg(dst, x)
	s.emit(Instr{Op: o.add, Dst: R(dst), Src: [3]Operand{R(dst), R(y)}})
	s.jmp(join)

	s.switchTo(differ)
	s.copyReg(dst, x)
	op := o.max
	if isMin {
		op = o.min
	}
	s.emit(Instr{Op: op, Dst: R(dst), Src: [3]Operand{R(dst), R(y)}})
	s.jmp(join)

	// Equal operands differ at most in the sign of zero: or keeps -0 for
	// min, and keeps +0 for max.
	s.switchTo(equal)
	s.copyReg(dst, x)
	op = o.and
	if isMin {
		op = o.or
	}
	s.emit(Instr{Op: op, Dst: R(dst), Src: [3]Operand{R(dst), R(y)}})
	s.jmp(join)
	s.switchTo(join)
}

// convertU64 converts an unsigned 64-bit integer: values with the top bit
// set are halved (keeping the low bit for correct rounding), converted and
// doubled.
func (s *isel) convertU64(v *ssa.Value) {
	o := opsFor(v.Type)
	x := s.use(v.Args[0])
	dst := s.vr(v.ID)
	big, join := s.inline(), s.inline()
	s.emit(Instr{Op: OpTest, Size: 8, Src: [3]Operand{R(x), R(x)}})
	s.branch(CondS, big)
	s.emit(Instr{Op: o.cvtsi, Size: 8, Dst: R(dst), Src: [3]Operand{R(x)}})
	s.jmp(join)
	s.switchTo(big)
	half, low, h2 := s.tmp(false), s.tmp(false), s.tmp(false)
	s.emit(Instr{Op: OpShr, Size: 8, Dst: R(half), Src: [3]Operand{R(x), Imm(1)}})
	s.emit(Instr{Op: OpAnd, Size: 4, Dst: R(low), Src: [3]Operand{R(x), Imm(1)}})
	s.emit(Instr{Op: OpOr, Size: 8, Dst: R(h2), Src: [3]Operand{R(half), R(low)}})
	t := s.tmp(true)
	s.emit(Instr{Op: o.cvtsi, Size: 8, Dst: R(t), Src: [3]Operand{R(h2)}})
	s.emit(Instr{Op: o.add, Dst: R(dst), Src: [3]Operand{R(t), R(t)}})
	s.jmp(join)
	s.switchTo(join)
}

// trunc converts a float to an integer toward zero. Trapping forms check
// the range before converting; saturating forms fix the result up.
func (s *isel) trunc(v *ssa.Value, sat bool) {
	srcType := s.f.Value(v.Args[0]).Type
	o := opsFor(srcType)
	size := intSize(v.Type)
	bits := int(size) * 8
	signed := false
	switch v.Op {
	case ssa.OpI32TruncF32S, ssa.OpI32TruncF64S, ssa.OpI64TruncF32S, ssa.OpI64TruncF64S,
		ssa.OpI32TruncSatF32S, ssa.OpI32TruncSatF64S, ssa.OpI64TruncSatF32S, ssa.OpI64TruncSatF64S:
		signed = true
	}
	x := s.use(v.Args[0])
	dst := s.vr(v.ID)
	hi := math.Ldexp(1, bits)
	if signed {
		hi = math.Ldexp(1, bits-1)
	}
	if !sat {
		s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), R(x)}})
		s.trapIf(CondP, trap.InvalidConversion, v.Pos)
		// Too large: x >= hi.
		s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), s.fconstOf(hi, o.size)}})
		s.trapIf(CondAE, trap.IntegerOverflow, v.Pos)
		// Too small: below -hi for signed (x <= -hi-1 when f64 holds that
		// exactly), x <= -1 for unsigned.
		switch {
		case !signed:
			s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), s.fconstOf(-1, o.size)}})
			s.trapIf(CondBE, trap.IntegerOverflow, v.Pos)
		case bits == 32 && o.size == 8:
			s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), s.fconstOf(-hi-1, o.size)}})
			s.trapIf(CondBE, trap.IntegerOverflow, v.Pos)
		default:
			s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), s.fconstOf(-hi, o.size)}})
			s.trapIf(CondB, trap.IntegerOverflow, v.Pos)
		}
		switch {
		case signed:
			s.emit(Instr{Op: o.cvtt, Size: size, Dst: R(dst), Src: [3]Operand{R(x)}})
		case bits == 32:
			t := s.tmp(false)
			s.emit(Instr{Op: o.cvtt, Size: 8, Dst: R(t), Src: [3]Operand{R(x)}})
			s.emit(Instr{Op: OpMov, Size: 4, Dst: R(dst), Src: [3]Operand{R(t)}})
		default:
			s.truncU64(x, dst, o)
		}
		return
	}
	zero, max := s.tmp(false), s.tmp(false)
	s.emit(Instr{Op: OpMov, Size: 4, Dst: R(zero), Src: [3]Operand{Imm(0)}})
	switch {
	case signed:
		if bits == 32 {
			s.emit(Instr{Op: OpMov, Size: 4, Dst: R(max), Src: [3]Operand{Imm(math.MaxInt32)}})
		} else {
			s.emit(Instr{Op: OpMov, Size: 8, Dst: R(max), Src: [3]Operand{Imm(math.MaxInt64)}})
		}
		// cvtt gives MIN for NaN and out of range: right for x < MIN.
		t, t2 := s.tmp(false), s.tmp(false)
		s.emit(Instr{Op: o.cvtt, Size: size, Dst: R(t), Src: [3]Operand{R(x)}})
		s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), s.fconstOf(hi, o.size)}})
		s.emit(Instr{Op: OpCmov, Size: size, Cond: CondAE, Dst: R(t2), Src: [3]Operand{R(t), R(max)}})
		s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), R(x)}})
		s.emit(Instr{Op: OpCmov, Size: size, Cond: CondP, Dst: R(dst), Src: [3]Operand{R(t2), R(zero)}})
	case bits == 32:
		s.emit(Instr{Op: OpMov, Size: 4, Dst: R(max), Src: [3]Operand{Imm(math.MaxUint32)}})
		t, t2, t3 := s.tmp(false), s.tmp(false), s.tmp(false)
		s.emit(Instr{Op: o.cvtt, Size: 8, Dst: R(t), Src: [3]Operand{R(x)}})
		// Below zero or NaN (CF set) gives 0; at least 2^32 gives MAX.
		s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), s.fconstOf(0, o.size)}})
		s.emit(Instr{Op: OpCmov, Size: 8, Cond: CondB, Dst: R(t2), Src: [3]Operand{R(t), R(zero)}})
		s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), s.fconstOf(hi, o.size)}})
		s.emit(Instr{Op: OpCmov, Size: 8, Cond: CondAE, Dst: R(t3), Src: [3]Operand{R(t2), R(max)}})
		s.emit(Instr{Op: OpMov, Size: 4, Dst: R(dst), Src: [3]Operand{R(t3)}})
	default:
		s.emit(Instr{Op: OpMov, Size: 8, Dst: R(max), Src: [3]Operand{Imm(-1)}})
		t, t2 := s.tmp(false), s.tmp(false)
		s.truncU64(x, t, o)
		s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), s.fconstOf(0, o.size)}})
		s.emit(Instr{Op: OpCmov, Size: 8, Cond: CondB, Dst: R(t2), Src: [3]Operand{R(t), R(zero)}})
		s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), s.fconstOf(hi, o.size)}})
		s.emit(Instr{Op: OpCmov, Size: 8, Cond: CondAE, Dst: R(dst), Src: [3]Operand{R(t2), R(max)}})
	}
}

// truncU64 converts x in [0, 2^64) (anything else gives some value) to
// an unsigned 64-bit integer in dst.
func (s *isel) truncU64(x, dst Reg, o *fops) {
	big, join := s.inline(), s.inline()
	s.emit(Instr{Op: o.ucomi, Src: [3]Operand{R(x), s.fconstOf(math.Ldexp(1, 63), o.size)}})
	s.branch(CondAE, big)
	s.emit(Instr{Op: o.cvtt, Size: 8, Dst: R(dst), Src: [3]Operand{R(x)}})
	s.jmp(join)
	s.switchTo(big)
	t := s.tmp(true)
	s.emit(Instr{Op: o.sub, Dst: R(t), Src: [3]Operand{R(x), s.fconstOf(math.Ldexp(1, 63), o.size)}})
	r, top := s.tmp(false), s.tmp(false)
	s.emit(Instr{Op: o.cvtt, Size: 8, Dst: R(r), Src: [3]Operand{R(t)}})
	s.emit(Instr{Op: OpMov, Size: 8, Dst: R(top), Src: [3]Operand{Imm(math.MinInt64)}})
	s.emit(Instr{Op: OpXor, Size: 8, Dst: R(dst), Src: [3]Operand{R(r), R(top)}})
	s.jmp(join)
	s.switchTo(join)
}
