package ssa

// The op set. Names in the text form are wasm's own instruction names where
// one exists. Ops that may trap say so in their comment and in Effects;
// everything else is total.
const (
	OpInvalid Op = iota

	OpParam // block parameter; lives in Block.Params, never in Block.Instrs
	OpCopy  // x: identity, removed by copy propagation

	OpI32Const // Aux
	OpI64Const // Aux
	OpF32Const // Aux: bits
	OpF64Const // Aux: bits

	// Integer arithmetic. Shift and rotate counts are taken modulo the width.
	OpI32Add
	OpI32Sub
	OpI32Mul
	OpI32And
	OpI32Or
	OpI32Xor
	OpI32Shl
	OpI32ShrS
	OpI32ShrU
	OpI32Rotl
	OpI32Rotr
	OpI32DivS // traps on zero (int_divide_by_zero) and MIN/-1 (int_overflow)
	OpI32DivU // traps on zero
	OpI32RemS // traps on zero; MIN/-1 is 0
	OpI32RemU // traps on zero
	OpI32Clz
	OpI32Ctz
	OpI32Popcnt
	OpI32Eqz
	OpI32Extend8S
	OpI32Extend16S

	OpI64Add
	OpI64Sub
	OpI64Mul
	OpI64And
	OpI64Or
	OpI64Xor
	OpI64Shl
	OpI64ShrS
	OpI64ShrU
	OpI64Rotl
	OpI64Rotr
	OpI64DivS
	OpI64DivU
	OpI64RemS
	OpI64RemU
	OpI64Clz
	OpI64Ctz
	OpI64Popcnt
	OpI64Eqz
	OpI64Extend8S
	OpI64Extend16S
	OpI64Extend32S

	// Integer comparisons, result i32 0 or 1.
	OpI32Eq
	OpI32Ne
	OpI32LtS
	OpI32LtU
	OpI32GtS
	OpI32GtU
	OpI32LeS
	OpI32LeU
	OpI32GeS
	OpI32GeU
	OpI64Eq
	OpI64Ne
	OpI64LtS
	OpI64LtU
	OpI64GtS
	OpI64GtU
	OpI64LeS
	OpI64LeU
	OpI64GeS
	OpI64GeU

	// Float arithmetic with wasm's semantics (IEEE 754, round to nearest
	// even; min/max propagate NaN and order -0 below +0; neg/abs/copysign
	// act on the sign bit only).
	OpF32Add
	OpF32Sub
	OpF32Mul
	OpF32Div
	OpF32Min
	OpF32Max
	OpF32Copysign
	OpF32Abs
	OpF32Neg
	OpF32Sqrt
	OpF32Ceil
	OpF32Floor
	OpF32Trunc
	OpF32Nearest
	OpF64Add
	OpF64Sub
	OpF64Mul
	OpF64Div
	OpF64Min
	OpF64Max
	OpF64Copysign
	OpF64Abs
	OpF64Neg
	OpF64Sqrt
	OpF64Ceil
	OpF64Floor
	OpF64Trunc
	OpF64Nearest

	// Float comparisons, result i32 0 or 1; false on NaN except ne.
	OpF32Eq
	OpF32Ne
	OpF32Lt
	OpF32Gt
	OpF32Le
	OpF32Ge
	OpF64Eq
	OpF64Ne
	OpF64Lt
	OpF64Gt
	OpF64Le
	OpF64Ge

	// Conversions.
	OpI32WrapI64
	OpI64ExtendI32S
	OpI64ExtendI32U
	OpI32TruncF32S // traps: NaN (invalid_conversion), out of range (int_overflow)
	OpI32TruncF32U
	OpI32TruncF64S
	OpI32TruncF64U
	OpI64TruncF32S
	OpI64TruncF32U
	OpI64TruncF64S
	OpI64TruncF64U
	OpI32TruncSatF32S // NaN is 0, out of range saturates
	OpI32TruncSatF32U
	OpI32TruncSatF64S
	OpI32TruncSatF64U
	OpI64TruncSatF32S
	OpI64TruncSatF32U
	OpI64TruncSatF64S
	OpI64TruncSatF64U
	OpF32ConvertI32S
	OpF32ConvertI32U
	OpF32ConvertI64S
	OpF32ConvertI64U
	OpF64ConvertI32S
	OpF64ConvertI32U
	OpF64ConvertI64S
	OpF64ConvertI64U
	OpF32DemoteF64
	OpF64PromoteF32
	OpI32ReinterpretF32
	OpI64ReinterpretF64
	OpF32ReinterpretI32
	OpF64ReinterpretI64

	OpSelect // x, y, cond: x if cond != 0 else y

	// Linear memory. The address is base (i32, zero-extended) + static
	// offset, computed without wrapping; out of bounds traps
	// (memory_out_of_bounds), normally through the guard region.
	OpI32Load
	OpI64Load
	OpF32Load
	OpF64Load
	OpI32Load8S
	OpI32Load8U
	OpI32Load16S
	OpI32Load16U
	OpI64Load8S
	OpI64Load8U
	OpI64Load16S
	OpI64Load16U
	OpI64Load32S
	OpI64Load32U
	OpI32Store // base, value
	OpI64Store
	OpF32Store
	OpF64Store
	OpI32Store8
	OpI32Store16
	OpI64Store8
	OpI64Store16
	OpI64Store32
	OpMemorySize // pages
	OpMemoryGrow // delta pages; old size or -1, never traps
	OpMemoryCopy // dst, src, n; traps when either range is out of bounds
	OpMemoryFill // dst, byte, n; traps when out of bounds
	OpMemoryInit // dst, src, n; traps when out of bounds (dropped segment has length 0)
	OpDataDrop

	OpGlobalGet
	OpGlobalSet

	// Tables. Out-of-range indices trap with table_out_of_bounds.
	OpTableGet  // index
	OpTableSet  // index, ref
	OpTableSize // elements
	OpTableGrow // init ref, delta; old size or -1
	OpTableFill // index, ref, n
	OpTableCopy // dst, src, n
	OpTableInit // dst, src, n
	OpElemDrop

	OpRefNull   // null of the value's reference type
	OpRefIsNull // ref
	OpRefFunc   // Aux: function index

	// Calls. The value has the callee's result type: void, the single
	// result, or a tuple taken apart with extract. Any call may trap
	// (stack_exhausted, or whatever the callee does).
	OpCall       // args...: call a function defined in the module
	OpCallImport // args...: call an imported function (leaves native code)
	// index, args...: call through a table. Traps with table_out_of_bounds
	// when index >= table size, uninitialized_element when the entry is null,
	// indirect_call_type_mismatch when its type is not the wasm type in Aux.
	OpCallIndirect
	OpExtract // tuple: result number Aux

	OpTrapz  // cond: trap with kind Aux if cond == 0
	OpTrapnz // cond: trap with kind Aux if cond != 0

	// Terminators. They live in Block.Term, never in Block.Instrs.
	OpJump    // one successor
	OpBrIf    // cond; successors then, else
	OpBrTable // index; successors targets..., default
	OpReturn  // results...
	OpTrap    // Block.Aux: TrapKind; no successors

	numScalarOps
)

var (
	i32 = []Type{TypeI32}
	i64 = []Type{TypeI64}
	f32 = []Type{TypeF32}
	f64 = []Type{TypeF64}

	i32i32    = []Type{TypeI32, TypeI32}
	i64i64    = []Type{TypeI64, TypeI64}
	f32f32    = []Type{TypeF32, TypeF32}
	f64f64    = []Type{TypeF64, TypeF64}
	i32i32i32 = []Type{TypeI32, TypeI32, TypeI32}
)

func pure(name string, args []Type, res Type) OpInfo {
	return OpInfo{Name: name, Args: args, Result: res}
}

func comm(name string, args []Type, res Type) OpInfo {
	return OpInfo{Name: name, Args: args, Result: res, Commutative: true}
}

func trapping(name string, args []Type, res Type) OpInfo {
	return OpInfo{Name: name, Args: args, Result: res, Effects: EffTrap}
}

func load(name string, res Type) OpInfo {
	return OpInfo{Name: name, Args: i32, Result: res, Effects: EffTrap | EffRead, Aux: AuxMem}
}

func store(name string, val Type) OpInfo {
	return OpInfo{Name: name, Args: []Type{TypeI32, val}, Result: TypeVoid, Effects: EffTrap | EffWrite, Aux: AuxMem}
}

const effAll = EffTrap | EffRead | EffWrite

var opInfo = [numOps]OpInfo{
	OpInvalid: {Name: "invalid"},
	OpParam:   {Name: "param", Result: typeAny},
	OpCopy:    {Name: "copy", Args: []Type{typeSame}, Result: typeAny},

	OpI32Const: {Name: "i32.const", Result: TypeI32, Aux: AuxInt},
	OpI64Const: {Name: "i64.const", Result: TypeI64, Aux: AuxInt},
	OpF32Const: {Name: "f32.const", Result: TypeF32, Aux: AuxF32},
	OpF64Const: {Name: "f64.const", Result: TypeF64, Aux: AuxF64},

	OpI32Add:       comm("i32.add", i32i32, TypeI32),
	OpI32Sub:       pure("i32.sub", i32i32, TypeI32),
	OpI32Mul:       comm("i32.mul", i32i32, TypeI32),
	OpI32And:       comm("i32.and", i32i32, TypeI32),
	OpI32Or:        comm("i32.or", i32i32, TypeI32),
	OpI32Xor:       comm("i32.xor", i32i32, TypeI32),
	OpI32Shl:       pure("i32.shl", i32i32, TypeI32),
	OpI32ShrS:      pure("i32.shr_s", i32i32, TypeI32),
	OpI32ShrU:      pure("i32.shr_u", i32i32, TypeI32),
	OpI32Rotl:      pure("i32.rotl", i32i32, TypeI32),
	OpI32Rotr:      pure("i32.rotr", i32i32, TypeI32),
	OpI32DivS:      trapping("i32.div_s", i32i32, TypeI32),
	OpI32DivU:      trapping("i32.div_u", i32i32, TypeI32),
	OpI32RemS:      trapping("i32.rem_s", i32i32, TypeI32),
	OpI32RemU:      trapping("i32.rem_u", i32i32, TypeI32),
	OpI32Clz:       pure("i32.clz", i32, TypeI32),
	OpI32Ctz:       pure("i32.ctz", i32, TypeI32),
	OpI32Popcnt:    pure("i32.popcnt", i32, TypeI32),
	OpI32Eqz:       pure("i32.eqz", i32, TypeI32),
	OpI32Extend8S:  pure("i32.extend8_s", i32, TypeI32),
	OpI32Extend16S: pure("i32.extend16_s", i32, TypeI32),

	OpI64Add:       comm("i64.add", i64i64, TypeI64),
	OpI64Sub:       pure("i64.sub", i64i64, TypeI64),
	OpI64Mul:       comm("i64.mul", i64i64, TypeI64),
	OpI64And:       comm("i64.and", i64i64, TypeI64),
	OpI64Or:        comm("i64.or", i64i64, TypeI64),
	OpI64Xor:       comm("i64.xor", i64i64, TypeI64),
	OpI64Shl:       pure("i64.shl", i64i64, TypeI64),
	OpI64ShrS:      pure("i64.shr_s", i64i64, TypeI64),
	OpI64ShrU:      pure("i64.shr_u", i64i64, TypeI64),
	OpI64Rotl:      pure("i64.rotl", i64i64, TypeI64),
	OpI64Rotr:      pure("i64.rotr", i64i64, TypeI64),
	OpI64DivS:      trapping("i64.div_s", i64i64, TypeI64),
	OpI64DivU:      trapping("i64.div_u", i64i64, TypeI64),
	OpI64RemS:      trapping("i64.rem_s", i64i64, TypeI64),
	OpI64RemU:      trapping("i64.rem_u", i64i64, TypeI64),
	OpI64Clz:       pure("i64.clz", i64, TypeI64),
	OpI64Ctz:       pure("i64.ctz", i64, TypeI64),
	OpI64Popcnt:    pure("i64.popcnt", i64, TypeI64),
	OpI64Eqz:       pure("i64.eqz", i64, TypeI32),
	OpI64Extend8S:  pure("i64.extend8_s", i64, TypeI64),
	OpI64Extend16S: pure("i64.extend16_s", i64, TypeI64),
	OpI64Extend32S: pure("i64.extend32_s", i64, TypeI64),

	OpI32Eq:  comm("i32.eq", i32i32, TypeI32),
	OpI32Ne:  comm("i32.ne", i32i32, TypeI32),
	OpI32LtS: pure("i32.lt_s", i32i32, TypeI32),
	OpI32LtU: pure("i32.lt_u", i32i32, TypeI32),
	OpI32GtS: pure("i32.gt_s", i32i32, TypeI32),
	OpI32GtU: pure("i32.gt_u", i32i32, TypeI32),
	OpI32LeS: pure("i32.le_s", i32i32, TypeI32),
	OpI32LeU: pure("i32.le_u", i32i32, TypeI32),
	OpI32GeS: pure("i32.ge_s", i32i32, TypeI32),
	OpI32GeU: pure("i32.ge_u", i32i32, TypeI32),
	OpI64Eq:  comm("i64.eq", i64i64, TypeI32),
	OpI64Ne:  comm("i64.ne", i64i64, TypeI32),
	OpI64LtS: pure("i64.lt_s", i64i64, TypeI32),
	OpI64LtU: pure("i64.lt_u", i64i64, TypeI32),
	OpI64GtS: pure("i64.gt_s", i64i64, TypeI32),
	OpI64GtU: pure("i64.gt_u", i64i64, TypeI32),
	OpI64LeS: pure("i64.le_s", i64i64, TypeI32),
	OpI64LeU: pure("i64.le_u", i64i64, TypeI32),
	OpI64GeS: pure("i64.ge_s", i64i64, TypeI32),
	OpI64GeU: pure("i64.ge_u", i64i64, TypeI32),

	OpF32Add:      comm("f32.add", f32f32, TypeF32),
	OpF32Sub:      pure("f32.sub", f32f32, TypeF32),
	OpF32Mul:      comm("f32.mul", f32f32, TypeF32),
	OpF32Div:      pure("f32.div", f32f32, TypeF32),
	OpF32Min:      comm("f32.min", f32f32, TypeF32),
	OpF32Max:      comm("f32.max", f32f32, TypeF32),
	OpF32Copysign: pure("f32.copysign", f32f32, TypeF32),
	OpF32Abs:      pure("f32.abs", f32, TypeF32),
	OpF32Neg:      pure("f32.neg", f32, TypeF32),
	OpF32Sqrt:     pure("f32.sqrt", f32, TypeF32),
	OpF32Ceil:     pure("f32.ceil", f32, TypeF32),
	OpF32Floor:    pure("f32.floor", f32, TypeF32),
	OpF32Trunc:    pure("f32.trunc", f32, TypeF32),
	OpF32Nearest:  pure("f32.nearest", f32, TypeF32),
	OpF64Add:      comm("f64.add", f64f64, TypeF64),
	OpF64Sub:      pure("f64.sub", f64f64, TypeF64),
	OpF64Mul:      comm("f64.mul", f64f64, TypeF64),
	OpF64Div:      pure("f64.div", f64f64, TypeF64),
	OpF64Min:      comm("f64.min", f64f64, TypeF64),
	OpF64Max:      comm("f64.max", f64f64, TypeF64),
	OpF64Copysign: pure("f64.copysign", f64f64, TypeF64),
	OpF64Abs:      pure("f64.abs", f64, TypeF64),
	OpF64Neg:      pure("f64.neg", f64, TypeF64),
	OpF64Sqrt:     pure("f64.sqrt", f64, TypeF64),
	OpF64Ceil:     pure("f64.ceil", f64, TypeF64),
	OpF64Floor:    pure("f64.floor", f64, TypeF64),
	OpF64Trunc:    pure("f64.trunc", f64, TypeF64),
	OpF64Nearest:  pure("f64.nearest", f64, TypeF64),

	OpF32Eq: comm("f32.eq", f32f32, TypeI32),
	OpF32Ne: comm("f32.ne", f32f32, TypeI32),
	OpF32Lt: pure("f32.lt", f32f32, TypeI32),
	OpF32Gt: pure("f32.gt", f32f32, TypeI32),
	OpF32Le: pure("f32.le", f32f32, TypeI32),
	OpF32Ge: pure("f32.ge", f32f32, TypeI32),
	OpF64Eq: comm("f64.eq", f64f64, TypeI32),
	OpF64Ne: comm("f64.ne", f64f64, TypeI32),
	OpF64Lt: pure("f64.lt", f64f64, TypeI32),
	OpF64Gt: pure("f64.gt", f64f64, TypeI32),
	OpF64Le: pure("f64.le", f64f64, TypeI32),
	OpF64Ge: pure("f64.ge", f64f64, TypeI32),

	OpI32WrapI64:        pure("i32.wrap_i64", i64, TypeI32),
	OpI64ExtendI32S:     pure("i64.extend_i32_s", i32, TypeI64),
	OpI64ExtendI32U:     pure("i64.extend_i32_u", i32, TypeI64),
	OpI32TruncF32S:      trapping("i32.trunc_f32_s", f32, TypeI32),
	OpI32TruncF32U:      trapping("i32.trunc_f32_u", f32, TypeI32),
	OpI32TruncF64S:      trapping("i32.trunc_f64_s", f64, TypeI32),
	OpI32TruncF64U:      trapping("i32.trunc_f64_u", f64, TypeI32),
	OpI64TruncF32S:      trapping("i64.trunc_f32_s", f32, TypeI64),
	OpI64TruncF32U:      trapping("i64.trunc_f32_u", f32, TypeI64),
	OpI64TruncF64S:      trapping("i64.trunc_f64_s", f64, TypeI64),
	OpI64TruncF64U:      trapping("i64.trunc_f64_u", f64, TypeI64),
	OpI32TruncSatF32S:   pure("i32.trunc_sat_f32_s", f32, TypeI32),
	OpI32TruncSatF32U:   pure("i32.trunc_sat_f32_u", f32, TypeI32),
	OpI32TruncSatF64S:   pure("i32.trunc_sat_f64_s", f64, TypeI32),
	OpI32TruncSatF64U:   pure("i32.trunc_sat_f64_u", f64, TypeI32),
	OpI64TruncSatF32S:   pure("i64.trunc_sat_f32_s", f32, TypeI64),
	OpI64TruncSatF32U:   pure("i64.trunc_sat_f32_u", f32, TypeI64),
	OpI64TruncSatF64S:   pure("i64.trunc_sat_f64_s", f64, TypeI64),
	OpI64TruncSatF64U:   pure("i64.trunc_sat_f64_u", f64, TypeI64),
	OpF32ConvertI32S:    pure("f32.convert_i32_s", i32, TypeF32),
	OpF32ConvertI32U:    pure("f32.convert_i32_u", i32, TypeF32),
	OpF32ConvertI64S:    pure("f32.convert_i64_s", i64, TypeF32),
	OpF32ConvertI64U:    pure("f32.convert_i64_u", i64, TypeF32),
	OpF64ConvertI32S:    pure("f64.convert_i32_s", i32, TypeF64),
	OpF64ConvertI32U:    pure("f64.convert_i32_u", i32, TypeF64),
	OpF64ConvertI64S:    pure("f64.convert_i64_s", i64, TypeF64),
	OpF64ConvertI64U:    pure("f64.convert_i64_u", i64, TypeF64),
	OpF32DemoteF64:      pure("f32.demote_f64", f64, TypeF32),
	OpF64PromoteF32:     pure("f64.promote_f32", f32, TypeF64),
	OpI32ReinterpretF32: pure("i32.reinterpret_f32", f32, TypeI32),
	OpI64ReinterpretF64: pure("i64.reinterpret_f64", f64, TypeI64),
	OpF32ReinterpretI32: pure("f32.reinterpret_i32", i32, TypeF32),
	OpF64ReinterpretI64: pure("f64.reinterpret_i64", i64, TypeF64),

	OpSelect: {Name: "select", Args: []Type{typeSame, typeSame, TypeI32}, Result: typeAny},

	OpI32Load:    load("i32.load", TypeI32),
	OpI64Load:    load("i64.load", TypeI64),
	OpF32Load:    load("f32.load", TypeF32),
	OpF64Load:    load("f64.load", TypeF64),
	OpI32Load8S:  load("i32.load8_s", TypeI32),
	OpI32Load8U:  load("i32.load8_u", TypeI32),
	OpI32Load16S: load("i32.load16_s", TypeI32),
	OpI32Load16U: load("i32.load16_u", TypeI32),
	OpI64Load8S:  load("i64.load8_s", TypeI64),
	OpI64Load8U:  load("i64.load8_u", TypeI64),
	OpI64Load16S: load("i64.load16_s", TypeI64),
	OpI64Load16U: load("i64.load16_u", TypeI64),
	OpI64Load32S: load("i64.load32_s", TypeI64),
	OpI64Load32U: load("i64.load32_u", TypeI64),
	OpI32Store:   store("i32.store", TypeI32),
	OpI64Store:   store("i64.store", TypeI64),
	OpF32Store:   store("f32.store", TypeF32),
	OpF64Store:   store("f64.store", TypeF64),
	OpI32Store8:  store("i32.store8", TypeI32),
	OpI32Store16: store("i32.store16", TypeI32),
	OpI64Store8:  store("i64.store8", TypeI64),
	OpI64Store16: store("i64.store16", TypeI64),
	OpI64Store32: store("i64.store32", TypeI64),
	OpMemorySize: {Name: "memory.size", Result: TypeI32, Effects: EffRead, Aux: AuxMemory},
	OpMemoryGrow: {Name: "memory.grow", Args: i32, Result: TypeI32, Effects: EffRead | EffWrite, Aux: AuxMemory},
	OpMemoryCopy: {Name: "memory.copy", Args: i32i32i32, Result: TypeVoid, Effects: effAll, Aux: AuxMemory2},
	OpMemoryFill: {Name: "memory.fill", Args: i32i32i32, Result: TypeVoid, Effects: EffTrap | EffWrite, Aux: AuxMemory},
	OpMemoryInit: {Name: "memory.init", Args: i32i32i32, Result: TypeVoid, Effects: effAll, Aux: AuxData},
	OpDataDrop:   {Name: "data.drop", Result: TypeVoid, Effects: EffWrite, Aux: AuxDataIndex},

	OpGlobalGet: {Name: "global.get", Result: typeAny, Effects: EffRead, Aux: AuxGlobal},
	OpGlobalSet: {Name: "global.set", Args: []Type{typeAny}, Result: TypeVoid, Effects: EffWrite, Aux: AuxGlobal},

	OpTableGet:  {Name: "table.get", Args: i32, Result: typeRef, Effects: EffTrap | EffRead, Aux: AuxTable},
	OpTableSet:  {Name: "table.set", Args: []Type{TypeI32, typeRef}, Result: TypeVoid, Effects: EffTrap | EffWrite, Aux: AuxTable},
	OpTableSize: {Name: "table.size", Result: TypeI32, Effects: EffRead, Aux: AuxTable},
	OpTableGrow: {Name: "table.grow", Args: []Type{typeRef, TypeI32}, Result: TypeI32, Effects: EffRead | EffWrite, Aux: AuxTable},
	OpTableFill: {Name: "table.fill", Args: []Type{TypeI32, typeRef, TypeI32}, Result: TypeVoid, Effects: EffTrap | EffWrite, Aux: AuxTable},
	OpTableCopy: {Name: "table.copy", Args: i32i32i32, Result: TypeVoid, Effects: effAll, Aux: AuxTable2},
	OpTableInit: {Name: "table.init", Args: i32i32i32, Result: TypeVoid, Effects: effAll, Aux: AuxElem},
	OpElemDrop:  {Name: "elem.drop", Result: TypeVoid, Effects: EffWrite, Aux: AuxElemIndex},

	OpRefNull:   {Name: "ref.null", Result: typeRef},
	OpRefIsNull: {Name: "ref.is_null", Args: []Type{typeRef}, Result: TypeI32},
	OpRefFunc:   {Name: "ref.func", Result: TypeFuncref, Aux: AuxFunc},

	OpCall:         {Name: "call", Variadic: true, Result: typeAny, Effects: effAll | EffCall, Aux: AuxCall},
	OpCallImport:   {Name: "call_import", Variadic: true, Result: typeAny, Effects: effAll | EffCall, Aux: AuxCall},
	OpCallIndirect: {Name: "call_indirect", Variadic: true, Result: typeAny, Effects: effAll | EffCall, Aux: AuxCallIndirect},
	OpExtract:      {Name: "extract", Args: []Type{TypeTuple}, Result: typeAny, Aux: AuxIndex},

	OpTrapz:  {Name: "trapz", Args: i32, Result: TypeVoid, Effects: EffTrap, Aux: AuxTrap},
	OpTrapnz: {Name: "trapnz", Args: i32, Result: TypeVoid, Effects: EffTrap, Aux: AuxTrap},

	OpJump:    {Name: "jump", Result: TypeVoid, Effects: EffTerm},
	OpBrIf:    {Name: "brif", Args: i32, Result: TypeVoid, Effects: EffTerm},
	OpBrTable: {Name: "br_table", Args: i32, Result: TypeVoid, Effects: EffTerm},
	OpReturn:  {Name: "return", Variadic: true, Result: TypeVoid, Effects: EffTerm},
	OpTrap:    {Name: "trap", Result: TypeVoid, Effects: EffTerm | EffTrap, Aux: AuxTrap},
}
