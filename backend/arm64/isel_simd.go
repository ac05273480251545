package arm64

import "github.com/wasiaot/wasiaot/compiler/ssa"

// Vector instruction selection with Advanced SIMD, which every arm64
// Linux host has. NEON has most of WebAssembly's SIMD natively; the rest
// are short sequences described at each case. v128 values live in the
// vector registers (the float class) with all 128 bits significant.

// vinstr is one selected NEON word with its mnemonic.
type vinstr struct {
	name string
	enc  uint32
}

// Lane sizes by op shape.
func laneSize(lanes int) uint32 {
	switch lanes {
	case 16:
		return sz8
	case 8:
		return sz16
	case 4:
		return sz32
	}
	return sz64
}

// vbin are the ops that are one three-register instruction, d = a op b.
var vbin = map[ssa.Op]vinstr{}

// vswapped are the compares selected as the opposite compare with the
// operands swapped (a < b is b > a).
var vswapped = map[ssa.Op]vinstr{}

// vnegated are the compares selected as the negation of a compare.
var vnegated = map[ssa.Op]vinstr{}

// vun are the ops that are one two-register instruction, d = op a.
var vun = map[ssa.Op]vinstr{}

func init() {
	type ishape struct {
		sz                                             uint32
		add, sub, addss, addsu, subss, subsu, mul      ssa.Op
		mins, minu, maxs, maxu, avgr                   ssa.Op
		eq, ne, lts, ltu, gts, gtu, les, leu, ges, geu ssa.Op
		abs, neg                                       ssa.Op
		suffix                                         string
	}
	const none = ssa.Op(0)
	for _, sh := range []ishape{
		{sz8, ssa.OpI8x16Add, ssa.OpI8x16Sub, ssa.OpI8x16AddSatS, ssa.OpI8x16AddSatU, ssa.OpI8x16SubSatS, ssa.OpI8x16SubSatU, none,
			ssa.OpI8x16MinS, ssa.OpI8x16MinU, ssa.OpI8x16MaxS, ssa.OpI8x16MaxU, ssa.OpI8x16AvgrU,
			ssa.OpI8x16Eq, ssa.OpI8x16Ne, ssa.OpI8x16LtS, ssa.OpI8x16LtU, ssa.OpI8x16GtS, ssa.OpI8x16GtU, ssa.OpI8x16LeS, ssa.OpI8x16LeU, ssa.OpI8x16GeS, ssa.OpI8x16GeU,
			ssa.OpI8x16Abs, ssa.OpI8x16Neg, ".16b"},
		{sz16, ssa.OpI16x8Add, ssa.OpI16x8Sub, ssa.OpI16x8AddSatS, ssa.OpI16x8AddSatU, ssa.OpI16x8SubSatS, ssa.OpI16x8SubSatU, ssa.OpI16x8Mul,
			ssa.OpI16x8MinS, ssa.OpI16x8MinU, ssa.OpI16x8MaxS, ssa.OpI16x8MaxU, ssa.OpI16x8AvgrU,
			ssa.OpI16x8Eq, ssa.OpI16x8Ne, ssa.OpI16x8LtS, ssa.OpI16x8LtU, ssa.OpI16x8GtS, ssa.OpI16x8GtU, ssa.OpI16x8LeS, ssa.OpI16x8LeU, ssa.OpI16x8GeS, ssa.OpI16x8GeU,
			ssa.OpI16x8Abs, ssa.OpI16x8Neg, ".8h"},
		{sz32, ssa.OpI32x4Add, ssa.OpI32x4Sub, none, none, none, none, ssa.OpI32x4Mul,
			ssa.OpI32x4MinS, ssa.OpI32x4MinU, ssa.OpI32x4MaxS, ssa.OpI32x4MaxU, none,
			ssa.OpI32x4Eq, ssa.OpI32x4Ne, ssa.OpI32x4LtS, ssa.OpI32x4LtU, ssa.OpI32x4GtS, ssa.OpI32x4GtU, ssa.OpI32x4LeS, ssa.OpI32x4LeU, ssa.OpI32x4GeS, ssa.OpI32x4GeU,
			ssa.OpI32x4Abs, ssa.OpI32x4Neg, ".4s"},
		{sz64, ssa.OpI64x2Add, ssa.OpI64x2Sub, none, none, none, none, none,
			none, none, none, none, none,
			ssa.OpI64x2Eq, ssa.OpI64x2Ne, ssa.OpI64x2LtS, none, ssa.OpI64x2GtS, none, ssa.OpI64x2LeS, none, ssa.OpI64x2GeS, none,
			ssa.OpI64x2Abs, ssa.OpI64x2Neg, ".2d"},
	} {
		z, x := sh.sz, sh.suffix
		set := func(m map[ssa.Op]vinstr, op ssa.Op, name string, enc uint32) {
			if op != none {
				m[op] = vinstr{name + x, enc}
			}
		}
		set(vbin, sh.add, "add", neon3(0, z, 0b10000))
		set(vbin, sh.sub, "sub", neon3(1, z, 0b10000))
		set(vbin, sh.addss, "sqadd", neon3(0, z, 0b00001))
		set(vbin, sh.addsu, "uqadd", neon3(1, z, 0b00001))
		set(vbin, sh.subss, "sqsub", neon3(0, z, 0b00101))
		set(vbin, sh.subsu, "uqsub", neon3(1, z, 0b00101))
		set(vbin, sh.mul, "mul", neon3(0, z, 0b10011))
		set(vbin, sh.mins, "smin", neon3(0, z, 0b01101))
		set(vbin, sh.minu, "umin", neon3(1, z, 0b01101))
		set(vbin, sh.maxs, "smax", neon3(0, z, 0b01100))
		set(vbin, sh.maxu, "umax", neon3(1, z, 0b01100))
		set(vbin, sh.avgr, "urhadd", neon3(1, z, 0b00010))
		cmeq, cmgt, cmhi := neon3(1, z, 0b10001), neon3(0, z, 0b00110), neon3(1, z, 0b00110)
		cmge, cmhs := neon3(0, z, 0b00111), neon3(1, z, 0b00111)
		set(vbin, sh.eq, "cmeq", cmeq)
		set(vnegated, sh.ne, "cmeq", cmeq)
		set(vbin, sh.gts, "cmgt", cmgt)
		set(vbin, sh.gtu, "cmhi", cmhi)
		set(vbin, sh.ges, "cmge", cmge)
		set(vbin, sh.geu, "cmhs", cmhs)
		set(vswapped, sh.lts, "cmgt", cmgt)
		set(vswapped, sh.ltu, "cmhi", cmhi)
		set(vswapped, sh.les, "cmge", cmge)
		set(vswapped, sh.leu, "cmhs", cmhs)
		set(vun, sh.abs, "abs", neon2(0, z, 0b01011))
		set(vun, sh.neg, "neg", neon2(1, z, 0b01011))
	}
	type fshape struct {
		s                                                    uint32
		add, sub, mul, div, min, max, eq, ne, lt, gt, le, ge ssa.Op
		abs, neg, sqrt, ceil, floor, trunc, nearest          ssa.Op
		suffix                                               string
	}
	for _, sh := range []fshape{
		{0, ssa.OpF32x4Add, ssa.OpF32x4Sub, ssa.OpF32x4Mul, ssa.OpF32x4Div, ssa.OpF32x4Min, ssa.OpF32x4Max,
			ssa.OpF32x4Eq, ssa.OpF32x4Ne, ssa.OpF32x4Lt, ssa.OpF32x4Gt, ssa.OpF32x4Le, ssa.OpF32x4Ge,
			ssa.OpF32x4Abs, ssa.OpF32x4Neg, ssa.OpF32x4Sqrt, ssa.OpF32x4Ceil, ssa.OpF32x4Floor, ssa.OpF32x4Trunc, ssa.OpF32x4Nearest, ".4s"},
		{1, ssa.OpF64x2Add, ssa.OpF64x2Sub, ssa.OpF64x2Mul, ssa.OpF64x2Div, ssa.OpF64x2Min, ssa.OpF64x2Max,
			ssa.OpF64x2Eq, ssa.OpF64x2Ne, ssa.OpF64x2Lt, ssa.OpF64x2Gt, ssa.OpF64x2Le, ssa.OpF64x2Ge,
			ssa.OpF64x2Abs, ssa.OpF64x2Neg, ssa.OpF64x2Sqrt, ssa.OpF64x2Ceil, ssa.OpF64x2Floor, ssa.OpF64x2Trunc, ssa.OpF64x2Nearest, ".2d"},
	} {
		s, x := sh.s, sh.suffix
		set := func(m map[ssa.Op]vinstr, op ssa.Op, name string, enc uint32) { m[op] = vinstr{name + x, enc} }
		set(vbin, sh.add, "fadd", neon3(0, s, 0b11010))
		set(vbin, sh.sub, "fsub", neon3(0, 2|s, 0b11010))
		set(vbin, sh.mul, "fmul", neon3(1, s, 0b11011))
		set(vbin, sh.div, "fdiv", neon3(1, s, 0b11111))
		// fmin and fmax propagate NaNs and order -0 below +0, as wasm's
		// min and max do.
		set(vbin, sh.min, "fmin", neon3(0, 2|s, 0b11110))
		set(vbin, sh.max, "fmax", neon3(0, s, 0b11110))
		fcmeq, fcmge, fcmgt := neon3(0, s, 0b11100), neon3(1, s, 0b11100), neon3(1, 2|s, 0b11100)
		set(vbin, sh.eq, "fcmeq", fcmeq)
		set(vnegated, sh.ne, "fcmeq", fcmeq)
		set(vbin, sh.gt, "fcmgt", fcmgt)
		set(vbin, sh.ge, "fcmge", fcmge)
		set(vswapped, sh.lt, "fcmgt", fcmgt)
		set(vswapped, sh.le, "fcmge", fcmge)
		set(vun, sh.abs, "fabs", neon2(0, 2|s, 0b01111))
		set(vun, sh.neg, "fneg", neon2(1, 2|s, 0b01111))
		set(vun, sh.sqrt, "fsqrt", neon2(1, 2|s, 0b11111))
		set(vun, sh.nearest, "frintn", neon2(0, s, 0b11000))
		set(vun, sh.floor, "frintm", neon2(0, s, 0b11001))
		set(vun, sh.ceil, "frintp", neon2(0, 2|s, 0b11000))
		set(vun, sh.trunc, "frintz", neon2(0, 2|s, 0b11001))
	}
	vbin[ssa.OpV128And] = vinstr{"and.16b", neon3(0, 0, 0b00011)}
	vbin[ssa.OpV128Andnot] = vinstr{"bic.16b", neon3(0, 1, 0b00011)}
	vbin[ssa.OpV128Or] = vinstr{"orr.16b", neon3(0, 2, 0b00011)}
	vbin[ssa.OpV128Xor] = vinstr{"eor.16b", neon3(1, 0, 0b00011)}
	vbin[ssa.OpI16x8Q15mulrSatS] = vinstr{"sqrdmulh.8h", neon3(1, sz16, 0b10110)}
	vbin[ssa.OpI8x16Swizzle] = vinstr{"tbl.16b", 0x4e000000} // out-of-range indices give 0, as wasm wants
	for op, name := range map[ssa.Op]string{
		ssa.OpI16x8ExtmulLowI8x16S: "smull.8h", ssa.OpI32x4ExtmulLowI16x8S: "smull.4s", ssa.OpI64x2ExtmulLowI32x4S: "smull.2d",
		ssa.OpI16x8ExtmulLowI8x16U: "umull.8h", ssa.OpI32x4ExtmulLowI16x8U: "umull.4s", ssa.OpI64x2ExtmulLowI32x4U: "umull.2d",
		ssa.OpI16x8ExtmulHighI8x16S: "smull2.8h", ssa.OpI32x4ExtmulHighI16x8S: "smull2.4s", ssa.OpI64x2ExtmulHighI32x4S: "smull2.2d",
		ssa.OpI16x8ExtmulHighI8x16U: "umull2.8h", ssa.OpI32x4ExtmulHighI16x8U: "umull2.4s", ssa.OpI64x2ExtmulHighI32x4U: "umull2.2d",
	} {
		vbin[op] = vinstr{name, mull(op)}
	}
	vun[ssa.OpV128Not] = vinstr{"not.16b", neon2(1, 0, 0b00101)}
	vun[ssa.OpI8x16Popcnt] = vinstr{"cnt.16b", neon2(0, 0, 0b00101)}
	vun[ssa.OpI16x8ExtaddPairwiseI8x16S] = vinstr{"saddlp.8h", neon2(0, sz8, 0b00010)}
	vun[ssa.OpI16x8ExtaddPairwiseI8x16U] = vinstr{"uaddlp.8h", neon2(1, sz8, 0b00010)}
	vun[ssa.OpI32x4ExtaddPairwiseI16x8S] = vinstr{"saddlp.4s", neon2(0, sz16, 0b00010)}
	vun[ssa.OpI32x4ExtaddPairwiseI16x8U] = vinstr{"uaddlp.4s", neon2(1, sz16, 0b00010)}
	// fcvtzs and fcvtzu saturate and turn NaN into 0, as trunc_sat wants.
	vun[ssa.OpI32x4TruncSatF32x4S] = vinstr{"fcvtzs.4s", neon2(0, 2, 0b11011)}
	vun[ssa.OpI32x4TruncSatF32x4U] = vinstr{"fcvtzu.4s", neon2(1, 2, 0b11011)}
	vun[ssa.OpF32x4ConvertI32x4S] = vinstr{"scvtf.4s", neon2(0, 0, 0b11101)}
	vun[ssa.OpF32x4ConvertI32x4U] = vinstr{"ucvtf.4s", neon2(1, 0, 0b11101)}
	// The low-half (Q=0) forms write zeros above their result.
	vun[ssa.OpF32x4DemoteF64x2Zero] = vinstr{"fcvtn.2s", neon2(0, 1, 0b10110) &^ q}
	vun[ssa.OpF64x2PromoteLowF32x4] = vinstr{"fcvtl.2d", neon2(0, 1, 0b10111) &^ q}
	for op, w := range map[ssa.Op]struct {
		name  string
		u, sz uint32
		high  bool
	}{
		ssa.OpI16x8ExtendLowI8x16S: {"sxtl.8h", 0, sz8, false}, ssa.OpI16x8ExtendHighI8x16S: {"sxtl2.8h", 0, sz8, true},
		ssa.OpI16x8ExtendLowI8x16U: {"uxtl.8h", 1, sz8, false}, ssa.OpI16x8ExtendHighI8x16U: {"uxtl2.8h", 1, sz8, true},
		ssa.OpI32x4ExtendLowI16x8S: {"sxtl.4s", 0, sz16, false}, ssa.OpI32x4ExtendHighI16x8S: {"sxtl2.4s", 0, sz16, true},
		ssa.OpI32x4ExtendLowI16x8U: {"uxtl.4s", 1, sz16, false}, ssa.OpI32x4ExtendHighI16x8U: {"uxtl2.4s", 1, sz16, true},
		ssa.OpI64x2ExtendLowI32x4S: {"sxtl.2d", 0, sz32, false}, ssa.OpI64x2ExtendHighI32x4S: {"sxtl2.2d", 0, sz32, true},
		ssa.OpI64x2ExtendLowI32x4U: {"uxtl.2d", 1, sz32, false}, ssa.OpI64x2ExtendHighI32x4U: {"uxtl2.2d", 1, sz32, true},
	} {
		vun[op] = vinstr{w.name, extend(w.u, w.sz, w.high)}
	}
}

// q is the bit that selects 128-bit vectors (or the upper half).
const q = 1 << 30

// extend is sshll/ushll #0 (sxtl, uxtl) of the low or high half.
func extend(u, size uint32, high bool) uint32 {
	w := 0x0f00a400 | u<<29 | shiftImm(size, 0, true)
	if high {
		w |= q
	}
	return w
}

// mull is smull/umull(2) of an extmul op.
func mull(op ssa.Op) uint32 {
	var w uint32
	switch op {
	case ssa.OpI16x8ExtmulLowI8x16S, ssa.OpI16x8ExtmulHighI8x16S, ssa.OpI16x8ExtmulLowI8x16U, ssa.OpI16x8ExtmulHighI8x16U:
		w = sz8 << 22
	case ssa.OpI32x4ExtmulLowI16x8S, ssa.OpI32x4ExtmulHighI16x8S, ssa.OpI32x4ExtmulLowI16x8U, ssa.OpI32x4ExtmulHighI16x8U:
		w = sz16 << 22
	default:
		w = sz32 << 22
	}
	switch op {
	case ssa.OpI16x8ExtmulLowI8x16U, ssa.OpI16x8ExtmulHighI8x16U, ssa.OpI32x4ExtmulLowI16x8U, ssa.OpI32x4ExtmulHighI16x8U,
		ssa.OpI64x2ExtmulLowI32x4U, ssa.OpI64x2ExtmulHighI32x4U:
		w |= 1 << 29
	}
	switch op {
	case ssa.OpI16x8ExtmulHighI8x16S, ssa.OpI16x8ExtmulHighI8x16U, ssa.OpI32x4ExtmulHighI16x8S, ssa.OpI32x4ExtmulHighI16x8U,
		ssa.OpI64x2ExtmulHighI32x4S, ssa.OpI64x2ExtmulHighI32x4U:
		w |= q
	}
	return 0x0e20c000 | w
}

func (s *isel) vt() Reg { return s.tmp(true) }

// v emits d = vi(n, m) (m may be NoReg).
func (s *isel) v(vi vinstr, d, n, m Reg) {
	in := Instr{Op: OpVec, Enc: vi.enc, VName: vi.name, Dst: R(d), Src: [3]Operand{R(n)}}
	if m != NoReg {
		in.Src[1] = R(m)
	}
	s.emit(in)
}

// vtied emits d = vi(old, n, m) for instructions that also read their
// destination (ins, bsl, tbx, the "2" narrowings): d starts as old.
func (s *isel) vtied(vi vinstr, d, old, n, m Reg) {
	in := Instr{Op: OpVec, Enc: vi.enc, VName: vi.name, Tied: true, Dst: R(d), Src: [3]Operand{R(old), R(n)}}
	if m != NoReg {
		in.Src[2] = R(m)
	}
	s.emit(in)
}

// vconst returns a register holding the 128-bit constant hi:lo.
func (s *isel) vconst(lo, hi uint64) Reg {
	r := s.vt()
	s.emit(Instr{Op: OpFmovImm, Size: 16, Dst: R(r), Src: [3]Operand{Imm(int64(lo)), Imm(int64(hi))}})
	return r
}

func (s *isel) simdValue(v *ssa.Value) bool {
	if !v.Op.IsSIMD() {
		return false
	}
	if vi, ok := vbin[v.Op]; ok {
		s.v(vi, s.vr(v.ID), s.use(v.Args[0]), s.use(v.Args[1]))
		return true
	}
	if vi, ok := vswapped[v.Op]; ok {
		s.v(vi, s.vr(v.ID), s.use(v.Args[1]), s.use(v.Args[0]))
		return true
	}
	if vi, ok := vnegated[v.Op]; ok {
		t := s.vt()
		s.v(vi, t, s.use(v.Args[0]), s.use(v.Args[1]))
		s.v(vun[ssa.OpV128Not], s.vr(v.ID), t, NoReg)
		return true
	}
	if vi, ok := vun[v.Op]; ok {
		s.v(vi, s.vr(v.ID), s.use(v.Args[0]), NoReg)
		return true
	}
	return s.simdMem(v) || s.simdLanes(v) || s.simdMisc(v)
}

// laneOf is the lane size (log2 bytes) of a lane op's shape.
func laneOf(v *ssa.Value) uint32 { return laneSize(v.Op.LaneCount()) }

func (s *isel) simdLanes(v *ssa.Value) bool {
	d := s.vr(v.ID)
	lane := uint32(v.Lane())
	switch v.Op {
	case ssa.OpI8x16Splat, ssa.OpI16x8Splat, ssa.OpI32x4Splat, ssa.OpI64x2Splat:
		z := laneOf(v)
		s.v(vinstr{"dup" + arr(z), 0x4e000c00 | imm5(z, 0)}, d, s.useZ(v.Args[0]), NoReg)
	case ssa.OpF32x4Splat, ssa.OpF64x2Splat:
		z := laneOf(v)
		s.v(vinstr{"dup" + arr(z), 0x4e000400 | imm5(z, 0)}, d, s.use(v.Args[0]), NoReg)
	case ssa.OpI8x16ExtractLaneS, ssa.OpI16x8ExtractLaneS:
		z := laneOf(v)
		s.v(vinstr{"smov.w" + elem(z), 0x0e002c00 | imm5(z, lane)}, d, s.use(v.Args[0]), NoReg)
	case ssa.OpI8x16ExtractLaneU, ssa.OpI16x8ExtractLaneU, ssa.OpI32x4ExtractLane:
		z := laneOf(v)
		s.v(vinstr{"umov.w" + elem(z), 0x0e003c00 | imm5(z, lane)}, d, s.use(v.Args[0]), NoReg)
	case ssa.OpI64x2ExtractLane:
		s.v(vinstr{"umov.x.d", 0x4e003c00 | imm5(sz64, lane)}, d, s.use(v.Args[0]), NoReg)
	case ssa.OpF32x4ExtractLane, ssa.OpF64x2ExtractLane:
		z := laneOf(v)
		s.v(vinstr{"dup.scalar" + elem(z), 0x5e000400 | imm5(z, lane)}, d, s.use(v.Args[0]), NoReg)
	case ssa.OpI8x16ReplaceLane, ssa.OpI16x8ReplaceLane, ssa.OpI32x4ReplaceLane, ssa.OpI64x2ReplaceLane:
		z := laneOf(v)
		s.vtied(vinstr{"ins.gp" + elem(z), 0x4e001c00 | imm5(z, lane)}, d, s.use(v.Args[0]), s.useZ(v.Args[1]), NoReg)
	case ssa.OpF32x4ReplaceLane, ssa.OpF64x2ReplaceLane:
		z := laneOf(v)
		s.vtied(vinstr{"ins" + elem(z), 0x6e000400 | imm5(z, lane)}, d, s.use(v.Args[0]), s.use(v.Args[1]), NoReg)
	case ssa.OpI8x16Shuffle:
		// tbl gives 0 for indices 16-31, tbx keeps the lane for indices
		// out of range: the second table's indices are the lanes - 16.
		l := v.ShuffleLanes()
		var lo1, hi1, lo2, hi2 uint64
		for i := range 8 {
			lo1 |= uint64(l[i]) << (8 * i)
			hi1 |= uint64(l[i+8]) << (8 * i)
			lo2 |= uint64(l[i]-16) << (8 * i)
			hi2 |= uint64(l[i+8]-16) << (8 * i)
		}
		t := s.vt()
		s.v(vbin[ssa.OpI8x16Swizzle], t, s.use(v.Args[0]), s.vconst(lo1, hi1))
		s.vtied(vinstr{"tbx.16b", 0x4e001000}, d, t, s.use(v.Args[1]), s.vconst(lo2, hi2))
	default:
		return false
	}
	return true
}

// arr and elem name lane shapes in mnemonics.
func arr(z uint32) string  { return [...]string{".16b", ".8h", ".4s", ".2d"}[z] }
func elem(z uint32) string { return [...]string{".b", ".h", ".s", ".d"}[z] }

// simdMem selects v128 loads and stores: whole vectors through q
// registers, the narrower forms through d, s or general registers.
func (s *isel) simdMem(v *ssa.Value) bool {
	d := s.vr(v.ID)
	switch v.Op {
	case ssa.OpV128Const:
		return true // materialised at each use
	case ssa.OpV128Load:
		s.emit(Instr{Op: OpFldr, Size: 16, Dst: R(d), Src: [3]Operand{s.address(v, 16)}, Pos: v.Pos})
	case ssa.OpV128Load8x8S, ssa.OpV128Load8x8U, ssa.OpV128Load16x4S, ssa.OpV128Load16x4U, ssa.OpV128Load32x2S, ssa.OpV128Load32x2U:
		t := s.vt()
		s.emit(Instr{Op: OpFldr, Size: 8, Dst: R(t), Src: [3]Operand{s.address(v, 8)}, Pos: v.Pos})
		ext := map[ssa.Op]ssa.Op{
			ssa.OpV128Load8x8S: ssa.OpI16x8ExtendLowI8x16S, ssa.OpV128Load8x8U: ssa.OpI16x8ExtendLowI8x16U,
			ssa.OpV128Load16x4S: ssa.OpI32x4ExtendLowI16x8S, ssa.OpV128Load16x4U: ssa.OpI32x4ExtendLowI16x8U,
			ssa.OpV128Load32x2S: ssa.OpI64x2ExtendLowI32x4S, ssa.OpV128Load32x2U: ssa.OpI64x2ExtendLowI32x4U,
		}[v.Op]
		s.v(vun[ext], d, t, NoReg)
	case ssa.OpV128Load32Zero:
		s.emit(Instr{Op: OpFldr, Size: 4, Dst: R(d), Src: [3]Operand{s.address(v, 4)}, Pos: v.Pos})
	case ssa.OpV128Load64Zero:
		s.emit(Instr{Op: OpFldr, Size: 8, Dst: R(d), Src: [3]Operand{s.address(v, 8)}, Pos: v.Pos})
	case ssa.OpV128Load8Splat, ssa.OpV128Load16Splat, ssa.OpV128Load32Splat, ssa.OpV128Load64Splat:
		z := map[ssa.Op]uint32{ssa.OpV128Load8Splat: sz8, ssa.OpV128Load16Splat: sz16, ssa.OpV128Load32Splat: sz32, ssa.OpV128Load64Splat: sz64}[v.Op]
		t := s.loadLane(v, z)
		s.v(vinstr{"dup" + arr(z), 0x4e000c00 | imm5(z, 0)}, d, t, NoReg)
	case ssa.OpV128Load8Lane, ssa.OpV128Load16Lane, ssa.OpV128Load32Lane, ssa.OpV128Load64Lane:
		z := map[ssa.Op]uint32{ssa.OpV128Load8Lane: sz8, ssa.OpV128Load16Lane: sz16, ssa.OpV128Load32Lane: sz32, ssa.OpV128Load64Lane: sz64}[v.Op]
		old := s.use(v.Args[1])
		t := s.loadLane(v, z)
		s.vtied(vinstr{"ins.gp" + elem(z), 0x4e001c00 | imm5(z, uint32(v.Lane()))}, d, old, t, NoReg)
	case ssa.OpV128Store:
		x := s.use(v.Args[1])
		s.emit(Instr{Op: OpFstr, Size: 16, Dst: s.address(v, 16), Src: [3]Operand{R(x)}, Pos: v.Pos})
	case ssa.OpV128Store8Lane, ssa.OpV128Store16Lane, ssa.OpV128Store32Lane, ssa.OpV128Store64Lane:
		z := map[ssa.Op]uint32{ssa.OpV128Store8Lane: sz8, ssa.OpV128Store16Lane: sz16, ssa.OpV128Store32Lane: sz32, ssa.OpV128Store64Lane: sz64}[v.Op]
		t := s.tmp(false)
		lane := uint32(v.Lane())
		if z == sz64 {
			s.v(vinstr{"umov.x.d", 0x4e003c00 | imm5(z, lane)}, t, s.use(v.Args[1]), NoReg)
		} else {
			s.v(vinstr{"umov.w" + elem(z), 0x0e003c00 | imm5(z, lane)}, t, s.use(v.Args[1]), NoReg)
		}
		op, size := [...]Op{OpStrb, OpStrh, OpStr, OpStr}[z], [...]uint8{4, 4, 4, 8}[z]
		s.emit(Instr{Op: op, Size: size, Dst: s.address(v, 1<<z), Src: [3]Operand{R(t)}, Pos: v.Pos})
	default:
		return false
	}
	return true
}

// loadLane loads 1<<z bytes at v's address, zero-extended, into a new
// general register.
func (s *isel) loadLane(v *ssa.Value, z uint32) Reg {
	t := s.tmp(false)
	op, size := [...]Op{OpLdrb, OpLdrh, OpLdrw, OpLdr}[z], [...]uint8{4, 4, 4, 8}[z]
	s.emit(Instr{Op: op, Size: size, Dst: R(t), Src: [3]Operand{s.address(v, 1<<z)}, Pos: v.Pos})
	return t
}

// simdMisc selects the sequences: shifts, reductions, bitmasks,
// narrowing, dot products, i64x2.mul, pmin/pmax and the conversions of
// f64x2 lanes.
func (s *isel) simdMisc(v *ssa.Value) bool {
	d := s.vr(v.ID)
	switch v.Op {
	case ssa.OpI8x16Shl, ssa.OpI16x8Shl, ssa.OpI32x4Shl, ssa.OpI64x2Shl,
		ssa.OpI8x16ShrS, ssa.OpI16x8ShrS, ssa.OpI32x4ShrS, ssa.OpI64x2ShrS,
		ssa.OpI8x16ShrU, ssa.OpI16x8ShrU, ssa.OpI32x4ShrU, ssa.OpI64x2ShrU:
		s.vshift(v, d)
	case ssa.OpV128Bitselect:
		// bsl: d = (d & n) | (^d & m), with the mask in d.
		s.vtied(vinstr{"bsl.16b", neon3(1, 1, 0b00011)}, d, s.use(v.Args[2]), s.use(v.Args[0]), s.use(v.Args[1]))
	case ssa.OpF32x4Pmin, ssa.OpF64x2Pmin, ssa.OpF32x4Pmax, ssa.OpF64x2Pmax:
		// pmin is b < a ? b : a, pmax a < b ? b : a: a compare and bsl.
		a, b := s.use(v.Args[0]), s.use(v.Args[1])
		gt := vbin[ssa.OpF32x4Gt]
		if v.Op == ssa.OpF64x2Pmin || v.Op == ssa.OpF64x2Pmax {
			gt = vbin[ssa.OpF64x2Gt]
		}
		m := s.vt()
		if v.Op == ssa.OpF32x4Pmin || v.Op == ssa.OpF64x2Pmin {
			s.v(gt, m, a, b)
		} else {
			s.v(gt, m, b, a)
		}
		s.vtied(vinstr{"bsl.16b", neon3(1, 1, 0b00011)}, d, m, b, a)
	case ssa.OpV128AnyTrue:
		t := s.vt()
		s.v(vinstr{"umaxv.16b", neonAcross(1, sz8, 0b01010)}, t, s.use(v.Args[0]), NoReg)
		s.testLow(d, t, CondNE)
	case ssa.OpI8x16AllTrue, ssa.OpI16x8AllTrue, ssa.OpI32x4AllTrue:
		z := laneOf(v)
		t := s.vt()
		s.v(vinstr{"uminv" + arr(z), neonAcross(1, z, 0b11010)}, t, s.use(v.Args[0]), NoReg)
		s.testLow(d, t, CondNE)
	case ssa.OpI64x2AllTrue:
		// A zero lane compares all ones; the max over it says whether
		// there is one.
		z, t := s.vt(), s.vt()
		s.v(vinstr{"cmeq0.2d", neon2(0, sz64, 0b01001)}, z, s.use(v.Args[0]), NoReg)
		s.v(vinstr{"umaxv.4s", neonAcross(1, sz32, 0b01010)}, t, z, NoReg)
		s.testLow(d, t, CondEQ)
	case ssa.OpI8x16Bitmask, ssa.OpI16x8Bitmask, ssa.OpI32x4Bitmask, ssa.OpI64x2Bitmask:
		s.bitmask(v, d)
	case ssa.OpI8x16NarrowI16x8S, ssa.OpI8x16NarrowI16x8U, ssa.OpI16x8NarrowI32x4S, ssa.OpI16x8NarrowI32x4U:
		z := uint32(sz8)
		if v.Op == ssa.OpI16x8NarrowI32x4S || v.Op == ssa.OpI16x8NarrowI32x4U {
			z = sz16
		}
		name, u, opc := "sqxtn", uint32(0), uint32(0b10100)
		if v.Op == ssa.OpI8x16NarrowI16x8U || v.Op == ssa.OpI16x8NarrowI32x4U {
			name, u, opc = "sqxtun", 1, 0b10010
		}
		t := s.vt()
		s.v(vinstr{name + elem(z), neon2(u, z, opc) &^ q}, t, s.use(v.Args[0]), NoReg)
		s.vtied(vinstr{name + "2" + elem(z), neon2(u, z, opc)}, d, t, s.use(v.Args[1]), NoReg)
	case ssa.OpI32x4DotI16x8S:
		a, b := s.use(v.Args[0]), s.use(v.Args[1])
		lo, hi := s.vt(), s.vt()
		s.v(vinstr{"smull.4s", 0x0e20c000 | sz16<<22}, lo, a, b)
		s.v(vinstr{"smull2.4s", 0x4e20c000 | sz16<<22}, hi, a, b)
		s.v(vinstr{"addp.4s", neon3(0, sz32, 0b10111)}, d, lo, hi)
	case ssa.OpI64x2Mul:
		// No 64-bit lane multiply: both lanes through general registers.
		a, b := s.use(v.Args[0]), s.use(v.Args[1])
		var prods [2]Reg
		for l := range uint32(2) {
			x, y := s.tmp(false), s.tmp(false)
			s.v(vinstr{"umov.x.d", 0x4e003c00 | imm5(sz64, l)}, x, a, NoReg)
			s.v(vinstr{"umov.x.d", 0x4e003c00 | imm5(sz64, l)}, y, b, NoReg)
			prods[l] = s.tmp(false)
			s.emit(Instr{Op: OpMul, Size: 8, Dst: R(prods[l]), Src: [3]Operand{R(x), R(y)}})
		}
		t := s.vt()
		s.v(vinstr{"dup.2d", 0x4e000c00 | imm5(sz64, 0)}, t, prods[0], NoReg)
		s.vtied(vinstr{"ins.gp.d", 0x4e001c00 | imm5(sz64, 1)}, d, t, prods[1], NoReg)
	case ssa.OpI32x4TruncSatF64x2SZero, ssa.OpI32x4TruncSatF64x2UZero:
		// Saturate to 64 bits, then narrow with saturation into the low
		// half (the upper half becomes zero).
		t := s.vt()
		if v.Op == ssa.OpI32x4TruncSatF64x2SZero {
			s.v(vinstr{"fcvtzs.2d", neon2(0, 3, 0b11011)}, t, s.use(v.Args[0]), NoReg)
			s.v(vinstr{"sqxtn.s", neon2(0, sz32, 0b10100) &^ q}, d, t, NoReg)
		} else {
			s.v(vinstr{"fcvtzu.2d", neon2(1, 3, 0b11011)}, t, s.use(v.Args[0]), NoReg)
			s.v(vinstr{"uqxtn.s", neon2(1, sz32, 0b10100) &^ q}, d, t, NoReg)
		}
	case ssa.OpF64x2ConvertLowI32x4S, ssa.OpF64x2ConvertLowI32x4U:
		t := s.vt()
		if v.Op == ssa.OpF64x2ConvertLowI32x4S {
			s.v(vun[ssa.OpI64x2ExtendLowI32x4S], t, s.use(v.Args[0]), NoReg)
			s.v(vinstr{"scvtf.2d", neon2(0, 1, 0b11101)}, d, t, NoReg)
		} else {
			s.v(vun[ssa.OpI64x2ExtendLowI32x4U], t, s.use(v.Args[0]), NoReg)
			s.v(vinstr{"ucvtf.2d", neon2(1, 1, 0b11101)}, d, t, NoReg)
		}
	default:
		return false
	}
	return true
}

// testLow sets d to whether the low 32 bits of vector t meet c against
// zero.
func (s *isel) testLow(d, t Reg, c Cond) {
	w := s.tmp(false)
	s.emit(Instr{Op: OpFmovFromF, Size: 4, Dst: R(w), Src: [3]Operand{R(t)}})
	s.emit(Instr{Op: OpCmp, Size: 4, Src: [3]Operand{R(w), R(ZR)}})
	s.emit(Instr{Op: OpCset, Size: 4, Cond: c, Dst: R(d)})
}

// vshift selects shifts: by a constant, shl/sshr/ushr by immediate; by
// a register, sshl/ushl by the count masked to the lane width and
// broadcast, negated for right shifts.
func (s *isel) vshift(v *ssa.Value, d Reg) {
	z := laneOf(v)
	bits := int64(8) << z
	left := v.Op == ssa.OpI8x16Shl || v.Op == ssa.OpI16x8Shl || v.Op == ssa.OpI32x4Shl || v.Op == ssa.OpI64x2Shl
	signed := v.Op == ssa.OpI8x16ShrS || v.Op == ssa.OpI16x8ShrS || v.Op == ssa.OpI32x4ShrS || v.Op == ssa.OpI64x2ShrS
	a := s.use(v.Args[0])
	if c, ok := s.constOf(v.Args[1]); ok {
		n := uint32(c & (bits - 1))
		switch {
		case n == 0:
			s.copyReg(d, a)
		case left:
			s.v(vinstr{"shl" + arr(z), 0x4f005400 | shiftImm(z, n, true)}, d, a, NoReg)
		case signed:
			s.v(vinstr{"sshr" + arr(z), 0x4f000400 | shiftImm(z, n, false)}, d, a, NoReg)
		default:
			s.v(vinstr{"ushr" + arr(z), 0x6f000400 | shiftImm(z, n, false)}, d, a, NoReg)
		}
		return
	}
	n := s.tmp(false)
	s.emit(Instr{Op: OpAnd, Size: 4, Dst: R(n), Src: [3]Operand{R(s.use(v.Args[1])), Imm(bits - 1)}})
	if !left {
		m := s.tmp(false)
		s.emit(Instr{Op: OpNeg, Size: 4, Dst: R(m), Src: [3]Operand{R(n)}})
		n = m
	}
	cnt := s.vt()
	s.v(vinstr{"dup" + arr(z), 0x4e000c00 | imm5(z, 0)}, cnt, n, NoReg)
	if signed {
		s.v(vinstr{"sshl" + arr(z), neon3(0, z, 0b01000)}, d, a, cnt)
	} else {
		s.v(vinstr{"ushl" + arr(z), neon3(1, z, 0b01000)}, d, a, cnt)
	}
}

// bitmask: each lane's sign spread over the lane (cmlt #0), masked with
// the lane's bit of the result, and the lanes summed.
func (s *isel) bitmask(v *ssa.Value, d Reg) {
	z := laneOf(v)
	var lo, hi uint64
	switch z {
	case sz8:
		lo, hi = 0x8040201008040201, 0x8040201008040201
	case sz16:
		lo, hi = 0x0008000400020001, 0x0080004000200010
	case sz32:
		lo, hi = 0x0000000200000001, 0x0000000800000004
	default:
		lo, hi = 1, 2
	}
	sign, bitsv, sum := s.vt(), s.vt(), s.vt()
	s.v(vinstr{"cmlt0" + arr(z), neon2(0, z, 0b01010)}, sign, s.use(v.Args[0]), NoReg)
	s.v(vbin[ssa.OpV128And], bitsv, sign, s.vconst(lo, hi))
	switch z {
	case sz8:
		// Three pairwise adds leave the low eight lanes' sum in byte 0
		// and the high eight's in byte 1.
		addp := vinstr{"addp.16b", neon3(0, sz8, 0b10111)}
		p1, p2 := s.vt(), s.vt()
		s.v(addp, p1, bitsv, bitsv)
		s.v(addp, p2, p1, p1)
		s.v(addp, sum, p2, p2)
		s.v(vinstr{"umov.w.h", 0x0e003c00 | imm5(sz16, 0)}, d, sum, NoReg)
		return
	case sz64:
		s.v(vinstr{"addp.d", 0x5ef1b800}, sum, bitsv, NoReg)
	default:
		s.v(vinstr{"addv" + arr(z), neonAcross(0, z, 0b11011)}, sum, bitsv, NoReg)
	}
	s.emit(Instr{Op: OpFmovFromF, Size: 4, Dst: R(d), Src: [3]Operand{R(sum)}})
}
