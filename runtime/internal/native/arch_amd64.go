package native

import "github.com/wasiaot/wasiaot/runtime/abi"

const archSupported = true

// vmctx offsets for the assembly files (go_asm.h exports them as const_*).
const (
	vmG = abi.VMCtxG
	// For the assembly: the value of a g's stackguard0 that asks it to
	// stop (abi.StackPreempt as a signed immediate).
	stackPreempt = -1314
	vmExitCode   = abi.VMCtxExitCode
	vmMagic      = abi.VMCtxMagic
	vmGoSP       = abi.VMCtxGoSP
	vmGoBP       = abi.VMCtxGoBP
	vmEntrySP    = abi.VMCtxEntrySP
	vmExitSP     = abi.VMCtxExitSP
	vmResumePC   = abi.VMCtxResumePC
	vmSavedRBX   = abi.AMD64VMCtxSavedRBX
	vmSavedRBP   = abi.AMD64VMCtxSavedRBP
	vmSavedR12   = abi.AMD64VMCtxSavedR12
	vmSavedR13   = abi.AMD64VMCtxSavedR13
	vmSavedR14   = abi.AMD64VMCtxSavedR14
	vmTrapPC     = abi.VMCtxTrapPC
	vmFaultAddr  = abi.VMCtxFaultAddr
	vmTrapKind   = abi.VMCtxTrapKind
	vmStackTop   = abi.VMCtxStackTop
	vmStackLim   = abi.VMCtxStackLimit
	vmGuardLo    = abi.VMCtxStackGuardLo

	magic = abi.VMCtxMagicValue

	trapMemoryFault    = abi.TrapMemoryFault
	trapStackExhausted = abi.TrapStackExhausted
)

// enter runs native code at pc on the vmctx's native stack (see
// enter_amd64.s). It returns when the code returns, traps or exits; the
// reason is in the vmctx's ExitCode.
func enter(vmctx, pc uintptr)

// resume continues the activation parked by the last exit.
func resume(vmctx uintptr)

// getg returns the running goroutine's g (for tests of the poll contract).
func getg() uintptr

func flushICache([]byte) {} // amd64 keeps instruction fetch coherent

// More offsets, used by the tests' machine code.
const (
	vmMemoryBase   = abi.VMCtxMemoryBase
	vmInterrupt    = abi.VMCtxInterrupt
	vmHostCallStub = abi.VMCtxHostCallStub
	vmTrapStub     = abi.VMCtxTrapStub
	vmPreemptStub  = abi.VMCtxPreemptStub
	vmArgs         = abi.VMCtxArgs
	vmExitArg      = abi.VMCtxExitArg
	gStackGuard0   = abi.GStackGuard0Offset
)

// currentG returns the running goroutine's g (the value enter records).
func currentG() uintptr

// nestBlock is the size of the block a nested enter keeps below the parked
// frames (BLOCK in enter_amd64.s).
const nestBlock = 96

// trapRegs returns the native SP the fault stub saw when the activation
// that just trapped was unwound: the SP of the innermost wasm frame, which
// the stub leaves in the word below the activation's EntrySP. Called after
// the trampoline returned, when ExitSP again describes the enclosing parked
// activation (0 if none), from which that EntrySP follows as enter
// computed it. amd64 has no link register: lr is 0.
func (c *Context) trapRegs() (sp, lr uintptr) {
	entry := c.hdr.StackTop - 8
	if sp := c.hdr.ExitSP; sp != 0 {
		entry = sp&^15 - nestBlock - 8
	}
	w, ok := c.stack.word(entry - 8)
	if !ok {
		return 0, 0
	}
	return uintptr(w), 0
}

// parkedLR is the link register of a parked exit: none on amd64.
func (c *Context) parkedLR() uintptr { return 0 }
