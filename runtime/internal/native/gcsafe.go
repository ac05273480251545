package native

import "github.com/wasiaot/wasiaot/runtime/abi"

// How native time is made GC-safe: cooperatively. Generated code polls the
// goroutine's stackguard0 at loop back edges and function entries and exits
// with abi.ExitPreempt when the scheduler wants the thread; Call then yields.
// run and resumeRun are the only two places Go hands the thread to native
// code, so switching to runtime.entersyscall/exitsyscall (which needs both
// calls in the one frame that calls the trampoline, with nothing in between
// that can grow the stack) means changing only these two functions.

// run enters native code at pc and reports how it left.
func run(c *Context, pc uintptr) abi.ExitCode {
	enter(c.Addr(), pc)
	return c.hdr.ExitCode
}

// resumeRun continues the parked activation and reports how it left.
func resumeRun(c *Context) abi.ExitCode {
	resume(c.Addr())
	return c.hdr.ExitCode
}

// yield serves a poll that hit because g.stackguard0 is stackPreempt. Its
// prologue (a stack check Go never omits: the function is not a leaf and its
// frame is larger than the small-frame limit) sees the marker and enters
// morestack, which does exactly what the scheduler asked: park the goroutine
// for a stack scan (runtime.Gosched would only requeue it, and a GC waiting
// to suspend it could then starve), or reschedule it.
//
//go:noinline
func yield() {
	var frame [256]byte
	frameSink(frame[:])
}

//go:noinline
func frameSink(b []byte) { b[0]++ }
