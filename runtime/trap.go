package runtime

import (
	"fmt"
	"strings"

	"github.com/wasiaot/wasiaot/runtime/trap"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// TrapKind says why a call trapped: the kind shared with the compiler and
// the artifact (package trap).
type TrapKind = trap.Kind

const (
	TrapUnreachable              = trap.Unreachable
	TrapIntegerDivideByZero      = trap.IntegerDivideByZero
	TrapIntegerOverflow          = trap.IntegerOverflow
	TrapInvalidConversion        = trap.InvalidConversion
	TrapMemoryOutOfBounds        = trap.MemoryOutOfBounds
	TrapTableOutOfBounds         = trap.TableOutOfBounds
	TrapUninitializedElement     = trap.UninitializedElement
	TrapIndirectCallTypeMismatch = trap.IndirectCallTypeMismatch
	TrapStackExhausted           = trap.StackExhausted
	TrapNullReference            = trap.NullReference
	TrapUnalignedAtomic          = trap.UnalignedAtomic
	// TrapInterrupted: the call's context was cancelled or its deadline
	// passed; Err is the context's cause.
	TrapInterrupted = trap.Interrupted
	// TrapHostError: a host function failed; Err is its error.
	TrapHostError = trap.HostError
)

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
	// Frames is the wasm backtrace, innermost first: Frames[0] is where
	// the trap happened (Func and Offset above), each next frame the call
	// that led there. A trap that passed through a host function that
	// called back into wasm continues with the frames of the outer
	// activation. On architectures without unwinding it holds the
	// trapping frame only. It holds at most the innermost 1024 frames;
	// MoreFrames says there were more.
	Frames     []Frame
	MoreFrames bool
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

// callFrame is the frame of the call site at text offset off.
func (m *Module) callFrame(off uint32) Frame {
	t := &Trap{Func: noFunc}
	m.locate(t, off, false)
	return trapFrame(t)
}
