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

// trapSP would return the native SP the fault stub saw when the activation
// that just trapped was unwound (see the amd64 version), for backtraces.
// The arm64 fault stub does not leave it yet: traps carry no SP there.
func (c *Context) trapSP() uintptr { return 0 }
