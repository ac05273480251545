package ssa

import (
	"strconv"
	"strings"
)

// The SIMD ops: one per WebAssembly 2.0 vector instruction, named as wasm
// names it, so every op says its lane shape (i8x16.add, f64x2.min, ...).
// Lane indices and shuffle patterns are immediates (AuxLane,
// AuxShuffle); a v128 constant keeps its low half in Aux and its high half
// in Aux2. The semantics are wasm's; compiler/opt evaluates them.
const (
	OpV128Load Op = numScalarOps + iota
	OpV128Load8x8S
	OpV128Load8x8U
	OpV128Load16x4S
	OpV128Load16x4U
	OpV128Load32x2S
	OpV128Load32x2U
	OpV128Load8Splat
	OpV128Load16Splat
	OpV128Load32Splat
	OpV128Load64Splat
	OpV128Store
	OpV128Const
	OpI8x16Shuffle
	OpI8x16Swizzle
	OpI8x16Splat
	OpI16x8Splat
	OpI32x4Splat
	OpI64x2Splat
	OpF32x4Splat
	OpF64x2Splat
	OpI8x16ExtractLaneS
	OpI8x16ExtractLaneU
	OpI8x16ReplaceLane
	OpI16x8ExtractLaneS
	OpI16x8ExtractLaneU
	OpI16x8ReplaceLane
	OpI32x4ExtractLane
	OpI32x4ReplaceLane
	OpI64x2ExtractLane
	OpI64x2ReplaceLane
	OpF32x4ExtractLane
	OpF32x4ReplaceLane
	OpF64x2ExtractLane
	OpF64x2ReplaceLane
	OpI8x16Eq
	OpI8x16Ne
	OpI8x16LtS
	OpI8x16LtU
	OpI8x16GtS
	OpI8x16GtU
	OpI8x16LeS
	OpI8x16LeU
	OpI8x16GeS
	OpI8x16GeU
	OpI16x8Eq
	OpI16x8Ne
	OpI16x8LtS
	OpI16x8LtU
	OpI16x8GtS
	OpI16x8GtU
	OpI16x8LeS
	OpI16x8LeU
	OpI16x8GeS
	OpI16x8GeU
	OpI32x4Eq
	OpI32x4Ne
	OpI32x4LtS
	OpI32x4LtU
	OpI32x4GtS
	OpI32x4GtU
	OpI32x4LeS
	OpI32x4LeU
	OpI32x4GeS
	OpI32x4GeU
	OpF32x4Eq
	OpF32x4Ne
	OpF32x4Lt
	OpF32x4Gt
	OpF32x4Le
	OpF32x4Ge
	OpF64x2Eq
	OpF64x2Ne
	OpF64x2Lt
	OpF64x2Gt
	OpF64x2Le
	OpF64x2Ge
	OpV128Not
	OpV128And
	OpV128Andnot
	OpV128Or
	OpV128Xor
	OpV128Bitselect
	OpV128AnyTrue
	OpV128Load8Lane
	OpV128Store8Lane
	OpV128Load16Lane
	OpV128Store16Lane
	OpV128Load32Lane
	OpV128Store32Lane
	OpV128Load64Lane
	OpV128Store64Lane
	OpV128Load32Zero
	OpV128Load64Zero
	OpF32x4DemoteF64x2Zero
	OpF64x2PromoteLowF32x4
	OpI8x16Abs
	OpI8x16Neg
	OpI8x16Popcnt
	OpI8x16AllTrue
	OpI8x16Bitmask
	OpI8x16NarrowI16x8S
	OpI8x16NarrowI16x8U
	OpF32x4Ceil
	OpF32x4Floor
	OpF32x4Trunc
	OpF32x4Nearest
	OpI8x16Shl
	OpI8x16ShrS
	OpI8x16ShrU
	OpI8x16Add
	OpI8x16AddSatS
	OpI8x16AddSatU
	OpI8x16Sub
	OpI8x16SubSatS
	OpI8x16SubSatU
	OpF64x2Ceil
	OpF64x2Floor
	OpI8x16MinS
	OpI8x16MinU
	OpI8x16MaxS
	OpI8x16MaxU
	OpF64x2Trunc
	OpI8x16AvgrU
	OpI16x8ExtaddPairwiseI8x16S
	OpI16x8ExtaddPairwiseI8x16U
	OpI32x4ExtaddPairwiseI16x8S
	OpI32x4ExtaddPairwiseI16x8U
	OpI16x8Abs
	OpI16x8Neg
	OpI16x8Q15mulrSatS
	OpI16x8AllTrue
	OpI16x8Bitmask
	OpI16x8NarrowI32x4S
	OpI16x8NarrowI32x4U
	OpI16x8ExtendLowI8x16S
	OpI16x8ExtendHighI8x16S
	OpI16x8ExtendLowI8x16U
	OpI16x8ExtendHighI8x16U
	OpI16x8Shl
	OpI16x8ShrS
	OpI16x8ShrU
	OpI16x8Add
	OpI16x8AddSatS
	OpI16x8AddSatU
	OpI16x8Sub
	OpI16x8SubSatS
	OpI16x8SubSatU
	OpF64x2Nearest
	OpI16x8Mul
	OpI16x8MinS
	OpI16x8MinU
	OpI16x8MaxS
	OpI16x8MaxU
	OpI16x8AvgrU
	OpI16x8ExtmulLowI8x16S
	OpI16x8ExtmulHighI8x16S
	OpI16x8ExtmulLowI8x16U
	OpI16x8ExtmulHighI8x16U
	OpI32x4Abs
	OpI32x4Neg
	OpI32x4AllTrue
	OpI32x4Bitmask
	OpI32x4ExtendLowI16x8S
	OpI32x4ExtendHighI16x8S
	OpI32x4ExtendLowI16x8U
	OpI32x4ExtendHighI16x8U
	OpI32x4Shl
	OpI32x4ShrS
	OpI32x4ShrU
	OpI32x4Add
	OpI32x4Sub
	OpI32x4Mul
	OpI32x4MinS
	OpI32x4MinU
	OpI32x4MaxS
	OpI32x4MaxU
	OpI32x4DotI16x8S
	OpI32x4ExtmulLowI16x8S
	OpI32x4ExtmulHighI16x8S
	OpI32x4ExtmulLowI16x8U
	OpI32x4ExtmulHighI16x8U
	OpI64x2Abs
	OpI64x2Neg
	OpI64x2AllTrue
	OpI64x2Bitmask
	OpI64x2ExtendLowI32x4S
	OpI64x2ExtendHighI32x4S
	OpI64x2ExtendLowI32x4U
	OpI64x2ExtendHighI32x4U
	OpI64x2Shl
	OpI64x2ShrS
	OpI64x2ShrU
	OpI64x2Add
	OpI64x2Sub
	OpI64x2Mul
	OpI64x2Eq
	OpI64x2Ne
	OpI64x2LtS
	OpI64x2GtS
	OpI64x2LeS
	OpI64x2GeS
	OpI64x2ExtmulLowI32x4S
	OpI64x2ExtmulHighI32x4S
	OpI64x2ExtmulLowI32x4U
	OpI64x2ExtmulHighI32x4U
	OpF32x4Abs
	OpF32x4Neg
	OpF32x4Sqrt
	OpF32x4Add
	OpF32x4Sub
	OpF32x4Mul
	OpF32x4Div
	OpF32x4Min
	OpF32x4Max
	OpF32x4Pmin
	OpF32x4Pmax
	OpF64x2Abs
	OpF64x2Neg
	OpF64x2Sqrt
	OpF64x2Add
	OpF64x2Sub
	OpF64x2Mul
	OpF64x2Div
	OpF64x2Min
	OpF64x2Max
	OpF64x2Pmin
	OpF64x2Pmax
	OpI32x4TruncSatF32x4S
	OpI32x4TruncSatF32x4U
	OpF32x4ConvertI32x4S
	OpF32x4ConvertI32x4U
	OpI32x4TruncSatF64x2SZero
	OpI32x4TruncSatF64x2UZero
	OpF64x2ConvertLowI32x4S
	OpF64x2ConvertLowI32x4U

	numOps
)

var (
	vecV   = []Type{TypeV128}
	vecVV  = []Type{TypeV128, TypeV128}
	vecVVV = []Type{TypeV128, TypeV128, TypeV128}
)

// simdInfo is filled into opInfo before init functions run (see op.go).
var simdInfo = fillSIMDInfo()

func fillSIMDInfo() bool {
	for op, info := range map[Op]OpInfo{
		OpV128Load:                  load("v128.load", TypeV128),
		OpV128Load8x8S:              load("v128.load8x8_s", TypeV128),
		OpV128Load8x8U:              load("v128.load8x8_u", TypeV128),
		OpV128Load16x4S:             load("v128.load16x4_s", TypeV128),
		OpV128Load16x4U:             load("v128.load16x4_u", TypeV128),
		OpV128Load32x2S:             load("v128.load32x2_s", TypeV128),
		OpV128Load32x2U:             load("v128.load32x2_u", TypeV128),
		OpV128Load8Splat:            load("v128.load8_splat", TypeV128),
		OpV128Load16Splat:           load("v128.load16_splat", TypeV128),
		OpV128Load32Splat:           load("v128.load32_splat", TypeV128),
		OpV128Load64Splat:           load("v128.load64_splat", TypeV128),
		OpV128Store:                 store("v128.store", TypeV128),
		OpV128Const:                 OpInfo{Name: "v128.const", Result: TypeV128, Aux: AuxV128},
		OpI8x16Shuffle:              OpInfo{Name: "i8x16.shuffle", Args: vecVV, Result: TypeV128, Aux: AuxShuffle},
		OpI8x16Swizzle:              pure("i8x16.swizzle", vecVV, TypeV128),
		OpI8x16Splat:                pure("i8x16.splat", []Type{TypeI32}, TypeV128),
		OpI16x8Splat:                pure("i16x8.splat", []Type{TypeI32}, TypeV128),
		OpI32x4Splat:                pure("i32x4.splat", []Type{TypeI32}, TypeV128),
		OpI64x2Splat:                pure("i64x2.splat", []Type{TypeI64}, TypeV128),
		OpF32x4Splat:                pure("f32x4.splat", []Type{TypeF32}, TypeV128),
		OpF64x2Splat:                pure("f64x2.splat", []Type{TypeF64}, TypeV128),
		OpI8x16ExtractLaneS:         OpInfo{Name: "i8x16.extract_lane_s", Args: []Type{TypeV128}, Result: TypeI32, Aux: AuxLane},
		OpI8x16ExtractLaneU:         OpInfo{Name: "i8x16.extract_lane_u", Args: []Type{TypeV128}, Result: TypeI32, Aux: AuxLane},
		OpI8x16ReplaceLane:          OpInfo{Name: "i8x16.replace_lane", Args: []Type{TypeV128, TypeI32}, Result: TypeV128, Aux: AuxLane},
		OpI16x8ExtractLaneS:         OpInfo{Name: "i16x8.extract_lane_s", Args: []Type{TypeV128}, Result: TypeI32, Aux: AuxLane},
		OpI16x8ExtractLaneU:         OpInfo{Name: "i16x8.extract_lane_u", Args: []Type{TypeV128}, Result: TypeI32, Aux: AuxLane},
		OpI16x8ReplaceLane:          OpInfo{Name: "i16x8.replace_lane", Args: []Type{TypeV128, TypeI32}, Result: TypeV128, Aux: AuxLane},
		OpI32x4ExtractLane:          OpInfo{Name: "i32x4.extract_lane", Args: []Type{TypeV128}, Result: TypeI32, Aux: AuxLane},
		OpI32x4ReplaceLane:          OpInfo{Name: "i32x4.replace_lane", Args: []Type{TypeV128, TypeI32}, Result: TypeV128, Aux: AuxLane},
		OpI64x2ExtractLane:          OpInfo{Name: "i64x2.extract_lane", Args: []Type{TypeV128}, Result: TypeI64, Aux: AuxLane},
		OpI64x2ReplaceLane:          OpInfo{Name: "i64x2.replace_lane", Args: []Type{TypeV128, TypeI64}, Result: TypeV128, Aux: AuxLane},
		OpF32x4ExtractLane:          OpInfo{Name: "f32x4.extract_lane", Args: []Type{TypeV128}, Result: TypeF32, Aux: AuxLane},
		OpF32x4ReplaceLane:          OpInfo{Name: "f32x4.replace_lane", Args: []Type{TypeV128, TypeF32}, Result: TypeV128, Aux: AuxLane},
		OpF64x2ExtractLane:          OpInfo{Name: "f64x2.extract_lane", Args: []Type{TypeV128}, Result: TypeF64, Aux: AuxLane},
		OpF64x2ReplaceLane:          OpInfo{Name: "f64x2.replace_lane", Args: []Type{TypeV128, TypeF64}, Result: TypeV128, Aux: AuxLane},
		OpI8x16Eq:                   comm("i8x16.eq", vecVV, TypeV128),
		OpI8x16Ne:                   comm("i8x16.ne", vecVV, TypeV128),
		OpI8x16LtS:                  pure("i8x16.lt_s", vecVV, TypeV128),
		OpI8x16LtU:                  pure("i8x16.lt_u", vecVV, TypeV128),
		OpI8x16GtS:                  pure("i8x16.gt_s", vecVV, TypeV128),
		OpI8x16GtU:                  pure("i8x16.gt_u", vecVV, TypeV128),
		OpI8x16LeS:                  pure("i8x16.le_s", vecVV, TypeV128),
		OpI8x16LeU:                  pure("i8x16.le_u", vecVV, TypeV128),
		OpI8x16GeS:                  pure("i8x16.ge_s", vecVV, TypeV128),
		OpI8x16GeU:                  pure("i8x16.ge_u", vecVV, TypeV128),
		OpI16x8Eq:                   comm("i16x8.eq", vecVV, TypeV128),
		OpI16x8Ne:                   comm("i16x8.ne", vecVV, TypeV128),
		OpI16x8LtS:                  pure("i16x8.lt_s", vecVV, TypeV128),
		OpI16x8LtU:                  pure("i16x8.lt_u", vecVV, TypeV128),
		OpI16x8GtS:                  pure("i16x8.gt_s", vecVV, TypeV128),
		OpI16x8GtU:                  pure("i16x8.gt_u", vecVV, TypeV128),
		OpI16x8LeS:                  pure("i16x8.le_s", vecVV, TypeV128),
		OpI16x8LeU:                  pure("i16x8.le_u", vecVV, TypeV128),
		OpI16x8GeS:                  pure("i16x8.ge_s", vecVV, TypeV128),
		OpI16x8GeU:                  pure("i16x8.ge_u", vecVV, TypeV128),
		OpI32x4Eq:                   comm("i32x4.eq", vecVV, TypeV128),
		OpI32x4Ne:                   comm("i32x4.ne", vecVV, TypeV128),
		OpI32x4LtS:                  pure("i32x4.lt_s", vecVV, TypeV128),
		OpI32x4LtU:                  pure("i32x4.lt_u", vecVV, TypeV128),
		OpI32x4GtS:                  pure("i32x4.gt_s", vecVV, TypeV128),
		OpI32x4GtU:                  pure("i32x4.gt_u", vecVV, TypeV128),
		OpI32x4LeS:                  pure("i32x4.le_s", vecVV, TypeV128),
		OpI32x4LeU:                  pure("i32x4.le_u", vecVV, TypeV128),
		OpI32x4GeS:                  pure("i32x4.ge_s", vecVV, TypeV128),
		OpI32x4GeU:                  pure("i32x4.ge_u", vecVV, TypeV128),
		OpF32x4Eq:                   comm("f32x4.eq", vecVV, TypeV128),
		OpF32x4Ne:                   comm("f32x4.ne", vecVV, TypeV128),
		OpF32x4Lt:                   pure("f32x4.lt", vecVV, TypeV128),
		OpF32x4Gt:                   pure("f32x4.gt", vecVV, TypeV128),
		OpF32x4Le:                   pure("f32x4.le", vecVV, TypeV128),
		OpF32x4Ge:                   pure("f32x4.ge", vecVV, TypeV128),
		OpF64x2Eq:                   comm("f64x2.eq", vecVV, TypeV128),
		OpF64x2Ne:                   comm("f64x2.ne", vecVV, TypeV128),
		OpF64x2Lt:                   pure("f64x2.lt", vecVV, TypeV128),
		OpF64x2Gt:                   pure("f64x2.gt", vecVV, TypeV128),
		OpF64x2Le:                   pure("f64x2.le", vecVV, TypeV128),
		OpF64x2Ge:                   pure("f64x2.ge", vecVV, TypeV128),
		OpV128Not:                   pure("v128.not", vecV, TypeV128),
		OpV128And:                   comm("v128.and", vecVV, TypeV128),
		OpV128Andnot:                pure("v128.andnot", vecVV, TypeV128),
		OpV128Or:                    comm("v128.or", vecVV, TypeV128),
		OpV128Xor:                   comm("v128.xor", vecVV, TypeV128),
		OpV128Bitselect:             pure("v128.bitselect", vecVVV, TypeV128),
		OpV128AnyTrue:               pure("v128.any_true", vecV, TypeI32),
		OpV128Load8Lane:             OpInfo{Name: "v128.load8_lane", Args: []Type{TypeI32, TypeV128}, Result: TypeV128, Effects: EffTrap | EffRead, Aux: AuxMemLane},
		OpV128Store8Lane:            OpInfo{Name: "v128.store8_lane", Args: []Type{TypeI32, TypeV128}, Result: TypeVoid, Effects: EffTrap | EffWrite, Aux: AuxMemLane},
		OpV128Load16Lane:            OpInfo{Name: "v128.load16_lane", Args: []Type{TypeI32, TypeV128}, Result: TypeV128, Effects: EffTrap | EffRead, Aux: AuxMemLane},
		OpV128Store16Lane:           OpInfo{Name: "v128.store16_lane", Args: []Type{TypeI32, TypeV128}, Result: TypeVoid, Effects: EffTrap | EffWrite, Aux: AuxMemLane},
		OpV128Load32Lane:            OpInfo{Name: "v128.load32_lane", Args: []Type{TypeI32, TypeV128}, Result: TypeV128, Effects: EffTrap | EffRead, Aux: AuxMemLane},
		OpV128Store32Lane:           OpInfo{Name: "v128.store32_lane", Args: []Type{TypeI32, TypeV128}, Result: TypeVoid, Effects: EffTrap | EffWrite, Aux: AuxMemLane},
		OpV128Load64Lane:            OpInfo{Name: "v128.load64_lane", Args: []Type{TypeI32, TypeV128}, Result: TypeV128, Effects: EffTrap | EffRead, Aux: AuxMemLane},
		OpV128Store64Lane:           OpInfo{Name: "v128.store64_lane", Args: []Type{TypeI32, TypeV128}, Result: TypeVoid, Effects: EffTrap | EffWrite, Aux: AuxMemLane},
		OpV128Load32Zero:            load("v128.load32_zero", TypeV128),
		OpV128Load64Zero:            load("v128.load64_zero", TypeV128),
		OpF32x4DemoteF64x2Zero:      pure("f32x4.demote_f64x2_zero", vecV, TypeV128),
		OpF64x2PromoteLowF32x4:      pure("f64x2.promote_low_f32x4", vecV, TypeV128),
		OpI8x16Abs:                  pure("i8x16.abs", vecV, TypeV128),
		OpI8x16Neg:                  pure("i8x16.neg", vecV, TypeV128),
		OpI8x16Popcnt:               pure("i8x16.popcnt", vecV, TypeV128),
		OpI8x16AllTrue:              pure("i8x16.all_true", vecV, TypeI32),
		OpI8x16Bitmask:              pure("i8x16.bitmask", vecV, TypeI32),
		OpI8x16NarrowI16x8S:         pure("i8x16.narrow_i16x8_s", vecVV, TypeV128),
		OpI8x16NarrowI16x8U:         pure("i8x16.narrow_i16x8_u", vecVV, TypeV128),
		OpF32x4Ceil:                 pure("f32x4.ceil", vecV, TypeV128),
		OpF32x4Floor:                pure("f32x4.floor", vecV, TypeV128),
		OpF32x4Trunc:                pure("f32x4.trunc", vecV, TypeV128),
		OpF32x4Nearest:              pure("f32x4.nearest", vecV, TypeV128),
		OpI8x16Shl:                  pure("i8x16.shl", []Type{TypeV128, TypeI32}, TypeV128),
		OpI8x16ShrS:                 pure("i8x16.shr_s", []Type{TypeV128, TypeI32}, TypeV128),
		OpI8x16ShrU:                 pure("i8x16.shr_u", []Type{TypeV128, TypeI32}, TypeV128),
		OpI8x16Add:                  comm("i8x16.add", vecVV, TypeV128),
		OpI8x16AddSatS:              comm("i8x16.add_sat_s", vecVV, TypeV128),
		OpI8x16AddSatU:              comm("i8x16.add_sat_u", vecVV, TypeV128),
		OpI8x16Sub:                  pure("i8x16.sub", vecVV, TypeV128),
		OpI8x16SubSatS:              pure("i8x16.sub_sat_s", vecVV, TypeV128),
		OpI8x16SubSatU:              pure("i8x16.sub_sat_u", vecVV, TypeV128),
		OpF64x2Ceil:                 pure("f64x2.ceil", vecV, TypeV128),
		OpF64x2Floor:                pure("f64x2.floor", vecV, TypeV128),
		OpI8x16MinS:                 comm("i8x16.min_s", vecVV, TypeV128),
		OpI8x16MinU:                 comm("i8x16.min_u", vecVV, TypeV128),
		OpI8x16MaxS:                 comm("i8x16.max_s", vecVV, TypeV128),
		OpI8x16MaxU:                 comm("i8x16.max_u", vecVV, TypeV128),
		OpF64x2Trunc:                pure("f64x2.trunc", vecV, TypeV128),
		OpI8x16AvgrU:                comm("i8x16.avgr_u", vecVV, TypeV128),
		OpI16x8ExtaddPairwiseI8x16S: pure("i16x8.extadd_pairwise_i8x16_s", vecV, TypeV128),
		OpI16x8ExtaddPairwiseI8x16U: pure("i16x8.extadd_pairwise_i8x16_u", vecV, TypeV128),
		OpI32x4ExtaddPairwiseI16x8S: pure("i32x4.extadd_pairwise_i16x8_s", vecV, TypeV128),
		OpI32x4ExtaddPairwiseI16x8U: pure("i32x4.extadd_pairwise_i16x8_u", vecV, TypeV128),
		OpI16x8Abs:                  pure("i16x8.abs", vecV, TypeV128),
		OpI16x8Neg:                  pure("i16x8.neg", vecV, TypeV128),
		OpI16x8Q15mulrSatS:          comm("i16x8.q15mulr_sat_s", vecVV, TypeV128),
		OpI16x8AllTrue:              pure("i16x8.all_true", vecV, TypeI32),
		OpI16x8Bitmask:              pure("i16x8.bitmask", vecV, TypeI32),
		OpI16x8NarrowI32x4S:         pure("i16x8.narrow_i32x4_s", vecVV, TypeV128),
		OpI16x8NarrowI32x4U:         pure("i16x8.narrow_i32x4_u", vecVV, TypeV128),
		OpI16x8ExtendLowI8x16S:      pure("i16x8.extend_low_i8x16_s", vecV, TypeV128),
		OpI16x8ExtendHighI8x16S:     pure("i16x8.extend_high_i8x16_s", vecV, TypeV128),
		OpI16x8ExtendLowI8x16U:      pure("i16x8.extend_low_i8x16_u", vecV, TypeV128),
		OpI16x8ExtendHighI8x16U:     pure("i16x8.extend_high_i8x16_u", vecV, TypeV128),
		OpI16x8Shl:                  pure("i16x8.shl", []Type{TypeV128, TypeI32}, TypeV128),
		OpI16x8ShrS:                 pure("i16x8.shr_s", []Type{TypeV128, TypeI32}, TypeV128),
		OpI16x8ShrU:                 pure("i16x8.shr_u", []Type{TypeV128, TypeI32}, TypeV128),
		OpI16x8Add:                  comm("i16x8.add", vecVV, TypeV128),
		OpI16x8AddSatS:              comm("i16x8.add_sat_s", vecVV, TypeV128),
		OpI16x8AddSatU:              comm("i16x8.add_sat_u", vecVV, TypeV128),
		OpI16x8Sub:                  pure("i16x8.sub", vecVV, TypeV128),
		OpI16x8SubSatS:              pure("i16x8.sub_sat_s", vecVV, TypeV128),
		OpI16x8SubSatU:              pure("i16x8.sub_sat_u", vecVV, TypeV128),
		OpF64x2Nearest:              pure("f64x2.nearest", vecV, TypeV128),
		OpI16x8Mul:                  comm("i16x8.mul", vecVV, TypeV128),
		OpI16x8MinS:                 comm("i16x8.min_s", vecVV, TypeV128),
		OpI16x8MinU:                 comm("i16x8.min_u", vecVV, TypeV128),
		OpI16x8MaxS:                 comm("i16x8.max_s", vecVV, TypeV128),
		OpI16x8MaxU:                 comm("i16x8.max_u", vecVV, TypeV128),
		OpI16x8AvgrU:                comm("i16x8.avgr_u", vecVV, TypeV128),
		OpI16x8ExtmulLowI8x16S:      pure("i16x8.extmul_low_i8x16_s", vecVV, TypeV128),
		OpI16x8ExtmulHighI8x16S:     pure("i16x8.extmul_high_i8x16_s", vecVV, TypeV128),
		OpI16x8ExtmulLowI8x16U:      pure("i16x8.extmul_low_i8x16_u", vecVV, TypeV128),
		OpI16x8ExtmulHighI8x16U:     pure("i16x8.extmul_high_i8x16_u", vecVV, TypeV128),
		OpI32x4Abs:                  pure("i32x4.abs", vecV, TypeV128),
		OpI32x4Neg:                  pure("i32x4.neg", vecV, TypeV128),
		OpI32x4AllTrue:              pure("i32x4.all_true", vecV, TypeI32),
		OpI32x4Bitmask:              pure("i32x4.bitmask", vecV, TypeI32),
		OpI32x4ExtendLowI16x8S:      pure("i32x4.extend_low_i16x8_s", vecV, TypeV128),
		OpI32x4ExtendHighI16x8S:     pure("i32x4.extend_high_i16x8_s", vecV, TypeV128),
		OpI32x4ExtendLowI16x8U:      pure("i32x4.extend_low_i16x8_u", vecV, TypeV128),
		OpI32x4ExtendHighI16x8U:     pure("i32x4.extend_high_i16x8_u", vecV, TypeV128),
		OpI32x4Shl:                  pure("i32x4.shl", []Type{TypeV128, TypeI32}, TypeV128),
		OpI32x4ShrS:                 pure("i32x4.shr_s", []Type{TypeV128, TypeI32}, TypeV128),
		OpI32x4ShrU:                 pure("i32x4.shr_u", []Type{TypeV128, TypeI32}, TypeV128),
		OpI32x4Add:                  comm("i32x4.add", vecVV, TypeV128),
		OpI32x4Sub:                  pure("i32x4.sub", vecVV, TypeV128),
		OpI32x4Mul:                  comm("i32x4.mul", vecVV, TypeV128),
		OpI32x4MinS:                 comm("i32x4.min_s", vecVV, TypeV128),
		OpI32x4MinU:                 comm("i32x4.min_u", vecVV, TypeV128),
		OpI32x4MaxS:                 comm("i32x4.max_s", vecVV, TypeV128),
		OpI32x4MaxU:                 comm("i32x4.max_u", vecVV, TypeV128),
		OpI32x4DotI16x8S:            comm("i32x4.dot_i16x8_s", vecVV, TypeV128),
		OpI32x4ExtmulLowI16x8S:      pure("i32x4.extmul_low_i16x8_s", vecVV, TypeV128),
		OpI32x4ExtmulHighI16x8S:     pure("i32x4.extmul_high_i16x8_s", vecVV, TypeV128),
		OpI32x4ExtmulLowI16x8U:      pure("i32x4.extmul_low_i16x8_u", vecVV, TypeV128),
		OpI32x4ExtmulHighI16x8U:     pure("i32x4.extmul_high_i16x8_u", vecVV, TypeV128),
		OpI64x2Abs:                  pure("i64x2.abs", vecV, TypeV128),
		OpI64x2Neg:                  pure("i64x2.neg", vecV, TypeV128),
		OpI64x2AllTrue:              pure("i64x2.all_true", vecV, TypeI32),
		OpI64x2Bitmask:              pure("i64x2.bitmask", vecV, TypeI32),
		OpI64x2ExtendLowI32x4S:      pure("i64x2.extend_low_i32x4_s", vecV, TypeV128),
		OpI64x2ExtendHighI32x4S:     pure("i64x2.extend_high_i32x4_s", vecV, TypeV128),
		OpI64x2ExtendLowI32x4U:      pure("i64x2.extend_low_i32x4_u", vecV, TypeV128),
		OpI64x2ExtendHighI32x4U:     pure("i64x2.extend_high_i32x4_u", vecV, TypeV128),
		OpI64x2Shl:                  pure("i64x2.shl", []Type{TypeV128, TypeI32}, TypeV128),
		OpI64x2ShrS:                 pure("i64x2.shr_s", []Type{TypeV128, TypeI32}, TypeV128),
		OpI64x2ShrU:                 pure("i64x2.shr_u", []Type{TypeV128, TypeI32}, TypeV128),
		OpI64x2Add:                  comm("i64x2.add", vecVV, TypeV128),
		OpI64x2Sub:                  pure("i64x2.sub", vecVV, TypeV128),
		OpI64x2Mul:                  comm("i64x2.mul", vecVV, TypeV128),
		OpI64x2Eq:                   comm("i64x2.eq", vecVV, TypeV128),
		OpI64x2Ne:                   comm("i64x2.ne", vecVV, TypeV128),
		OpI64x2LtS:                  pure("i64x2.lt_s", vecVV, TypeV128),
		OpI64x2GtS:                  pure("i64x2.gt_s", vecVV, TypeV128),
		OpI64x2LeS:                  pure("i64x2.le_s", vecVV, TypeV128),
		OpI64x2GeS:                  pure("i64x2.ge_s", vecVV, TypeV128),
		OpI64x2ExtmulLowI32x4S:      pure("i64x2.extmul_low_i32x4_s", vecVV, TypeV128),
		OpI64x2ExtmulHighI32x4S:     pure("i64x2.extmul_high_i32x4_s", vecVV, TypeV128),
		OpI64x2ExtmulLowI32x4U:      pure("i64x2.extmul_low_i32x4_u", vecVV, TypeV128),
		OpI64x2ExtmulHighI32x4U:     pure("i64x2.extmul_high_i32x4_u", vecVV, TypeV128),
		OpF32x4Abs:                  pure("f32x4.abs", vecV, TypeV128),
		OpF32x4Neg:                  pure("f32x4.neg", vecV, TypeV128),
		OpF32x4Sqrt:                 pure("f32x4.sqrt", vecV, TypeV128),
		OpF32x4Add:                  comm("f32x4.add", vecVV, TypeV128),
		OpF32x4Sub:                  pure("f32x4.sub", vecVV, TypeV128),
		OpF32x4Mul:                  comm("f32x4.mul", vecVV, TypeV128),
		OpF32x4Div:                  pure("f32x4.div", vecVV, TypeV128),
		OpF32x4Min:                  pure("f32x4.min", vecVV, TypeV128),
		OpF32x4Max:                  pure("f32x4.max", vecVV, TypeV128),
		OpF32x4Pmin:                 pure("f32x4.pmin", vecVV, TypeV128),
		OpF32x4Pmax:                 pure("f32x4.pmax", vecVV, TypeV128),
		OpF64x2Abs:                  pure("f64x2.abs", vecV, TypeV128),
		OpF64x2Neg:                  pure("f64x2.neg", vecV, TypeV128),
		OpF64x2Sqrt:                 pure("f64x2.sqrt", vecV, TypeV128),
		OpF64x2Add:                  comm("f64x2.add", vecVV, TypeV128),
		OpF64x2Sub:                  pure("f64x2.sub", vecVV, TypeV128),
		OpF64x2Mul:                  comm("f64x2.mul", vecVV, TypeV128),
		OpF64x2Div:                  pure("f64x2.div", vecVV, TypeV128),
		OpF64x2Min:                  pure("f64x2.min", vecVV, TypeV128),
		OpF64x2Max:                  pure("f64x2.max", vecVV, TypeV128),
		OpF64x2Pmin:                 pure("f64x2.pmin", vecVV, TypeV128),
		OpF64x2Pmax:                 pure("f64x2.pmax", vecVV, TypeV128),
		OpI32x4TruncSatF32x4S:       pure("i32x4.trunc_sat_f32x4_s", vecV, TypeV128),
		OpI32x4TruncSatF32x4U:       pure("i32x4.trunc_sat_f32x4_u", vecV, TypeV128),
		OpF32x4ConvertI32x4S:        pure("f32x4.convert_i32x4_s", vecV, TypeV128),
		OpF32x4ConvertI32x4U:        pure("f32x4.convert_i32x4_u", vecV, TypeV128),
		OpI32x4TruncSatF64x2SZero:   pure("i32x4.trunc_sat_f64x2_s_zero", vecV, TypeV128),
		OpI32x4TruncSatF64x2UZero:   pure("i32x4.trunc_sat_f64x2_u_zero", vecV, TypeV128),
		OpF64x2ConvertLowI32x4S:     pure("f64x2.convert_low_i32x4_s", vecV, TypeV128),
		OpF64x2ConvertLowI32x4U:     pure("f64x2.convert_low_i32x4_u", vecV, TypeV128),
	} {
		opInfo[op] = info
	}
	return true
}

// IsSIMD reports whether op is one of the vector ops.
func (op Op) IsSIMD() bool { return op >= OpV128Load && op < numOps }

// LaneCount is the number of lanes of a SIMD op's shape: 16 for i8x16
// ops, 2 for f64x2 ops, 8 for v128.load16_lane, 1 for plain v128 ops.
func (op Op) LaneCount() int {
	name := op.String()
	switch {
	case strings.HasPrefix(name, "i8x16."):
		return 16
	case strings.HasPrefix(name, "i16x8."):
		return 8
	case strings.HasPrefix(name, "i32x4."), strings.HasPrefix(name, "f32x4."):
		return 4
	case strings.HasPrefix(name, "i64x2."), strings.HasPrefix(name, "f64x2."):
		return 2
	case strings.HasSuffix(name, "_lane"):
		// v128.loadN_lane, v128.storeN_lane
		bits, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(name, "v128.load"), "v128.store"), "_lane"))
		if bits > 0 {
			return 128 / bits
		}
	}
	return 1
}
