package runtime

import (
	"fmt"
	"strings"
)

// Frame is one wasm function activation in a trap's backtrace.
type Frame struct {
	// Func is the function's index (imports included); FuncName its name
	// when the module has one for it.
	Func     uint32
	FuncName string
	// Offset is the wasm byte offset of the instruction the frame was at:
	// the trapping instruction in the innermost frame, the call in the
	// others. HasOffset says whether it is known.
	Offset    uint32
	HasOffset bool
}

func (f Frame) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "function %d", f.Func)
	if f.FuncName != "" {
		fmt.Fprintf(&b, " %q", f.FuncName)
	}
	if f.HasOffset {
		fmt.Fprintf(&b, " at wasm offset %#x", f.Offset)
	}
	return b.String()
}

// maxFrames bounds a backtrace: a stack overflow can leave hundreds of
// thousands of frames, and walking them all would make the trap costly
// (the innermost thousand say where the recursion is).
const maxFrames = 1024

// backtrace fills t.Frames from the activation of inst that stopped at pc
// with its innermost frame's native SP at sp (and link register lr, on a
// machine that has one), appending to the frames a nested trap already
// has. The frames are read off the native stack the activation left: from
// each function's prologue (how much it pushes and reserves, where its
// return address is) and that return address, which must be a call site
// the artifact records, or the walk stops. Only the innermost frame may
// still have its return address in lr. Every read is bounded by the
// stack's limits, so a corrupted stack ends the walk, never the process.
func (inst *Instance) backtrace(t *Trap, first Frame, pc, sp, lr uintptr) {
	t.Frames = append(t.Frames, first)
	m := inst.mod
	nimp := uint32(len(inst.funcs))
	if sp == 0 || first.Func == noFunc || first.Func < nimp {
		return
	}
	textSize := uintptr(m.art.Layout.TextSize)
	fidx := first.Func
	for {
		if len(t.Frames) >= maxFrames {
			t.MoreFrames = true
			return
		}
		f := m.m.Funcs[fidx-nimp]
		code := bytesAt(m.text+uintptr(f.Offset), int(min(f.Size, prologueMax)))
		fr, ok := frameOf(code, uint32(pc-m.text)-f.Offset)
		if !ok {
			return
		}
		var ra uint64
		if fr.raInReg {
			ra, lr = uint64(lr), 0 // valid in the innermost frame only
		} else if ra, ok = inst.ctx.StackWord(sp + fr.ra); !ok {
			return
		}
		if ra == 0 || uintptr(ra) < m.text || uintptr(ra)-m.text >= textSize {
			return
		}
		s, ok := m.art.Code.CallAt(uint32(uintptr(ra) - m.text))
		if !ok || s.Func < nimp || s.Func-nimp >= uint32(len(m.m.Funcs)) {
			return // the entry stub's call, where the activation began
		}
		t.Frames = append(t.Frames, Frame{Func: s.Func, FuncName: m.FuncName(s.Func), Offset: s.WasmOffset, HasOffset: true})
		fidx, pc, sp, lr = s.Func, uintptr(ra), sp+fr.caller, 0
	}
}

// frame is where a function's activation keeps its return address and
// where its caller's frame starts, relative to its SP at some offset in
// its code (see frameOf in backtrace_<arch>.go).
type frame struct {
	raInReg bool    // the return address is still in the link register
	ra      uintptr // else it is at SP + ra
	caller  uintptr // the caller's SP at the call is SP + caller
}

// trapFrame is the first frame of a trap located at t's function and offset.
func trapFrame(t *Trap) Frame {
	return Frame{Func: t.Func, FuncName: t.FuncName, Offset: t.Offset, HasOffset: t.HasOffset}
}
