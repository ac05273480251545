package abi

// The amd64 part of the ABI (docs/abi.md). These constants are used by the
// amd64 backend on any host, and by the runtime on amd64 (vmctx_amd64.go).
//
// R15 holds the vmctx address for the whole time native code runs;
// generated code never writes it. R11 is scratch for the runtime sequences
// (polls, host calls, the resume PC handed to an exit stub): nothing lives in
// R11 across them. RSP points into the instance's native stack.
const (
	// AMD64VMCtxReg holds the vmctx address; AMD64Scratch belongs to the
	// runtime sequences.
	AMD64VMCtxReg = "R15"
	AMD64Scratch  = "R11"
	// AMD64CalleeSaved lists, by name, the general registers a host call
	// preserves; all other registers (and every XMM register) are clobbered.
	AMD64CalleeSaved = "RBX RBP R12 R13 R14 R15"
	// AMD64StackAlign is the alignment of RSP+8 on entry to the entry stub
	// (the System V convention: RSP is 16-aligned before the CALL).
	AMD64StackAlign = 16

	// The private vmctx area from VMCtxSaved on.
	AMD64VMCtxSavedRBX     = VMCtxSaved + 0 // uint64 x5: RBX RBP R12 R13 R14 of a parked exit
	AMD64VMCtxSavedRBP     = VMCtxSaved + 8
	AMD64VMCtxSavedR12     = VMCtxSaved + 16
	AMD64VMCtxSavedR13     = VMCtxSaved + 24
	AMD64VMCtxSavedR14     = VMCtxSaved + 32
	AMD64VMCtxTrapPC       = 216 // uintptr: PC identifying the trap site
	AMD64VMCtxFaultAddr    = 224 // uintptr: faulting data address (memory faults)
	AMD64VMCtxTrapKind     = 232 // uint32: TrapKind of the last trap
	AMD64VMCtxStackTop     = 240 // uintptr: initial native SP (16-aligned)
	AMD64VMCtxStackGuardLo = 248 // uintptr: lowest address of the stack guard region
	// AMD64VMCtxHeaderSize is where the module area starts.
	AMD64VMCtxHeaderSize = 256
)
