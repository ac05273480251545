package amd64

import (
	"math"

	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// Vector instruction selection: SSE4.1 is the baseline (recorded in the
// artifact's CPU features). Every v128 value lives in an XMM register;
// the ops x86 lacks get short known sequences, described at each case.

// vbinOps are the lane ops that are one two-address instruction.
var vbinOps = map[ssa.Op]Op{
	ssa.OpI8x16Add: OpPaddb, ssa.OpI16x8Add: OpPaddw, ssa.OpI32x4Add: OpPaddd, ssa.OpI64x2Add: OpPaddq,
	ssa.OpI8x16Sub: OpPsubb, ssa.OpI16x8Sub: OpPsubw, ssa.OpI32x4Sub: OpPsubd, ssa.OpI64x2Sub: OpPsubq,
	ssa.OpI8x16AddSatS: OpPaddsb, ssa.OpI16x8AddSatS: OpPaddsw, ssa.OpI8x16AddSatU: OpPaddusb, ssa.OpI16x8AddSatU: OpPaddusw,
	ssa.OpI8x16SubSatS: OpPsubsb, ssa.OpI16x8SubSatS: OpPsubsw, ssa.OpI8x16SubSatU: OpPsubusb, ssa.OpI16x8SubSatU: OpPsubusw,
	ssa.OpI16x8Mul: OpPmullw, ssa.OpI32x4Mul: OpPmulld,
	ssa.OpI8x16MinS: OpPminsb, ssa.OpI16x8MinS: OpPminsw, ssa.OpI32x4MinS: OpPminsd,
	ssa.OpI8x16MinU: OpPminub, ssa.OpI16x8MinU: OpPminuw, ssa.OpI32x4MinU: OpPminud,
	ssa.OpI8x16MaxS: OpPmaxsb, ssa.OpI16x8MaxS: OpPmaxsw, ssa.OpI32x4MaxS: OpPmaxsd,
	ssa.OpI8x16MaxU: OpPmaxub, ssa.OpI16x8MaxU: OpPmaxuw, ssa.OpI32x4MaxU: OpPmaxud,
	ssa.OpI8x16AvgrU: OpPavgb, ssa.OpI16x8AvgrU: OpPavgw,
	ssa.OpI8x16Eq: OpPcmpeqb, ssa.OpI16x8Eq: OpPcmpeqw, ssa.OpI32x4Eq: OpPcmpeqd, ssa.OpI64x2Eq: OpPcmpeqq,
	ssa.OpV128And: OpPand, ssa.OpV128Or: OpPor, ssa.OpV128Xor: OpPxor,
	ssa.OpI8x16NarrowI16x8S: OpPacksswb, ssa.OpI8x16NarrowI16x8U: OpPackuswb,
	ssa.OpI16x8NarrowI32x4S: OpPackssdw, ssa.OpI16x8NarrowI32x4U: OpPackusdw,
	ssa.OpI32x4DotI16x8S: OpPmaddwd,
	ssa.OpF32x4Add:       OpAddps, ssa.OpF64x2Add: OpAddpd, ssa.OpF32x4Sub: OpSubps, ssa.OpF64x2Sub: OpSubpd,
	ssa.OpF32x4Mul: OpMulps, ssa.OpF64x2Mul: OpMulpd, ssa.OpF32x4Div: OpDivps, ssa.OpF64x2Div: OpDivpd,
}

// vunOps are the lane ops that are one instruction reading one register.
var vunOps = map[ssa.Op]Op{
	ssa.OpI8x16Abs: OpPabsb, ssa.OpI16x8Abs: OpPabsw, ssa.OpI32x4Abs: OpPabsd,
	ssa.OpF32x4Sqrt: OpSqrtps, ssa.OpF64x2Sqrt: OpSqrtpd,
	ssa.OpF32x4ConvertI32x4S: OpCvtdq2ps, ssa.OpF64x2ConvertLowI32x4S: OpCvtdq2pd,
	ssa.OpF32x4DemoteF64x2Zero: OpCvtpd2ps, ssa.OpF64x2PromoteLowF32x4: OpCvtps2pd,
	ssa.OpI16x8ExtendLowI8x16S: OpPmovsxbw, ssa.OpI32x4ExtendLowI16x8S: OpPmovsxwd, ssa.OpI64x2ExtendLowI32x4S: OpPmovsxdq,
	ssa.OpI16x8ExtendLowI8x16U: OpPmovzxbw, ssa.OpI32x4ExtendLowI16x8U: OpPmovzxwd, ssa.OpI64x2ExtendLowI32x4U: OpPmovzxdq,
}

// vextendHigh maps extend_high ops to the extension of the low half.
var vextendHigh = map[ssa.Op]Op{
	ssa.OpI16x8ExtendHighI8x16S: OpPmovsxbw, ssa.OpI32x4ExtendHighI16x8S: OpPmovsxwd, ssa.OpI64x2ExtendHighI32x4S: OpPmovsxdq,
	ssa.OpI16x8ExtendHighI8x16U: OpPmovzxbw, ssa.OpI32x4ExtendHighI16x8U: OpPmovzxwd, ssa.OpI64x2ExtendHighI32x4U: OpPmovzxdq,
}

// vlane describes the integer lane shape of an op: the compare, min and
// max instructions of its width.
type vlane struct {
	eq, gt, mins, minu, maxs, maxu Op
}

var (
	lane8  = vlane{OpPcmpeqb, OpPcmpgtb, OpPminsb, OpPminub, OpPmaxsb, OpPmaxub}
	lane16 = vlane{OpPcmpeqw, OpPcmpgtw, OpPminsw, OpPminuw, OpPmaxsw, OpPmaxuw}
	lane32 = vlane{OpPcmpeqd, OpPcmpgtd, OpPminsd, OpPminud, OpPmaxsd, OpPmaxud}
)

// splat16 repeats a 64-bit pattern over both halves of a 16-byte constant.
func (s *isel) splat16(x uint64) Operand { return s.fconst(x, x, 16) }

func rep8(b uint8) uint64   { return uint64(b) * 0x0101010101010101 }
func rep16(h uint16) uint64 { return uint64(h) * 0x0001000100010001 }
func rep32(w uint32) uint64 { return uint64(w) * 0x0000000100000001 }

// vop emits d = a op b (two-address).
func (s *isel) vop(op Op, d, a Reg, b Operand) {
	s.emit(Instr{Op: op, Dst: R(d), Src: [3]Operand{R(a), b}})
}

// vopImm emits d = a op b with an immediate.
func (s *isel) vopImm(op Op, d, a Reg, b Operand, imm int64) {
	s.emit(Instr{Op: op, Dst: R(d), Src: [3]Operand{R(a), b, Imm(imm)}})
}

// vmov emits d = op a [, imm] (one source).
func (s *isel) vmov(op Op, d Reg, a Operand, imm ...int64) {
	in := Instr{Op: op, Dst: R(d), Src: [3]Operand{a}}
	if len(imm) > 0 {
		in.Src[1] = Imm(imm[0])
	}
	s.emit(in)
}

func (s *isel) xt() Reg { return s.tmp(true) }

// vnot returns ^a.
func (s *isel) vnot(d, a Reg) { s.vop(OpPxor, d, a, s.splat16(math.MaxUint64)) }

// vzero returns a register holding zero.
func (s *isel) vzero() Reg {
	z := s.xt()
	s.vmov(OpMovups, z, s.fconst(0, 0, 16))
	return z
}

func (s *isel) simdValue(v *ssa.Value) bool {
	if !v.Op.IsSIMD() {
		return false
	}
	s.used |= FeatSSE41
	if op, ok := vbinOps[v.Op]; ok {
		s.vop(op, s.vr(v.ID), s.use(v.Args[0]), R(s.use(v.Args[1])))
		return true
	}
	if op, ok := vunOps[v.Op]; ok {
		s.vmov(op, s.vr(v.ID), R(s.use(v.Args[0])))
		return true
	}
	if op, ok := vextendHigh[v.Op]; ok {
		t := s.xt()
		s.vmov(OpPshufd, t, R(s.use(v.Args[0])), 0xee) // high half down
		s.vmov(op, s.vr(v.ID), R(t))
		return true
	}
	if s.simdMem(v) || s.simdLanes(v) || s.simdCompare(v) || s.simdInt(v) || s.simdFloat(v) {
		return true
	}
	s.notSupported(v.Pos, "SIMD instruction %v on amd64", v.Op)
	return true
}

// simdLanes selects constants, splats, lane accesses, shuffles and the
// bitwise ops.
func (s *isel) simdLanes(v *ssa.Value) bool {
	d := s.vr(v.ID)
	switch v.Op {
	case ssa.OpI8x16Splat, ssa.OpI16x8Splat, ssa.OpI32x4Splat, ssa.OpI64x2Splat:
		s.splatGPR(v.Op, d, s.use(v.Args[0]))
	case ssa.OpF32x4Splat:
		if s.has(FeatAVX2) {
			s.used |= FeatAVX2
			s.vmov(OpVbroadcastss, d, R(s.use(v.Args[0])))
			break
		}
		s.vmov(OpPshufd, d, R(s.use(v.Args[0])), 0)
	case ssa.OpF64x2Splat:
		s.vmov(OpPshufd, d, R(s.use(v.Args[0])), 0x44)

	case ssa.OpI8x16ExtractLaneS, ssa.OpI8x16ExtractLaneU:
		t := d
		if v.Op == ssa.OpI8x16ExtractLaneS {
			t = s.tmp(false)
		}
		s.vmov(OpPextrb, t, R(s.use(v.Args[0])), int64(v.Lane()))
		if t != d {
			s.emit(Instr{Op: OpMovsx8, Size: 4, Dst: R(d), Src: [3]Operand{R(t)}})
		}
	case ssa.OpI16x8ExtractLaneS, ssa.OpI16x8ExtractLaneU:
		t := d
		if v.Op == ssa.OpI16x8ExtractLaneS {
			t = s.tmp(false)
		}
		s.vmov(OpPextrw, t, R(s.use(v.Args[0])), int64(v.Lane()))
		if t != d {
			s.emit(Instr{Op: OpMovsx16, Size: 4, Dst: R(d), Src: [3]Operand{R(t)}})
		}
	case ssa.OpI32x4ExtractLane:
		if v.Lane() == 0 {
			s.emit(Instr{Op: OpMovXG, Size: 4, Dst: R(d), Src: [3]Operand{R(s.use(v.Args[0]))}})
		} else {
			s.vmov(OpPextrd, d, R(s.use(v.Args[0])), int64(v.Lane()))
		}
	case ssa.OpI64x2ExtractLane:
		if v.Lane() == 0 {
			s.emit(Instr{Op: OpMovXG, Size: 8, Dst: R(d), Src: [3]Operand{R(s.use(v.Args[0]))}})
		} else {
			s.vmov(OpPextrq, d, R(s.use(v.Args[0])), 1)
		}
	case ssa.OpF32x4ExtractLane:
		// The scalar is the low lane; the rest of the register is free.
		if v.Lane() == 0 {
			s.copyReg(d, s.use(v.Args[0]))
		} else {
			s.vmov(OpPshufd, d, R(s.use(v.Args[0])), int64(v.Lane()))
		}
	case ssa.OpF64x2ExtractLane:
		if v.Lane() == 0 {
			s.copyReg(d, s.use(v.Args[0]))
		} else {
			s.vmov(OpPshufd, d, R(s.use(v.Args[0])), 0xee)
		}

	case ssa.OpI8x16ReplaceLane:
		s.vopImm(OpPinsrb, d, s.use(v.Args[0]), R(s.use(v.Args[1])), int64(v.Lane()))
	case ssa.OpI16x8ReplaceLane:
		s.vopImm(OpPinsrw, d, s.use(v.Args[0]), R(s.use(v.Args[1])), int64(v.Lane()))
	case ssa.OpI32x4ReplaceLane:
		s.vopImm(OpPinsrd, d, s.use(v.Args[0]), R(s.use(v.Args[1])), int64(v.Lane()))
	case ssa.OpI64x2ReplaceLane:
		s.vopImm(OpPinsrq, d, s.use(v.Args[0]), R(s.use(v.Args[1])), int64(v.Lane()))
	case ssa.OpF32x4ReplaceLane:
		// insertps: source lane 0 to destination lane (imm bits 5:4).
		s.vopImm(OpInsertps, d, s.use(v.Args[0]), R(s.use(v.Args[1])), int64(v.Lane())<<4)
	case ssa.OpF64x2ReplaceLane:
		a, x := s.use(v.Args[0]), s.use(v.Args[1])
		if v.Lane() == 0 {
			// [x.lo, a.hi]: shufpd takes lane 0 of the destination (x)
			// and lane 1 of the source (a).
			s.vopImm(OpShufpd, d, x, R(a), 2)
		} else {
			s.vopImm(OpShufpd, d, a, R(x), 0)
		}

	case ssa.OpI8x16Shuffle:
		s.shuffle(v, d)
	case ssa.OpI8x16Swizzle:
		// pshufb reads only the low four bits of an index below 0x80:
		// adding 0x70 with unsigned saturation sends every index from
		// 16 up to 0x80 or above, which selects zero.
		t := s.xt()
		s.vop(OpPaddusb, t, s.use(v.Args[1]), s.splat16(rep8(0x70)))
		s.vop(OpPshufb, d, s.use(v.Args[0]), R(t))

	case ssa.OpV128Not:
		s.vnot(d, s.use(v.Args[0]))
	case ssa.OpV128Andnot:
		// pandn computes ^dst & src: dst starts as the second operand.
		s.vop(OpPandn, d, s.use(v.Args[1]), R(s.use(v.Args[0])))
	case ssa.OpV128Bitselect:
		// ((a ^ b) & c) ^ b
		a, b, c := s.use(v.Args[0]), s.use(v.Args[1]), s.use(v.Args[2])
		t, u := s.xt(), s.xt()
		s.vop(OpPxor, t, a, R(b))
		s.vop(OpPand, u, t, R(c))
		s.vop(OpPxor, d, u, R(b))
	case ssa.OpV128AnyTrue:
		a := s.use(v.Args[0])
		s.emit(Instr{Op: OpPtest, Src: [3]Operand{R(a), R(a)}})
		s.setFlag(CondNE, d)
	case ssa.OpI8x16AllTrue, ssa.OpI16x8AllTrue, ssa.OpI32x4AllTrue, ssa.OpI64x2AllTrue:
		// Compare every lane with zero: all true when no lane matched.
		eq := map[ssa.Op]Op{ssa.OpI8x16AllTrue: OpPcmpeqb, ssa.OpI16x8AllTrue: OpPcmpeqw,
			ssa.OpI32x4AllTrue: OpPcmpeqd, ssa.OpI64x2AllTrue: OpPcmpeqq}[v.Op]
		t := s.xt()
		s.vop(eq, t, s.vzero(), R(s.use(v.Args[0])))
		s.emit(Instr{Op: OpPtest, Src: [3]Operand{R(t), R(t)}})
		s.setFlag(CondE, d)
	case ssa.OpI8x16Bitmask:
		s.vmov(OpPmovmskb, d, R(s.use(v.Args[0])))
	case ssa.OpI16x8Bitmask:
		// Narrowing with signed saturation keeps each lane's sign.
		a := s.use(v.Args[0])
		t, m := s.xt(), s.tmp(false)
		s.vop(OpPacksswb, t, a, R(a))
		s.vmov(OpPmovmskb, m, R(t))
		s.emit(Instr{Op: OpAnd, Size: 4, Dst: R(d), Src: [3]Operand{R(m), Imm(0xff)}})
	case ssa.OpI32x4Bitmask:
		s.vmov(OpMovmskps, d, R(s.use(v.Args[0])))
	case ssa.OpI64x2Bitmask:
		s.vmov(OpMovmskpd, d, R(s.use(v.Args[0])))
	default:
		return false
	}
	return true
}

// setFlag sets the i32 d to 1 when c holds, else 0.
func (s *isel) setFlag(c Cond, d Reg) {
	t := s.tmp(false)
	s.emit(Instr{Op: OpSet, Cond: c, Dst: R(t)})
	s.emit(Instr{Op: OpMovzx8, Size: 4, Dst: R(d), Src: [3]Operand{R(t)}})
}

// splatGPR repeats the low lane of a general register over a vector.
func (s *isel) splatGPR(op ssa.Op, d, x Reg) {
	t := s.xt()
	if s.has(FeatAVX2) {
		// movd then AVX2's vpbroadcast: two instructions for any width.
		size, bc := uint8(4), map[ssa.Op]Op{ssa.OpI8x16Splat: OpVpbroadcastb, ssa.OpI16x8Splat: OpVpbroadcastw, ssa.OpI32x4Splat: OpVpbroadcastd, ssa.OpI64x2Splat: OpVpbroadcastq}[op]
		if op == ssa.OpI64x2Splat {
			size = 8
		}
		s.used |= FeatAVX2
		s.emit(Instr{Op: OpMovGX, Size: size, Dst: R(t), Src: [3]Operand{R(x)}})
		s.vmov(bc, d, R(t))
		return
	}
	switch op {
	case ssa.OpI64x2Splat:
		s.emit(Instr{Op: OpMovGX, Size: 8, Dst: R(t), Src: [3]Operand{R(x)}})
		s.vmov(OpPshufd, d, R(t), 0x44)
		return
	}
	s.emit(Instr{Op: OpMovGX, Size: 4, Dst: R(t), Src: [3]Operand{R(x)}})
	switch op {
	case ssa.OpI32x4Splat:
		s.vmov(OpPshufd, d, R(t), 0)
	case ssa.OpI16x8Splat:
		u := s.xt()
		s.vmov(OpPshuflw, u, R(t), 0)
		s.vmov(OpPshufd, d, R(u), 0)
	default: // bytes: double to a word first
		u, w := s.xt(), s.xt()
		s.vop(OpPunpcklbw, u, t, R(t))
		s.vmov(OpPshuflw, w, R(u), 0)
		s.vmov(OpPshufd, d, R(w), 0)
	}
}

// shuffle selects i8x16.shuffle with pshufb: one table when every lane
// comes from one operand, else one per operand (0x80 selects zero) and
// an or.
func (s *isel) shuffle(v *ssa.Value, d Reg) {
	lanes := v.ShuffleLanes()
	var fromA, fromB bool
	var ma, mb [16]byte
	for i, l := range lanes {
		ma[i], mb[i] = 0x80, 0x80
		if l < 16 {
			ma[i], fromA = l, true
		} else {
			mb[i], fromB = l-16, true
		}
	}
	table := func(m [16]byte) Operand {
		var lo, hi uint64
		for i := range 8 {
			lo |= uint64(m[i]) << (8 * i)
			hi |= uint64(m[i+8]) << (8 * i)
		}
		return s.fconst(lo, hi, 16)
	}
	switch {
	case !fromB:
		s.vop(OpPshufb, d, s.use(v.Args[0]), table(ma))
	case !fromA:
		s.vop(OpPshufb, d, s.use(v.Args[1]), table(mb))
	default:
		t, u := s.xt(), s.xt()
		s.vop(OpPshufb, t, s.use(v.Args[0]), table(ma))
		s.vop(OpPshufb, u, s.use(v.Args[1]), table(mb))
		s.vop(OpPor, d, t, R(u))
	}
}

// simdCompare selects the lane comparisons: all-ones or zero lanes.
func (s *isel) simdCompare(v *ssa.Value) bool {
	d := s.vr(v.ID)
	name := v.Op.String()
	var l vlane
	switch {
	case v.Op >= ssa.OpI8x16Eq && v.Op <= ssa.OpI8x16GeU:
		l = lane8
	case v.Op >= ssa.OpI16x8Eq && v.Op <= ssa.OpI16x8GeU:
		l = lane16
	case v.Op >= ssa.OpI32x4Eq && v.Op <= ssa.OpI32x4GeU:
		l = lane32
	case v.Op >= ssa.OpF32x4Eq && v.Op <= ssa.OpF64x2Ge:
		s.floatCompare(v, d)
		return true
	case v.Op >= ssa.OpI64x2Eq && v.Op <= ssa.OpI64x2GeS:
		s.compare64(v, d)
		return true
	default:
		return false
	}
	a, b := s.use(v.Args[0]), s.use(v.Args[1])
	// x >= y is max(x, y) == x; x <= y is min(x, y) == x; the strict
	// unsigned orders are their negations.
	minmax := func(mm Op, not bool) {
		t := s.xt()
		s.vop(mm, t, a, R(b))
		if !not {
			s.vop(l.eq, d, t, R(a))
			return
		}
		u := s.xt()
		s.vop(l.eq, u, t, R(a))
		s.vnot(d, u)
	}
	switch name[len("i8x16."):] {
	case "ne":
		t := s.xt()
		s.vop(l.eq, t, a, R(b))
		s.vnot(d, t)
	case "gt_s":
		s.vop(l.gt, d, a, R(b))
	case "lt_s":
		s.vop(l.gt, d, b, R(a))
	case "ge_s":
		minmax(l.maxs, false)
	case "le_s":
		minmax(l.mins, false)
	case "ge_u":
		minmax(l.maxu, false)
	case "le_u":
		minmax(l.minu, false)
	case "lt_u":
		minmax(l.maxu, true)
	case "gt_u":
		minmax(l.minu, true)
	default:
		return false
	}
	return true
}

// gt64 returns a > b for signed 64-bit lanes without SSE4.2's pcmpgtq:
// where the high halves differ, their signed 32-bit compare decides;
// where they are equal, b - a is negative exactly when a > b (the low
// halves differ by less than 2^32). The high half's answer is then
// copied over the low half.
func (s *isel) gt64(a, b Reg) Reg {
	if s.has(FeatSSE42) {
		r := s.xt()
		s.used |= FeatSSE42
		s.vop(OpPcmpgtq, r, a, R(b))
		return r
	}
	sub, eq, and, gt, or, r := s.xt(), s.xt(), s.xt(), s.xt(), s.xt(), s.xt()
	s.vop(OpPsubq, sub, b, R(a))
	s.vop(OpPcmpeqd, eq, a, R(b))
	s.vop(OpPand, and, sub, R(eq))
	s.vop(OpPcmpgtd, gt, a, R(b))
	s.vop(OpPor, or, and, R(gt))
	s.vmov(OpPshufd, r, R(or), 0xf5)
	return r
}

func (s *isel) compare64(v *ssa.Value, d Reg) {
	a, b := s.use(v.Args[0]), s.use(v.Args[1])
	switch v.Op {
	case ssa.OpI64x2Ne:
		t := s.xt()
		s.vop(OpPcmpeqq, t, a, R(b))
		s.vnot(d, t)
	case ssa.OpI64x2GtS:
		s.copyReg(d, s.gt64(a, b))
	case ssa.OpI64x2LtS:
		s.copyReg(d, s.gt64(b, a))
	case ssa.OpI64x2LeS:
		s.vnot(d, s.gt64(a, b))
	case ssa.OpI64x2GeS:
		s.vnot(d, s.gt64(b, a))
	}
}

// floatCompare uses cmpps/cmppd; greater-than swaps the operands of
// less-than, as the predicates are ordered-less ones.
func (s *isel) floatCompare(v *ssa.Value, d Reg) {
	op := OpCmpps
	if v.Op >= ssa.OpF64x2Eq {
		op = OpCmppd
	}
	a, b := s.use(v.Args[0]), s.use(v.Args[1])
	name := v.Op.String()[len("f32x4."):]
	switch name {
	case "eq":
		s.vopImm(op, d, a, R(b), 0)
	case "ne":
		s.vopImm(op, d, a, R(b), 4)
	case "lt":
		s.vopImm(op, d, a, R(b), 1)
	case "le":
		s.vopImm(op, d, a, R(b), 2)
	case "gt":
		s.vopImm(op, d, b, R(a), 1)
	case "ge":
		s.vopImm(op, d, b, R(a), 2)
	}
}

// shiftCount returns the shift count operand of a vector shift: an
// immediate for a constant, else the count modulo the lane width (plus
// extra) in an XMM register.
func (s *isel) shiftCount(id ssa.ID, width, extra int64) Operand {
	if c, ok := s.constOf(id); ok {
		return Imm(c&(width-1) + extra)
	}
	n := s.tmp(false)
	s.emit(Instr{Op: OpAnd, Size: 4, Dst: R(n), Src: [3]Operand{R(s.use(id)), Imm(width - 1)}})
	if extra != 0 {
		m := s.tmp(false)
		s.emit(Instr{Op: OpAdd, Size: 4, Dst: R(m), Src: [3]Operand{R(n), Imm(extra)}})
		n = m
	}
	x := s.xt()
	s.emit(Instr{Op: OpMovGX, Size: 4, Dst: R(x), Src: [3]Operand{R(n)}})
	return R(x)
}

var vshifts = map[ssa.Op]struct {
	op    Op
	width int64
}{
	ssa.OpI16x8Shl: {OpPsllw, 16}, ssa.OpI32x4Shl: {OpPslld, 32}, ssa.OpI64x2Shl: {OpPsllq, 64},
	ssa.OpI16x8ShrU: {OpPsrlw, 16}, ssa.OpI32x4ShrU: {OpPsrld, 32}, ssa.OpI64x2ShrU: {OpPsrlq, 64},
	ssa.OpI16x8ShrS: {OpPsraw, 16}, ssa.OpI32x4ShrS: {OpPsrad, 32},
}

// simdInt selects the integer ops that need more than one instruction.
func (s *isel) simdInt(v *ssa.Value) bool {
	d := s.vr(v.ID)
	if sh, ok := vshifts[v.Op]; ok {
		s.vop(sh.op, d, s.use(v.Args[0]), s.shiftCount(v.Args[1], sh.width, 0))
		return true
	}
	switch v.Op {
	case ssa.OpI8x16Shl, ssa.OpI8x16ShrS, ssa.OpI8x16ShrU:
		s.shift8(v, d)
	case ssa.OpI64x2ShrS:
		// No psraq: shift logically, then sign-extend from the moved
		// sign bit m: (x ^ m) - m.
		a := s.use(v.Args[0])
		n := s.shiftCount(v.Args[1], 64, 0)
		m, x, y := s.xt(), s.xt(), s.xt()
		s.vop(OpPsrlq, m, s.splat16Reg(1<<63), n)
		s.vop(OpPsrlq, x, a, n)
		s.vop(OpPxor, y, x, R(m))
		s.vop(OpPsubq, d, y, R(m))
	case ssa.OpI64x2Mul:
		// a*b = lo(a)*lo(b) + (hi(a)*lo(b) + lo(a)*hi(b)) << 32
		a, b := s.use(v.Args[0]), s.use(v.Args[1])
		ah, bh, p1, p2, sum, hi, lo := s.xt(), s.xt(), s.xt(), s.xt(), s.xt(), s.xt(), s.xt()
		s.vop(OpPsrlq, ah, a, Imm(32))
		s.vop(OpPmuludq, p1, ah, R(b))
		s.vop(OpPsrlq, bh, b, Imm(32))
		s.vop(OpPmuludq, p2, bh, R(a))
		s.vop(OpPaddq, sum, p1, R(p2))
		s.vop(OpPsllq, hi, sum, Imm(32))
		s.vop(OpPmuludq, lo, a, R(b))
		s.vop(OpPaddq, d, lo, R(hi))
	case ssa.OpI8x16Neg, ssa.OpI16x8Neg, ssa.OpI32x4Neg, ssa.OpI64x2Neg:
		sub := map[ssa.Op]Op{ssa.OpI8x16Neg: OpPsubb, ssa.OpI16x8Neg: OpPsubw, ssa.OpI32x4Neg: OpPsubd, ssa.OpI64x2Neg: OpPsubq}[v.Op]
		s.vop(sub, d, s.vzero(), R(s.use(v.Args[0])))
	case ssa.OpI64x2Abs:
		// The sign of each lane, spread over it: (x ^ m) - m.
		a := s.use(v.Args[0])
		h, m, x := s.xt(), s.xt(), s.xt()
		s.vmov(OpPshufd, h, R(a), 0xf5)
		s.vop(OpPsrad, m, h, Imm(31))
		s.vop(OpPxor, x, a, R(m))
		s.vop(OpPsubq, d, x, R(m))
	case ssa.OpI8x16Popcnt:
		// Count each nibble through a 16-entry pshufb table.
		a := s.use(v.Args[0])
		lut := s.fconst(0x0302020102010100, 0x0403030203020201, 16)
		low := s.splat16(rep8(0x0f))
		lo, sh, hi, clo, chi := s.xt(), s.xt(), s.xt(), s.xt(), s.xt()
		s.vop(OpPand, lo, a, low)
		s.vop(OpPsrlw, sh, a, Imm(4))
		s.vop(OpPand, hi, sh, low)
		t1, t2 := s.xt(), s.xt()
		s.vmov(OpMovups, t1, lut)
		s.vop(OpPshufb, clo, t1, R(lo))
		s.vmov(OpMovups, t2, lut)
		s.vop(OpPshufb, chi, t2, R(hi))
		s.vop(OpPaddb, d, clo, R(chi))
	case ssa.OpI16x8Q15mulrSatS:
		// pmulhrsw is exact except for -0x8000 * -0x8000, which gives
		// -0x8000 for 0x7fff: flip those lanes.
		t, m := s.xt(), s.xt()
		s.vop(OpPmulhrsw, t, s.use(v.Args[0]), R(s.use(v.Args[1])))
		s.vop(OpPcmpeqw, m, t, s.splat16(rep16(0x8000)))
		s.vop(OpPxor, d, t, R(m))
	case ssa.OpI16x8ExtaddPairwiseI8x16S:
		// Multiply-add by ones: pmaddubsw's first operand is unsigned.
		ones := s.xt()
		s.vmov(OpMovups, ones, s.splat16(rep8(1)))
		s.vop(OpPmaddubsw, d, ones, R(s.use(v.Args[0])))
	case ssa.OpI16x8ExtaddPairwiseI8x16U:
		s.vop(OpPmaddubsw, d, s.use(v.Args[0]), s.splat16(rep8(1)))
	case ssa.OpI32x4ExtaddPairwiseI16x8S:
		s.vop(OpPmaddwd, d, s.use(v.Args[0]), s.splat16(rep16(1)))
	case ssa.OpI32x4ExtaddPairwiseI16x8U:
		// Bias to signed, add pairs, remove the bias (2 * 0x8000).
		t, u := s.xt(), s.xt()
		s.vop(OpPxor, t, s.use(v.Args[0]), s.splat16(rep16(0x8000)))
		s.vop(OpPmaddwd, u, t, s.splat16(rep16(1)))
		s.vop(OpPaddd, d, u, s.splat16(rep32(0x10000)))
	case ssa.OpI16x8ExtmulLowI8x16S, ssa.OpI16x8ExtmulHighI8x16S, ssa.OpI16x8ExtmulLowI8x16U, ssa.OpI16x8ExtmulHighI8x16U:
		s.extmul(v, d, OpPmovsxbw, OpPmovzxbw, OpPmullw)
	case ssa.OpI32x4ExtmulLowI16x8S, ssa.OpI32x4ExtmulHighI16x8S, ssa.OpI32x4ExtmulLowI16x8U, ssa.OpI32x4ExtmulHighI16x8U:
		s.extmul(v, d, OpPmovsxwd, OpPmovzxwd, OpPmulld)
	case ssa.OpI64x2ExtmulLowI32x4S, ssa.OpI64x2ExtmulHighI32x4S, ssa.OpI64x2ExtmulLowI32x4U, ssa.OpI64x2ExtmulHighI32x4U:
		// pmuldq/pmuludq multiply lanes 0 and 2: spread the wanted pair
		// there.
		sel := int64(0x50)
		if v.Op == ssa.OpI64x2ExtmulHighI32x4S || v.Op == ssa.OpI64x2ExtmulHighI32x4U {
			sel = 0xfa
		}
		mul := OpPmuludq
		if v.Op == ssa.OpI64x2ExtmulLowI32x4S || v.Op == ssa.OpI64x2ExtmulHighI32x4S {
			mul = OpPmuldq
		}
		x, y := s.xt(), s.xt()
		s.vmov(OpPshufd, x, R(s.use(v.Args[0])), sel)
		s.vmov(OpPshufd, y, R(s.use(v.Args[1])), sel)
		s.vop(mul, d, x, R(y))
	default:
		return false
	}
	return true
}

// splat16Reg loads a repeated 64-bit pattern into a register.
func (s *isel) splat16Reg(x uint64) Reg {
	r := s.xt()
	s.vmov(OpMovups, r, s.splat16(x))
	return r
}

// extmul widens both operands' low (or high) halves and multiplies.
func (s *isel) extmul(v *ssa.Value, d Reg, sext, zext, mul Op) {
	name := v.Op.String()
	ext := sext
	if name[len(name)-1] == 'u' {
		ext = zext
	}
	high := len(name) > 12 && name[6:13] == "extmul_" && name[13] == 'h'
	wide := func(id ssa.ID) Reg {
		src := s.use(id)
		if high {
			t := s.xt()
			s.vmov(OpPshufd, t, R(src), 0xee)
			src = t
		}
		r := s.xt()
		s.vmov(ext, r, R(src))
		return r
	}
	x, y := wide(v.Args[0]), wide(v.Args[1])
	s.vop(mul, d, x, R(y))
}

// shift8 shifts bytes through words: for shl, each byte doubled in a
// word is shifted and the low bytes packed back; for shr, each byte sits
// in a word's high half, so a word shift by 8 more brings it down
// extended, and packing saturates nothing.
func (s *isel) shift8(v *ssa.Value, d Reg) {
	a := s.use(v.Args[0])
	lo, hi := s.xt(), s.xt()
	s.vop(OpPunpcklbw, lo, a, R(a))
	s.vop(OpPunpckhbw, hi, a, R(a))
	switch v.Op {
	case ssa.OpI8x16Shl:
		n := s.shiftCount(v.Args[1], 8, 0)
		l2, h2, l3, h3 := s.xt(), s.xt(), s.xt(), s.xt()
		s.vop(OpPsllw, l2, lo, n)
		s.vop(OpPsllw, h2, hi, n)
		mask := s.splat16(rep16(0x00ff))
		s.vop(OpPand, l3, l2, mask)
		s.vop(OpPand, h3, h2, mask)
		s.vop(OpPackuswb, d, l3, R(h3))
	case ssa.OpI8x16ShrS, ssa.OpI8x16ShrU:
		op, pack := OpPsraw, OpPacksswb
		if v.Op == ssa.OpI8x16ShrU {
			op, pack = OpPsrlw, OpPackuswb
		}
		n := s.shiftCount(v.Args[1], 8, 8)
		l2, h2 := s.xt(), s.xt()
		s.vop(op, l2, lo, n)
		s.vop(op, h2, hi, n)
		s.vop(pack, d, l2, R(h2))
	}
}

// simdFloat selects the float lane ops beyond single instructions.
func (s *isel) simdFloat(v *ssa.Value) bool {
	d := s.vr(v.ID)
	f64 := v.Op.String()[:3] == "f64" || v.Op == ssa.OpI32x4TruncSatF64x2SZero || v.Op == ssa.OpI32x4TruncSatF64x2UZero
	size := 4
	and, xor, mn, mx, cmp, round := OpAndps, OpXorps, OpMinps, OpMaxps, OpCmpps, OpRoundps
	if f64 {
		size = 8
		and, xor, mn, mx, cmp, round = OpAndpd, OpXorpd, OpMinpd, OpMaxpd, OpCmppd, OpRoundpd
	}
	switch v.Op {
	case ssa.OpF32x4Abs, ssa.OpF64x2Abs:
		s.vop(and, d, s.use(v.Args[0]), s.signMask(size, true))
	case ssa.OpF32x4Neg, ssa.OpF64x2Neg:
		s.vop(xor, d, s.use(v.Args[0]), s.signMask(size, false))
	case ssa.OpF32x4Ceil, ssa.OpF64x2Ceil:
		s.vmov(round, d, R(s.use(v.Args[0])), 2)
	case ssa.OpF32x4Floor, ssa.OpF64x2Floor:
		s.vmov(round, d, R(s.use(v.Args[0])), 1)
	case ssa.OpF32x4Trunc, ssa.OpF64x2Trunc:
		s.vmov(round, d, R(s.use(v.Args[0])), 3)
	case ssa.OpF32x4Nearest, ssa.OpF64x2Nearest:
		s.vmov(round, d, R(s.use(v.Args[0])), 0)
	case ssa.OpF32x4Pmin, ssa.OpF64x2Pmin:
		// b < a ? b : a is minps with b first: it returns its second
		// operand unless the first is smaller.
		s.vop(mn, d, s.use(v.Args[1]), R(s.use(v.Args[0])))
	case ssa.OpF32x4Pmax, ssa.OpF64x2Pmax:
		s.vop(mx, d, s.use(v.Args[1]), R(s.use(v.Args[0])))
	case ssa.OpF32x4Min, ssa.OpF64x2Min:
		// minps returns its second operand for NaNs and for equal
		// zeros; taking it both ways and or-ing keeps -0 and NaNs.
		// NaN lanes are then made canonical NaNs.
		a, b := s.use(v.Args[0]), s.use(v.Args[1])
		x, y, m, nan := s.xt(), s.xt(), s.xt(), s.xt()
		s.vop(mn, x, b, R(a))
		s.vop(mn, y, a, R(b))
		s.vop(OpOrps, m, x, R(y))
		s.vopImm(cmp, nan, m, R(m), 3) // unordered: NaN lanes
		s.canonNaN(d, nan, m, f64)
	case ssa.OpF32x4Max, ssa.OpF64x2Max:
		// maxps both ways; their xor marks where they differ (a NaN or
		// zeros of two signs): or-ing makes NaN lanes NaN, and
		// subtracting the difference turns +0/-0 disagreements into +0.
		a, b := s.use(v.Args[0]), s.use(v.Args[1])
		x, y, diff, m, r, nan := s.xt(), s.xt(), s.xt(), s.xt(), s.xt(), s.xt()
		s.vop(mx, x, b, R(a))
		s.vop(mx, y, a, R(b))
		s.vop(OpXorps, diff, y, R(x))
		s.vop(OpOrps, m, x, R(diff))
		sub := OpSubps
		if f64 {
			sub = OpSubpd
		}
		s.vop(sub, r, m, R(diff))
		s.vopImm(cmp, nan, r, R(r), 3)
		s.canonNaN(d, nan, r, f64)

	case ssa.OpF32x4ConvertI32x4U:
		// Split each lane into its low 16 bits and the rest; both
		// convert exactly (the rest halved to stay positive, then
		// doubled), and one addition rounds once.
		a := s.use(v.Args[0])
		l1, lo, hi, hi2, flo, fhi, fhi2 := s.xt(), s.xt(), s.xt(), s.xt(), s.xt(), s.xt(), s.xt()
		s.vop(OpPslld, l1, a, Imm(16))
		s.vop(OpPsrld, lo, l1, Imm(16))
		s.vop(OpPsubd, hi, a, R(lo))
		s.vop(OpPsrld, hi2, hi, Imm(1))
		s.vmov(OpCvtdq2ps, flo, R(lo))
		s.vmov(OpCvtdq2ps, fhi, R(hi2))
		s.vop(OpAddps, fhi2, fhi, R(fhi))
		s.vop(OpAddps, d, fhi2, R(flo))
	case ssa.OpF64x2ConvertLowI32x4U:
		// 2^52 + x as bits is 0x43300000:x; subtract 2^52.
		t := s.xt()
		s.vop(OpUnpcklps, t, s.use(v.Args[0]), s.splat16(rep32(0x43300000)))
		s.vop(OpSubpd, d, t, s.splat16(0x4330000000000000))
	case ssa.OpI32x4TruncSatF32x4S:
		// NaN lanes to 0; cvttps2dq gives 0x80000000 on overflow, which
		// the positive lanes flip to 0x7fffffff.
		a := s.use(v.Args[0])
		ord, x, sgn, i, m, m2 := s.xt(), s.xt(), s.xt(), s.xt(), s.xt(), s.xt()
		s.vopImm(OpCmpps, ord, a, R(a), 0)
		s.vop(OpAndps, x, a, R(ord))
		s.vop(OpPxor, sgn, ord, R(x)) // sign bit set for positive lanes
		s.vmov(OpCvttps2dq, i, R(x))
		s.vop(OpPand, m, sgn, R(i))
		s.vop(OpPsrad, m2, m, Imm(31))
		s.vop(OpPxor, d, i, R(m2))
	case ssa.OpI32x4TruncSatF32x4U:
		// x = max(a, 0) (NaN to 0). Lanes below 2^31 convert directly;
		// x - 2^31 converts the part above, 0x7fffffff where x >= 2^32
		// and clamped at 0 below; the two add up.
		a := s.use(v.Args[0])
		x, two31, t, ovf, ti, ti2, tc, xi := s.xt(), s.xt(), s.xt(), s.xt(), s.xt(), s.xt(), s.xt(), s.xt()
		s.vop(OpMaxps, x, a, R(s.vzero()))
		s.vmov(OpMovups, two31, s.splat16(rep32(0x4f000000)))
		s.vop(OpSubps, t, x, R(two31))
		s.vopImm(OpCmpps, ovf, two31, R(t), 2) // 2^31 <= x - 2^31
		s.vmov(OpCvttps2dq, ti, R(t))
		s.vop(OpPxor, ti2, ti, R(ovf))
		s.vop(OpPmaxsd, tc, ti2, R(s.vzero()))
		s.vmov(OpCvttps2dq, xi, R(x))
		s.vop(OpPaddd, d, xi, R(tc))
	case ssa.OpI32x4TruncSatF64x2SZero:
		// Clamp to 2^31-1 (NaN to 0: the clamp is 0 in NaN lanes and
		// minpd returns it); cvttpd2dq saturates below to INT_MIN.
		a := s.use(v.Args[0])
		ord, lim, x := s.xt(), s.xt(), s.xt()
		s.vopImm(OpCmppd, ord, a, R(a), 0)
		s.vop(OpAndpd, lim, ord, s.splat16(math.Float64bits(math.MaxInt32)))
		s.vop(OpMinpd, x, a, R(lim))
		s.vmov(OpCvttpd2dq, d, R(x))
	case ssa.OpI32x4TruncSatF64x2UZero:
		// Clamp to [0, 2^32-1] (NaN to 0), truncate, add 2^52: the low
		// 32 bits of each double are the integer.
		a := s.use(v.Args[0])
		z := s.vzero()
		x, y, r, t := s.xt(), s.xt(), s.xt(), s.xt()
		s.vop(OpMaxpd, x, a, R(z))
		s.vop(OpMinpd, y, x, s.splat16(math.Float64bits(math.MaxUint32)))
		s.vmov(OpRoundpd, r, R(y), 3)
		s.vop(OpAddpd, t, r, s.splat16(0x4330000000000000))
		s.vopImm(OpShufps, d, t, R(z), 0x88)
	default:
		return false
	}
	return true
}

// canonNaN sets d to v with NaN lanes (all ones in mask) replaced by
// the canonical NaN bits: v | mask has every bit set there, and clearing
// the mantissa bits below the quiet bit leaves a quiet NaN.
func (s *isel) canonNaN(d, mask, v Reg, f64 bool) {
	shift := int64(10) // f32: sign, 8 exponent bits, quiet bit
	shr := OpPsrld
	if f64 {
		shift, shr = 13, OpPsrlq
	}
	all, low := s.xt(), s.xt()
	s.vop(OpOrps, all, v, R(mask))
	s.vop(shr, low, mask, Imm(shift))
	s.vop(OpAndnps, d, low, R(all))
}

// simdMem selects v128 loads and stores.
func (s *isel) simdMem(v *ssa.Value) bool {
	switch v.Op {
	case ssa.OpV128Const:
		return true // materialised at each use
	case ssa.OpV128Load:
		s.emit(Instr{Op: OpMovups, Dst: R(s.vr(v.ID)), Src: [3]Operand{M(s.address(v))}, Pos: v.Pos})
	case ssa.OpV128Load8x8S, ssa.OpV128Load8x8U, ssa.OpV128Load16x4S, ssa.OpV128Load16x4U, ssa.OpV128Load32x2S, ssa.OpV128Load32x2U:
		op := map[ssa.Op]Op{ssa.OpV128Load8x8S: OpPmovsxbw, ssa.OpV128Load8x8U: OpPmovzxbw, ssa.OpV128Load16x4S: OpPmovsxwd,
			ssa.OpV128Load16x4U: OpPmovzxwd, ssa.OpV128Load32x2S: OpPmovsxdq, ssa.OpV128Load32x2U: OpPmovzxdq}[v.Op]
		s.emit(Instr{Op: op, Dst: R(s.vr(v.ID)), Src: [3]Operand{M(s.address(v))}, Pos: v.Pos})
	case ssa.OpV128Load32Zero:
		s.emit(Instr{Op: OpMovss, Dst: R(s.vr(v.ID)), Src: [3]Operand{M(s.address(v))}, Pos: v.Pos})
	case ssa.OpV128Load64Zero:
		s.emit(Instr{Op: OpMovsd, Dst: R(s.vr(v.ID)), Src: [3]Operand{M(s.address(v))}, Pos: v.Pos})
	case ssa.OpV128Load8Splat, ssa.OpV128Load16Splat, ssa.OpV128Load32Splat, ssa.OpV128Load64Splat:
		if !s.has(FeatAVX2) {
			return s.loadSplat(v)
		}
		// One broadcast from memory.
		bc := map[ssa.Op]Op{ssa.OpV128Load8Splat: OpVpbroadcastb, ssa.OpV128Load16Splat: OpVpbroadcastw,
			ssa.OpV128Load32Splat: OpVpbroadcastd, ssa.OpV128Load64Splat: OpVpbroadcastq}[v.Op]
		s.used |= FeatAVX2
		s.emit(Instr{Op: bc, Dst: R(s.vr(v.ID)), Src: [3]Operand{M(s.address(v))}, Pos: v.Pos})
	default:
		return s.loadSplat(v)
	}
	return true
}

// loadSplat selects the splat loads without AVX2, and the rest of the
// v128 loads and stores.
func (s *isel) loadSplat(v *ssa.Value) bool {
	switch v.Op {
	case ssa.OpV128Load8Splat, ssa.OpV128Load16Splat:
		op, splat := OpMovzx8, ssa.OpI8x16Splat
		if v.Op == ssa.OpV128Load16Splat {
			op, splat = OpMovzx16, ssa.OpI16x8Splat
		}
		t := s.tmp(false)
		s.emit(Instr{Op: op, Size: 4, Dst: R(t), Src: [3]Operand{M(s.address(v))}, Pos: v.Pos})
		s.splatGPR(splat, s.vr(v.ID), t)
	case ssa.OpV128Load32Splat:
		t := s.xt()
		s.emit(Instr{Op: OpMovss, Dst: R(t), Src: [3]Operand{M(s.address(v))}, Pos: v.Pos})
		s.vmov(OpPshufd, s.vr(v.ID), R(t), 0)
	case ssa.OpV128Load64Splat:
		t := s.xt()
		s.emit(Instr{Op: OpMovsd, Dst: R(t), Src: [3]Operand{M(s.address(v))}, Pos: v.Pos})
		s.vmov(OpPshufd, s.vr(v.ID), R(t), 0x44)
	case ssa.OpV128Load8Lane, ssa.OpV128Load16Lane, ssa.OpV128Load32Lane, ssa.OpV128Load64Lane:
		op := map[ssa.Op]Op{ssa.OpV128Load8Lane: OpPinsrb, ssa.OpV128Load16Lane: OpPinsrw,
			ssa.OpV128Load32Lane: OpPinsrd, ssa.OpV128Load64Lane: OpPinsrq}[v.Op]
		m := s.address(v)
		s.emit(Instr{Op: op, Dst: R(s.vr(v.ID)), Src: [3]Operand{R(s.use(v.Args[1])), M(m), Imm(int64(v.Lane()))}, Pos: v.Pos})
	case ssa.OpV128Store:
		m := s.address(v)
		s.emit(Instr{Op: OpStoreups, Dst: M(m), Src: [3]Operand{R(s.use(v.Args[1]))}, Pos: v.Pos})
	case ssa.OpV128Store8Lane, ssa.OpV128Store16Lane, ssa.OpV128Store32Lane, ssa.OpV128Store64Lane:
		x := s.use(v.Args[1])
		lane := int64(v.Lane())
		var size uint8
		t := s.tmp(false)
		switch v.Op {
		case ssa.OpV128Store8Lane:
			size = 1
			s.vmov(OpPextrb, t, R(x), lane)
		case ssa.OpV128Store16Lane:
			size = 2
			s.vmov(OpPextrw, t, R(x), lane)
		case ssa.OpV128Store32Lane:
			size = 4
			s.vmov(OpPextrd, t, R(x), lane)
		default:
			size = 8
			s.vmov(OpPextrq, t, R(x), lane)
		}
		m := s.address(v)
		s.emit(Instr{Op: OpStore, Size: size, Dst: M(m), Src: [3]Operand{R(t)}, Pos: v.Pos})
	default:
		return false
	}
	return true
}
