package abi

// The arm64 part of the ABI (docs/abi.md). These constants are used by the
// arm64 backend on any host, and by the runtime on arm64 (vmctx_arm64.go).
//
// x26 holds the vmctx address for the whole time native code runs;
// generated code never writes it. x28 is Go's g register: Go's signal entry
// reads it, so generated code never writes it either. x18 (the platform
// register) is never used. x16 and x17 (IP0, IP1) are scratch for the
// runtime sequences: nothing lives in them across a poll, a host call or a
// trap. x27 is golang-asm's temporary. SP points into the instance's
// native stack and is 16-byte aligned at every call.
const (
	ARM64VMCtxReg = "R26"
	ARM64Scratch  = "R16 R17"
	// ARM64CalleeSaved lists the registers a host call preserves: the
	// AAPCS64 callee-saved set, which the exit stub saves whole (the wasm
	// convention uses a subset of it).
	ARM64CalleeSaved = "R19 R20 R21 R22 R23 R24 R25 R26 R27 R28 R29 R30 F8 F9 F10 F11 F12 F13 F14 F15"
	// ARM64StackAlign is the alignment of SP at every call and on entry.
	ARM64StackAlign = 16

	// The private vmctx area from VMCtxSaved on: the registers of a parked
	// exit in pairs (for STP/LDP), then the trap and stack fields.
	ARM64VMCtxSavedX19 = VMCtxSaved + 0 // uint64 x12: x19 ... x28, x29 (fp), x30 (lr)
	ARM64VMCtxSavedFP  = VMCtxSaved + 80
	ARM64VMCtxSavedLR  = VMCtxSaved + 88
	ARM64VMCtxSavedD8  = VMCtxSaved + 96 // uint64 x8: d8 ... d15
	ARM64VMCtxSavedEnd = VMCtxSaved + 160

	ARM64VMCtxTrapPC       = ARM64VMCtxSavedEnd + 0  // uintptr: PC identifying the trap site
	ARM64VMCtxFaultAddr    = ARM64VMCtxSavedEnd + 8  // uintptr: faulting data address
	ARM64VMCtxTrapKind     = ARM64VMCtxSavedEnd + 16 // uint32: TrapKind of the last trap
	ARM64VMCtxStackTop     = ARM64VMCtxSavedEnd + 24 // uintptr: initial native SP (16-aligned)
	ARM64VMCtxStackGuardLo = ARM64VMCtxSavedEnd + 32 // uintptr: lowest address of the guard region
	// ARM64VMCtxHeaderSize is where the module area starts.
	ARM64VMCtxHeaderSize = 384
)
