package arm64

import (
	"math"

	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/trap"
)

// Float semantics: arm64 arithmetic propagates NaN payloads quieted and
// produces the default (canonical) NaN otherwise, which is what wasm
// allows; fmin and fmax already return NaN for a NaN operand and order -0
// below +0; fabs, fneg and copysign are bit operations. So every float op
// is one instruction except copysign and the trapping conversions.
func (s *isel) floatValue(v *ssa.Value) bool {
	size := floatSize(v.Type)
	switch v.Op {
	case ssa.OpF32Add, ssa.OpF64Add:
		s.fbin(v, OpFadd)
	case ssa.OpF32Sub, ssa.OpF64Sub:
		s.fbin(v, OpFsub)
	case ssa.OpF32Mul, ssa.OpF64Mul:
		s.fbin(v, OpFmul)
	case ssa.OpF32Div, ssa.OpF64Div:
		s.fbin(v, OpFdiv)
	case ssa.OpF32Min, ssa.OpF64Min:
		s.fbin(v, OpFmin)
	case ssa.OpF32Max, ssa.OpF64Max:
		s.fbin(v, OpFmax)
	case ssa.OpF32Sqrt, ssa.OpF64Sqrt:
		s.unary(v, OpFsqrt, size)
	case ssa.OpF32Abs, ssa.OpF64Abs:
		s.unary(v, OpFabs, size)
	case ssa.OpF32Neg, ssa.OpF64Neg:
		s.unary(v, OpFneg, size)
	case ssa.OpF32Ceil, ssa.OpF64Ceil:
		s.unary(v, OpFrintp, size)
	case ssa.OpF32Floor, ssa.OpF64Floor:
		s.unary(v, OpFrintm, size)
	case ssa.OpF32Trunc, ssa.OpF64Trunc:
		s.unary(v, OpFrintz, size)
	case ssa.OpF32Nearest, ssa.OpF64Nearest:
		s.unary(v, OpFrintn, size)
	case ssa.OpF32Copysign, ssa.OpF64Copysign:
		// Through general registers: the magnitude bits of one, the sign
		// bit of the other (both masks are logical immediates).
		sign := uint64(1) << 63
		if size == 4 {
			sign = 1 << 31
		}
		x, y, mag, sg, r := s.tmp(false), s.tmp(false), s.tmp(false), s.tmp(false), s.tmp(false)
		s.emit(Instr{Op: OpFmovFromF, Size: size, Dst: R(x), Src: [3]Operand{R(s.use(v.Args[0]))}})
		s.emit(Instr{Op: OpFmovFromF, Size: size, Dst: R(y), Src: [3]Operand{R(s.use(v.Args[1]))}})
		s.emit(Instr{Op: OpAnd, Size: size, Dst: R(mag), Src: [3]Operand{R(x), Imm(int64(sign - 1))}})
		s.emit(Instr{Op: OpAnd, Size: size, Dst: R(sg), Src: [3]Operand{R(y), Imm(int64(sign))}})
		s.emit(Instr{Op: OpOrr, Size: size, Dst: R(r), Src: [3]Operand{R(mag), R(sg)}})
		s.emit(Instr{Op: OpFmovToF, Size: size, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(r)}})
	case ssa.OpF32DemoteF64:
		s.unary(v, OpFcvtds, 4)
	case ssa.OpF64PromoteF32:
		s.unary(v, OpFcvtsd, 8)
	case ssa.OpI32ReinterpretF32:
		s.unary(v, OpFmovFromF, 4)
	case ssa.OpI64ReinterpretF64:
		s.unary(v, OpFmovFromF, 8)
	case ssa.OpF32ReinterpretI32:
		s.unary(v, OpFmovToF, 4)
	case ssa.OpF64ReinterpretI64:
		s.unary(v, OpFmovToF, 8)
	case ssa.OpF32ConvertI32S, ssa.OpF64ConvertI32S:
		s.convert(v, OpScvtf, 4)
	case ssa.OpF32ConvertI32U, ssa.OpF64ConvertI32U:
		s.convert(v, OpUcvtf, 4)
	case ssa.OpF32ConvertI64S, ssa.OpF64ConvertI64S:
		s.convert(v, OpScvtf, 8)
	case ssa.OpF32ConvertI64U, ssa.OpF64ConvertI64U:
		s.convert(v, OpUcvtf, 8)
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
	s.emit(Instr{Op: op, Size: floatSize(v.Type), Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0])), R(s.use(v.Args[1]))}})
}

func (s *isel) convert(v *ssa.Value, op Op, intSize uint8) {
	s.emit(Instr{Op: op, Size: floatSize(v.Type), SrcSize: intSize, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[0]))}})
}

// fconst returns a register holding a float constant of the given size.
func (s *isel) fconst(x float64, size uint8) Reg {
	r := s.tmp(true)
	bits := int64(math.Float64bits(x))
	if size == 4 {
		bits = int64(math.Float32bits(float32(x)))
	}
	s.emit(Instr{Op: OpFmovImm, Size: size, Dst: R(r), Src: [3]Operand{Imm(bits)}})
	return r
}

// trunc converts a float to an integer toward zero. fcvtzs and fcvtzu
// saturate and give 0 for NaN, which is exactly the saturating form; the
// trapping form checks NaN and the range first.
func (s *isel) trunc(v *ssa.Value, sat bool) {
	srcType := s.f.Value(v.Args[0]).Type
	fsize := floatSize(srcType)
	size := intSize(v.Type)
	signed := false
	switch v.Op {
	case ssa.OpI32TruncF32S, ssa.OpI32TruncF64S, ssa.OpI64TruncF32S, ssa.OpI64TruncF64S,
		ssa.OpI32TruncSatF32S, ssa.OpI32TruncSatF64S, ssa.OpI64TruncSatF32S, ssa.OpI64TruncSatF64S:
		signed = true
	}
	x := s.use(v.Args[0])
	if !sat {
		bits := int(size) * 8
		hi := math.Ldexp(1, bits)
		if signed {
			hi = math.Ldexp(1, bits-1)
		}
		s.emit(Instr{Op: OpFcmp, Size: fsize, Src: [3]Operand{R(x), R(x)}})
		s.trapIf(CondVS, trap.InvalidConversion, v.Pos)
		s.emit(Instr{Op: OpFcmp, Size: fsize, Src: [3]Operand{R(x), R(s.fconst(hi, fsize))}})
		s.trapIf(CondGE, trap.IntegerOverflow, v.Pos)
		// Too small: x <= -1 for unsigned, below -hi for signed (x <=
		// -hi-1 when f64 holds that exactly).
		switch {
		case !signed:
			s.emit(Instr{Op: OpFcmp, Size: fsize, Src: [3]Operand{R(x), R(s.fconst(-1, fsize))}})
			s.trapIf(CondLS, trap.IntegerOverflow, v.Pos)
		case bits == 32 && fsize == 8:
			s.emit(Instr{Op: OpFcmp, Size: fsize, Src: [3]Operand{R(x), R(s.fconst(-hi-1, fsize))}})
			s.trapIf(CondLS, trap.IntegerOverflow, v.Pos)
		default:
			s.emit(Instr{Op: OpFcmp, Size: fsize, Src: [3]Operand{R(x), R(s.fconst(-hi, fsize))}})
			s.trapIf(CondMI, trap.IntegerOverflow, v.Pos)
		}
	}
	op := OpFcvtzu
	if signed {
		op = OpFcvtzs
	}
	s.emit(Instr{Op: op, Size: size, SrcSize: fsize, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(x)}})
}
