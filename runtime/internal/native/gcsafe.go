package native

import "github.com/wasiaot/wasiaot/runtime/abi"

// How native time is made GC-safe: asynchronously. The SIGURG handler
// (signal_amd64.s, signal_arm64.s) sends generated code that Go's
// scheduler wants to preempt to the async stub, which saves every register
// and exits with abi.ExitPreempt; Call then yields and resumes
// (docs/abi.md, "Preemption and interruption"). Code that polls
// g.stackguard0 exits the same way. run and resumeRun are the only two
// places Go hands the thread to native code.

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

// yield serves a preemption exit: g.stackguard0 is stackPreempt. Its
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
