package opt

import "github.com/wasiaot/wasiaot/compiler/ssa"

// intOps names the integer ops of one width, so that a rule can be written
// once for i32 and i64.
type intOps struct {
	bits                         int
	konst                        ssa.Op
	add, sub, mul, and, or, xor  ssa.Op
	shl, shrS, shrU              ssa.Op
	eqz, eq, ne                  ssa.Op
	ltS, ltU, gtS, gtU, leS, leU ssa.Op
	geS, geU                     ssa.Op
	divS, divU, remS, remU       ssa.Op
	typ                          ssa.Type
}

var ops32 = &intOps{
	bits: 32, konst: ssa.OpI32Const, typ: ssa.TypeI32,
	add: ssa.OpI32Add, sub: ssa.OpI32Sub, mul: ssa.OpI32Mul,
	and: ssa.OpI32And, or: ssa.OpI32Or, xor: ssa.OpI32Xor,
	shl: ssa.OpI32Shl, shrS: ssa.OpI32ShrS, shrU: ssa.OpI32ShrU,
	eqz: ssa.OpI32Eqz, eq: ssa.OpI32Eq, ne: ssa.OpI32Ne,
	ltS: ssa.OpI32LtS, ltU: ssa.OpI32LtU, gtS: ssa.OpI32GtS, gtU: ssa.OpI32GtU,
	leS: ssa.OpI32LeS, leU: ssa.OpI32LeU, geS: ssa.OpI32GeS, geU: ssa.OpI32GeU,
	divS: ssa.OpI32DivS, divU: ssa.OpI32DivU, remS: ssa.OpI32RemS, remU: ssa.OpI32RemU,
}

var ops64 = &intOps{
	bits: 64, konst: ssa.OpI64Const, typ: ssa.TypeI64,
	add: ssa.OpI64Add, sub: ssa.OpI64Sub, mul: ssa.OpI64Mul,
	and: ssa.OpI64And, or: ssa.OpI64Or, xor: ssa.OpI64Xor,
	shl: ssa.OpI64Shl, shrS: ssa.OpI64ShrS, shrU: ssa.OpI64ShrU,
	eqz: ssa.OpI64Eqz, eq: ssa.OpI64Eq, ne: ssa.OpI64Ne,
	ltS: ssa.OpI64LtS, ltU: ssa.OpI64LtU, gtS: ssa.OpI64GtS, gtU: ssa.OpI64GtU,
	leS: ssa.OpI64LeS, leU: ssa.OpI64LeU, geS: ssa.OpI64GeS, geU: ssa.OpI64GeU,
	divS: ssa.OpI64DivS, divU: ssa.OpI64DivU, remS: ssa.OpI64RemS, remU: ssa.OpI64RemU,
}

// widthOps returns the op table for an op's operand width.
func widthOps(op ssa.Op) *intOps {
	if ops := opWidth[op]; ops != 0 {
		return [...]*intOps{nil, ops32, ops64}[ops]
	}
	return nil
}

// opWidth is 1 for i32 integer ops, 2 for i64 ones (by operand type).
var opWidth [ssa.NumOps]uint8

// invertCmp maps a comparison to its negation; mirrorCmp to the
// comparison with swapped operands. Float comparisons other than eq and ne
// have no negation among the ops, because of NaN.
var invertCmp, mirrorCmp [ssa.NumOps]ssa.Op

// cmpOfSext and cmpOfZext say how a 64-bit comparison of two extended 32-bit values
// becomes a 32-bit one: the op on sign-extended operands and on
// zero-extended ones.
var cmpOfSext, cmpOfZext [ssa.NumOps]ssa.Op

func init() {
	for w, o := range []*intOps{ops32, ops64} {
		for _, op := range []ssa.Op{o.add, o.sub, o.mul, o.and, o.or, o.xor, o.shl, o.shrS, o.shrU,
			o.eqz, o.eq, o.ne, o.ltS, o.ltU, o.gtS, o.gtU, o.leS, o.leU, o.geS, o.geU,
			o.divS, o.divU, o.remS, o.remU} {
			opWidth[op] = uint8(w + 1)
		}
		pairs := [][2]ssa.Op{{o.eq, o.ne}, {o.ltS, o.geS}, {o.gtS, o.leS}, {o.ltU, o.geU}, {o.gtU, o.leU}}
		for _, p := range pairs {
			invertCmp[p[0]], invertCmp[p[1]] = p[1], p[0]
		}
		mirror := [][2]ssa.Op{{o.eq, o.eq}, {o.ne, o.ne}, {o.ltS, o.gtS}, {o.leS, o.geS}, {o.ltU, o.gtU}, {o.leU, o.geU}}
		for _, p := range mirror {
			mirrorCmp[p[0]], mirrorCmp[p[1]] = p[1], p[0]
		}
	}
	opWidth[ssa.OpI32Rotl], opWidth[ssa.OpI32Rotr] = 1, 1
	opWidth[ssa.OpI64Rotl], opWidth[ssa.OpI64Rotr] = 2, 2
	for _, p := range [][2]ssa.Op{{ssa.OpF32Eq, ssa.OpF32Ne}, {ssa.OpF64Eq, ssa.OpF64Ne}} {
		invertCmp[p[0]], invertCmp[p[1]] = p[1], p[0]
	}
	for _, p := range [][2]ssa.Op{
		{ssa.OpF32Eq, ssa.OpF32Eq}, {ssa.OpF32Ne, ssa.OpF32Ne}, {ssa.OpF32Lt, ssa.OpF32Gt}, {ssa.OpF32Le, ssa.OpF32Ge},
		{ssa.OpF64Eq, ssa.OpF64Eq}, {ssa.OpF64Ne, ssa.OpF64Ne}, {ssa.OpF64Lt, ssa.OpF64Gt}, {ssa.OpF64Le, ssa.OpF64Ge},
	} {
		mirrorCmp[p[0]], mirrorCmp[p[1]] = p[1], p[0]
	}
	// Sign extension keeps both the signed and the unsigned order of
	// 32-bit values; zero extension maps them to non-negative 64-bit
	// values, where the signed order is the unsigned order of the inputs.
	w, n := ops64, ops32
	for _, p := range [][3]ssa.Op{
		{w.eq, n.eq, n.eq}, {w.ne, n.ne, n.ne},
		{w.ltS, n.ltS, n.ltU}, {w.gtS, n.gtS, n.gtU}, {w.leS, n.leS, n.leU}, {w.geS, n.geS, n.geU},
		{w.ltU, n.ltU, n.ltU}, {w.gtU, n.gtU, n.gtU}, {w.leU, n.leU, n.leU}, {w.geU, n.geU, n.geU},
	} {
		cmpOfSext[p[0]], cmpOfZext[p[0]] = p[1], p[2]
	}
}

// isCompare reports whether op is a comparison (result 0 or 1, two
// operands).
func isCompare(op ssa.Op) bool { return mirrorCmp[op] != 0 }

// isBool reports whether v is always 0 or 1.
func isBool(v *ssa.Value) bool {
	switch v.Op {
	case ssa.OpI32Eqz, ssa.OpI64Eqz, ssa.OpRefIsNull:
		return true
	case ssa.OpI32Const:
		return v.Aux == 0 || v.Aux == 1
	}
	return isCompare(v.Op)
}
