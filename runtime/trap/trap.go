// Package trap names the reasons WebAssembly code stops with a trap. One
// type, Kind, is shared by the SSA (explicit trap operations), the backends
// (trap sites), the artifact (its trap table stores a Kind per site, so the
// values are part of the artifact format) and the runtime's public API.
package trap

// Kind says why code trapped. The zero value is not a trap.
type Kind uint8

// The wasm trap kinds. Their values are stored in artifacts: never
// renumber them, only add.
const (
	Unreachable              Kind = iota + 1
	IntegerDivideByZero           // integer division or remainder by zero
	IntegerOverflow               // signed division overflow, float-to-int out of range
	InvalidConversion             // float-to-int of a NaN
	MemoryOutOfBounds             // a load, store or bulk memory access beyond the memory
	TableOutOfBounds              // a table access beyond the table (undefined element)
	UninitializedElement          // call_indirect of a null element
	IndirectCallTypeMismatch      // call_indirect with the wrong signature
	StackExhausted                // the native stack ran out
	NullReference                 // a null reference where one is not allowed
	UnalignedAtomic               // a misaligned atomic access
	numWasm
)

// Kinds that are not raised by wasm code itself; never stored in artifacts.
const (
	// Interrupted: the call's context was cancelled, its deadline passed
	// or it was interrupted.
	Interrupted Kind = 32
	// HostError: a host function failed.
	HostError Kind = 33
)

var messages = [...]string{
	Unreachable:         "unreachable",
	IntegerDivideByZero: "integer divide by zero",
	IntegerOverflow:     "integer overflow",
	InvalidConversion:   "invalid conversion to integer",
	MemoryOutOfBounds:   "out of bounds memory access",
	// call_indirect past the end is "undefined element" in the spec,
	// table.get/set/init/copy "out of bounds table access"; the artifact
	// has one kind for both.
	TableOutOfBounds:         "out of bounds table access (undefined element)",
	UninitializedElement:     "uninitialized element",
	IndirectCallTypeMismatch: "indirect call type mismatch",
	StackExhausted:           "call stack exhausted",
	NullReference:            "null reference",
	UnalignedAtomic:          "unaligned atomic",
}

// names are the identifiers of the SSA text form.
var names = [...]string{
	Unreachable:              "unreachable",
	IntegerDivideByZero:      "int_divide_by_zero",
	IntegerOverflow:          "int_overflow",
	InvalidConversion:        "invalid_conversion",
	MemoryOutOfBounds:        "memory_out_of_bounds",
	TableOutOfBounds:         "table_out_of_bounds",
	UninitializedElement:     "uninitialized_element",
	IndirectCallTypeMismatch: "indirect_call_type_mismatch",
	StackExhausted:           "stack_exhausted",
	NullReference:            "null_reference",
	UnalignedAtomic:          "unaligned_atomic",
}

// IsWasm reports whether k is a trap wasm code raises (and so may appear in
// an artifact's trap table).
func (k Kind) IsWasm() bool { return k > 0 && k < numWasm }

// String returns the spec's message for k (the text the spec tests expect
// in assert_trap).
func (k Kind) String() string {
	switch {
	case k.IsWasm():
		return messages[k]
	case k == Interrupted:
		return "interrupted"
	case k == HostError:
		return "host function error"
	}
	return "unknown trap"
}

// Name returns k's identifier in the SSA text form.
func (k Kind) Name() string {
	switch {
	case k.IsWasm():
		return names[k]
	case k == Interrupted:
		return "interrupted"
	case k == HostError:
		return "host_error"
	}
	return "trap?"
}

// ParseName returns the kind whose Name is s.
func ParseName(s string) (Kind, bool) {
	for _, k := range append(All(), Interrupted, HostError) {
		if k.Name() == s {
			return k, true
		}
	}
	return 0, false
}

// All returns the wasm trap kinds in value order.
func All() []Kind {
	ks := make([]Kind, 0, numWasm-1)
	for k := Unreachable; k < numWasm; k++ {
		ks = append(ks, k)
	}
	return ks
}
