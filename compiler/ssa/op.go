package ssa

// Op is an SSA operation. Every op is described by an entry in the info
// table (see OpInfo) so that passes can ask about an op instead of
// switching over all of them.
type Op uint16

// Effect is a set of side effects of an op. An op with no effects is pure:
// it can be removed when unused, duplicated, or moved.
type Effect uint8

const (
	EffTrap  Effect = 1 << iota // may trap
	EffRead                     // reads memory, globals or tables
	EffWrite                    // writes memory, globals or tables
	EffCall                     // calls a function (which may do anything)
	EffTerm                     // ends a block
)

// AuxKind says what the immediates (Value.Aux, Value.Aux2) of an op mean.
type AuxKind uint8

const (
	AuxNone         AuxKind = iota
	AuxInt                  // Aux: integer constant, sign-extended to 64 bits
	AuxF32                  // Aux: float32 bits (zero-extended)
	AuxF64                  // Aux: float64 bits
	AuxMem                  // Aux: static offset; Aux2: memory index<<8 | log2(align)
	AuxMemory               // Aux: memory index
	AuxMemory2              // Aux: destination memory; Aux2: source memory
	AuxData                 // Aux: data segment; Aux2: memory index
	AuxDataIndex            // Aux: data segment
	AuxGlobal               // Aux: global index
	AuxTable                // Aux: table index
	AuxTable2               // Aux: destination table; Aux2: source table
	AuxElem                 // Aux: element segment; Aux2: table index
	AuxElemIndex            // Aux: element segment
	AuxFunc                 // Aux: function index
	AuxCall                 // Aux: function index; Aux2: index into Func.Sigs
	AuxCallIndirect         // Aux: wasm type index | table index<<32; Aux2: index into Func.Sigs
	AuxTrap                 // Aux: TrapKind
	AuxIndex                // Aux: small non-negative index (extract)
	AuxV128                 // Aux: low 64 bits; Aux2: high 64 bits (v128.const)
	AuxShuffle              // Aux: lane indices 0-7, one per byte; Aux2: lanes 8-15
	AuxLane                 // Aux: lane index
	AuxMemLane              // as AuxMem, and the lane index in bits 48-55 of Aux2
)

// DivFlags record what the optimiser proved about an integer division or
// remainder, so that instruction selection can leave out the matching
// run-time check. They live in Value.Aux of those ops (whose AuxKind stays
// AuxNone: they have no wasm immediate), 0 meaning nothing is known. The
// text form shows them as the words "nonzero" and "nooverflow" after the
// op name.
type DivFlags uint8

const (
	// DivNonZero: the divisor is never zero here.
	DivNonZero DivFlags = 1 << iota
	// DivNoOverflow: a signed division never sees MIN / -1 here.
	DivNoOverflow

	numDivFlags = iota
)

// OpInfo describes an op.
//
// Args lists the argument types; the pseudo types typeAny, typeRef and
// typeSame stand for any value type, any reference type and "the type of
// the value itself". Variadic ops (calls, return) have Variadic set and
// their arguments are checked against a signature instead.
// Result is the result type; typeAny and typeRef mean that whoever creates
// the value chooses it (within the rule).
type OpInfo struct {
	Name     string
	Args     []Type
	Variadic bool
	Result   Type
	Effects  Effect
	Aux      AuxKind
	// Commutative binary ops may have their arguments swapped.
	Commutative bool
}

// Info returns the description of op.
func (op Op) Info() *OpInfo { return &opInfo[op] }

func (op Op) String() string {
	if int(op) < len(opInfo) && opInfo[op].Name != "" {
		return opInfo[op].Name
	}
	return "op?"
}

// IsPure reports whether op has no side effects at all.
func (op Op) IsPure() bool { return opInfo[op].Effects == 0 }

// HasSideEffects reports whether a value of this op must be kept even if
// its result is unused: it may trap, writes state or calls.
func (op Op) HasSideEffects() bool {
	return opInfo[op].Effects&(EffTrap|EffWrite|EffCall|EffTerm) != 0
}

// IsTerminator reports whether op ends a block.
func (op Op) IsTerminator() bool { return opInfo[op].Effects&EffTerm != 0 }

// IsConst reports whether op is one of the constant ops.
func (op Op) IsConst() bool {
	return op == OpI32Const || op == OpI64Const || op == OpF32Const || op == OpF64Const || op == OpV128Const
}

var opByName map[string]Op

func init() {
	opByName = make(map[string]Op, len(opInfo))
	for i := range opInfo {
		if n := opInfo[i].Name; n != "" {
			opByName[n] = Op(i)
		}
	}
}

// LookupOp returns the op named name.
func LookupOp(name string) (Op, bool) {
	op, ok := opByName[name]
	return op, ok
}

// NumOps is the number of ops, for tables indexed by Op.
const NumOps = int(numOps)

// IsDiv reports whether op is an integer division or remainder, the ops
// that carry DivFlags.
func (op Op) IsDiv() bool {
	switch op {
	case OpI32DivS, OpI32DivU, OpI32RemS, OpI32RemU, OpI64DivS, OpI64DivU, OpI64RemS, OpI64RemU:
		return true
	}
	return false
}
