package runtime

import (
	"fmt"
	"strings"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// TrapKind says why a call trapped. The wasm trap kinds have the values of
// artifact.TrapKind.
type TrapKind uint8

const (
	TrapUnreachable              = TrapKind(artifact.TrapUnreachable)
	TrapIntegerDivideByZero      = TrapKind(artifact.TrapIntegerDivideByZero)
	TrapIntegerOverflow          = TrapKind(artifact.TrapIntegerOverflow)
	TrapInvalidConversion        = TrapKind(artifact.TrapInvalidConversion)
	TrapMemoryOutOfBounds        = TrapKind(artifact.TrapMemoryOutOfBounds)
	TrapTableOutOfBounds         = TrapKind(artifact.TrapTableOutOfBounds)
	TrapUninitializedElement     = TrapKind(artifact.TrapIndirectCallNull)
	TrapIndirectCallTypeMismatch = TrapKind(artifact.TrapIndirectCallTypeMismatch)
	TrapStackExhausted           = TrapKind(artifact.TrapStackOverflow)
	TrapNullReference            = TrapKind(artifact.TrapNullReference)
	TrapUnalignedAtomic          = TrapKind(artifact.TrapUnalignedAtomic)
	// TrapInterrupted: the call's context was cancelled or its deadline
	// passed; Err is the context's cause.
	TrapInterrupted TrapKind = 32
	// TrapHostError: a host function failed; Err is its error.
	TrapHostError TrapKind = 33
)

func (k TrapKind) String() string {
	switch k {
	case TrapTableOutOfBounds:
		// call_indirect past the end is "undefined element" in the spec,
		// table.get/set/init/copy "out of bounds table access".
		return "out of bounds table access (undefined element)"
	case TrapInterrupted:
		return "interrupted"
	case TrapHostError:
		return "host function error"
	}
	return artifact.TrapKind(k).String()
}

// noFunc marks a Trap without a known function.
const noFunc = ^uint32(0)

// Trap is the error a call returns when wasm code trapped.
type Trap struct {
	Kind TrapKind
	// Func is the index of the wasm function that trapped (imports
	// included), ^uint32(0) if unknown; FuncName is its name if the module
	// has a name section.
	Func     uint32
	FuncName string
	// Offset is the wasm byte offset of the instruction, when HasOffset.
	Offset    uint32
	HasOffset bool
	// Err is the cause for TrapInterrupted and TrapHostError.
	Err error
}

func (t *Trap) Error() string {
	var b strings.Builder
	b.WriteString("wasm trap: ")
	b.WriteString(t.Kind.String())
	if t.Err != nil {
		b.WriteString(": ")
		b.WriteString(t.Err.Error())
	}
	if t.Func != noFunc {
		fmt.Fprintf(&b, " (in function %d", t.Func)
		if t.FuncName != "" {
			fmt.Fprintf(&b, " %q", t.FuncName)
		}
		if t.HasOffset {
			fmt.Fprintf(&b, " at wasm offset %#x", t.Offset)
		}
		b.WriteString(")")
	}
	return b.String()
}

func (t *Trap) Unwrap() error { return t.Err }

// locate fills in the function and wasm offset of text offset off, unless
// the trap already has them; site says whether off is a trap site.
func (m *Module) locate(t *Trap, off uint32, site bool) {
	if t.Func != noFunc {
		return
	}
	var s artifact.Site
	ok := false
	if site {
		s, ok = m.art.Code.TrapAt(off)
	} else {
		s, ok = m.art.Code.CallAt(off)
	}
	if ok {
		t.Func, t.Offset, t.HasOffset = s.Func, s.WasmOffset, true
	} else if f, ok := m.m.FuncAt(off); ok {
		t.Func = f
	} else {
		return
	}
	t.FuncName = m.FuncName(t.Func)
}
