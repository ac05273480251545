package lower

import (
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/wasm"
)

// opKind says how an operator with a direct SSA counterpart is lowered.
type opKind uint8

const (
	kindOther  opKind = iota // handled by its own case
	kindUnary                // one operand, one result
	kindBinary               // two operands, one result
	kindLoad                 // address; memarg
	kindStore                // address, value; memarg
)

type simpleOp struct {
	op   ssa.Op
	kind opKind
}

// Numeric operators, loads and stores map one to one onto SSA ops of the
// same name; the table is built from the two op tables so that they cannot
// drift apart.
var (
	simplePlain [256]simpleOp
	simpleFC    [32]simpleOp
)

func init() {
	for _, info := range wasm.Opcodes() {
		if info.Sig == "" || info.Op.Prefix() == 0xFD {
			continue
		}
		op, ok := ssa.LookupOp(info.Name)
		if !ok {
			continue
		}
		oi := op.Info()
		var k opKind
		switch {
		case oi.Aux == ssa.AuxMem && len(info.Out) == 1:
			k = kindLoad
		case oi.Aux == ssa.AuxMem:
			k = kindStore
		case oi.Aux != ssa.AuxNone || len(info.Out) != 1 || len(oi.Args) != len(info.In):
			continue
		case len(info.In) == 1:
			k = kindUnary
		case len(info.In) == 2:
			k = kindBinary
		default:
			continue
		}
		s := simpleOp{op: op, kind: k}
		switch info.Op.Prefix() {
		case 0:
			simplePlain[info.Op] = s
		case 0xFC:
			simpleFC[info.Op.Sub()] = s
		}
	}
}

// simple returns the SSA op for a plain operator, if it has one.
func simple(o wasm.Opcode) simpleOp {
	switch o.Prefix() {
	case 0:
		if o < 256 {
			return simplePlain[o]
		}
	case 0xFC:
		if o.Sub() < uint32(len(simpleFC)) {
			return simpleFC[o.Sub()]
		}
	}
	return simpleOp{}
}
