package ssa

import "github.com/wasiaot/wasiaot/runtime/trap"

// Type is the type of an SSA value.
type Type uint8

const (
	TypeVoid      Type = iota // no value: stores, calls without results, traps
	TypeI32                   // 32-bit integer
	TypeI64                   // 64-bit integer
	TypeF32                   // IEEE 754 binary32
	TypeF64                   // IEEE 754 binary64
	TypeV128                  // 128-bit vector
	TypePtr                   // pointer-sized integer (64 bits on every target)
	TypeFuncref               // reference to a function, or null
	TypeExternref             // opaque host reference, or null
	TypeTuple                 // several results of one call, taken apart with extract

	numTypes

	// Pseudo types used only in op signatures (OpInfo.Args, OpInfo.Result).
	typeAny  // any value type; as a result: chosen by whoever creates the value
	typeRef  // funcref or externref
	typeSame // an argument that must have the value's own type
)

var typeNames = [numTypes]string{
	TypeVoid:      "void",
	TypeI32:       "i32",
	TypeI64:       "i64",
	TypeF32:       "f32",
	TypeF64:       "f64",
	TypeV128:      "v128",
	TypePtr:       "ptr",
	TypeFuncref:   "funcref",
	TypeExternref: "externref",
	TypeTuple:     "tuple",
}

func (t Type) String() string {
	if t < numTypes {
		return typeNames[t]
	}
	switch t {
	case typeAny:
		return "any"
	case typeRef:
		return "ref"
	case typeSame:
		return "same"
	}
	return "type?"
}

// Size is the size of a value of type t in bytes (0 for void and tuple).
func (t Type) Size() int {
	switch t {
	case TypeI32, TypeF32:
		return 4
	case TypeI64, TypeF64, TypePtr, TypeFuncref, TypeExternref:
		return 8
	case TypeV128:
		return 16
	}
	return 0
}

// IsInt reports whether t is an integer type (including ptr).
func (t Type) IsInt() bool { return t == TypeI32 || t == TypeI64 || t == TypePtr }

// IsFloat reports whether t is a floating-point type.
func (t Type) IsFloat() bool { return t == TypeF32 || t == TypeF64 }

// IsRef reports whether t is a reference type.
func (t Type) IsRef() bool { return t == TypeFuncref || t == TypeExternref }

// IsValue reports whether t is a first-class type that a block parameter,
// a function parameter or a result can have.
func (t Type) IsValue() bool { return t > TypeVoid && t < TypeTuple }

// ParseType returns the type named s.
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if n == s {
			return Type(i), true
		}
	}
	return TypeVoid, false
}

// Signature is a function type.
type Signature struct {
	Params  []Type
	Results []Type
}

// Equal reports whether s and o are the same function type.
func (s *Signature) Equal(o *Signature) bool {
	if len(s.Params) != len(o.Params) || len(s.Results) != len(o.Results) {
		return false
	}
	for i, t := range s.Params {
		if o.Params[i] != t {
			return false
		}
	}
	for i, t := range s.Results {
		if o.Results[i] != t {
			return false
		}
	}
	return true
}

// ResultType is the type of a call value with this signature:
// void, the single result type, or tuple.
func (s *Signature) ResultType() Type {
	switch len(s.Results) {
	case 0:
		return TypeVoid
	case 1:
		return s.Results[0]
	}
	return TypeTuple
}

// TrapKind says why execution stopped: the kind shared with the backends,
// the artifact and the runtime. Trap operations keep it in Aux.
type TrapKind = trap.Kind
