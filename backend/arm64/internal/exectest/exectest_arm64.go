package exectest

// Call calls entry with x26 = vmctx and SP = stack, and returns an exit
// code.
func Call(entry, vmctx, stack uintptr) uint64

// StubAddrs returns the addresses of the trap, preempt and host-call
// stubs, for the vmctx.
func StubAddrs() (trap, preempt, host uintptr)

func trapStub()
func preemptStub()
func hostCallStub()
