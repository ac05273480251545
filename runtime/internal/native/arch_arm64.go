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
	vmSavedX19   = abi.ARM64VMCtxSavedX19
	vmSavedFP    = abi.ARM64VMCtxSavedFP
	vmSavedD8    = abi.ARM64VMCtxSavedD8
	vmTrapPC     = abi.VMCtxTrapPC
	vmFaultAddr  = abi.VMCtxFaultAddr
	vmTrapKind   = abi.VMCtxTrapKind
	vmStackTop   = abi.VMCtxStackTop
	vmStackLim   = abi.VMCtxStackLimit
	vmGuardLo    = abi.VMCtxStackGuardLo
	vmInterrupt  = abi.VMCtxInterrupt
	gStackGuard0 = abi.GStackGuard0Offset

	magic = abi.VMCtxMagicValue

	trapMemoryFault    = abi.TrapMemoryFault
	trapStackExhausted = abi.TrapStackExhausted
)

// enter runs native code at pc on the vmctx's native stack (see
// enter_arm64.s). It returns when the code returns, traps or exits; the
// reason is in the vmctx's ExitCode.
func enter(vmctx, pc uintptr)

// resume continues the activation parked by the last exit.
func resume(vmctx uintptr)

// currentG returns the running goroutine's g (the value enter records).
func currentG() uintptr

// flushICache makes instructions written to b visible to instruction
// fetch on every core (enter_arm64.s): arm64's instruction cache is not
// coherent with data writes. Code mapped from a file needs no flush: the
// kernel makes page-cache pages coherent when it maps them executable.
func flushICache(b []byte)

// More offsets, used by the tests' machine code.
const (
	vmMemoryBase   = abi.VMCtxMemoryBase
	vmHostCallStub = abi.VMCtxHostCallStub
	vmTrapStub     = abi.VMCtxTrapStub
	vmPreemptStub  = abi.VMCtxPreemptStub
	vmArgs         = abi.VMCtxArgs
	vmExitArg      = abi.VMCtxExitArg
)

// nestBlock is the size of the block a nested enter keeps below the parked
// frames (BLOCK in enter_arm64.s).
const nestBlock = 208

// trapRegs returns the native SP and x30 the fault stub saw when the
// activation that just trapped was unwound, which it leaves in the 16
// bytes at the activation's EntrySP. Called after the trampoline returned,
// when ExitSP again describes the enclosing parked activation (0 if none),
// from which that EntrySP follows as enter computed it.
func (c *Context) trapRegs() (sp, lr uintptr) {
	entry := c.hdr.StackTop - 16
	if p := c.hdr.ExitSP; p != 0 {
		entry = p&^15 - nestBlock - 16
	}
	s, ok1 := c.stack.word(entry)
	l, ok2 := c.stack.word(entry + 8)
	if !ok1 || !ok2 {
		return 0, 0
	}
	return uintptr(s), uintptr(l)
}

// parkedLR is x30 of the parked exit (the async stub parks it with x19-x29).
func (c *Context) parkedLR() uintptr { return uintptr(c.hdr.SavedLR) }
