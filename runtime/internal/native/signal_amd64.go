package native

import (
	"errors"
	"syscall"
)

// sigHandler is the SIGSEGV/SIGBUS handler (signal_amd64.s). It runs with
// the C calling convention on the signal stack, without a g.
func sigHandler()

// sigHandlerPC returns the ABI0 address of sigHandler.
func sigHandlerPC() uintptr

// goSigFlags are flags Go's handlers have on amd64: Go returns through its
// own restorer.
const goSigFlags = saSiginfo | saRestorer

// installFaultHandler puts sigHandler in front of Go's handler for SIGSEGV
// and SIGBUS, and urgHandler in front of Go's for SIGURG (asynchronous
// preemption, docs/abi.md). Called once, with the arena bounds and the
// stubs already set.
func installFaultHandler() error {
	asyncLo = theArena.stubs.Addr() + uintptr(theArena.stubs.Len())
	asyncStubPC = stubAddr(stubAsync)
	if theArena.stubs.Addr() != codeLo {
		return errors.New("runtime stubs are not at the start of the code arena")
	}
	if err := installSignalHandler(sigHandlerPC(), goSigFlags); err != nil {
		return err
	}
	return chainHandler(uintptr(syscall.SIGURG), &prevURG, urgHandlerPC(), goSigFlags)
}

// prevURG is Go's SIGURG handler, which urgHandler always continues into.
var prevURG uintptr

// asyncLo is the first address after the runtime stubs at the start of the
// arena: urgHandler preempts only code in [asyncLo, codeHi). asyncStubPC is
// where it sends the thread. Both are written once, before the handler is
// installed.
var asyncLo, asyncStubPC uintptr

// asyncRoom is the native stack the async stub needs below the interrupted
// RSP: the pushed PC, flags and fourteen registers, 256 bytes of XMM
// registers, with a margin.
const asyncRoom = 512

// asyncPushed is what the handler pushes below the interrupted RSP (the
// PC, as a CALL would); the interrupted frame's RSP is that far above the
// saved PC.
const asyncPushed = 8

// urgHandler is the SIGURG handler (signal_amd64.s), C ABI, no g.
func urgHandler()

// urgHandlerPC returns the ABI0 address of urgHandler.
func urgHandlerPC() uintptr
