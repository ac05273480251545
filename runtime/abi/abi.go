// Package abi is the contract between code emitted by the compiler backend and
// the runtime that executes it: the layout of the vmctx, the registers with a
// fixed role, the exit codes the runtime stubs report and the trap kinds.
//
// docs/abi.md is the prose version of this file. Every number here is part of
// the artifact format: changing one requires a new artifact format version.
package abi

// Register roles on amd64 (see docs/abi.md, "Registers").
//
// R15 holds the vmctx address for the whole time native code runs; generated
// code never writes it. R11 is scratch for the runtime sequences (polls, host
// calls, the resume PC handed to an exit stub): nothing lives in R11 across
// them. RSP points into the instance's native stack.
const (
	// AMD64CalleeSaved lists, by name, the general registers a host call
	// preserves; all other registers (and every XMM register) are clobbered.
	AMD64CalleeSaved = "RBX RBP R12 R13 R14 R15"
	// AMD64StackAlign is the alignment of RSP+8 on entry to the entry stub
	// (the System V convention: RSP is 16-aligned before the CALL).
	AMD64StackAlign = 16
)

// VMContext field offsets, in bytes from the vmctx address held in R15.
// The first 128 bytes are reachable with 8-bit displacements and hold what
// generated code touches; the rest is private to the runtime stubs.
const (
	// Read by generated code.
	VMCtxMemoryBase   = 0  // uintptr: base of linear memory 0 (0 if none)
	VMCtxMemoryLen    = 8  // uint64: current byte length of memory 0
	VMCtxG            = 16 // uintptr: the Go g running this activation
	VMCtxInterrupt    = 24 // uint32: nonzero asks polls to exit
	VMCtxHostCallStub = 32 // uintptr: JMP target for an import call
	VMCtxTrapStub     = 40 // uintptr: CALL target for an explicit trap
	VMCtxPreemptStub  = 48 // uintptr: JMP target for a poll that hit
	VMCtxArgs         = 56 // uintptr: args/results buffer, 16-byte slots
	VMCtxStackLimit   = 64 // uintptr: lowest usable native stack address
	VMCtxExitArg      = 72 // uint32: import index, written before an exit
	VMCtxExitCode     = 76 // uint32: ExitCode of the last exit (stubs write it)

	// Private to the runtime (trampoline, stubs, signal handler).
	VMCtxMagic        = 128 // uint64: VMCtxMagicValue, checked by the signal handler
	VMCtxGoSP         = 136 // uintptr: Go SP to return to
	VMCtxGoBP         = 144 // uintptr: Go BP to restore
	VMCtxEntrySP      = 152 // uintptr: native SP holding the return address into the trampoline
	VMCtxExitSP       = 160 // uintptr: native SP of a parked exit (0 if none)
	VMCtxResumePC     = 168 // uintptr: where a parked exit continues
	VMCtxSavedRBX     = 176 // uint64 x5: RBX RBP R12 R13 R14 of a parked exit
	VMCtxSavedRBP     = 184
	VMCtxSavedR12     = 192
	VMCtxSavedR13     = 200
	VMCtxSavedR14     = 208
	VMCtxTrapPC       = 216 // uintptr: PC identifying the trap site
	VMCtxFaultAddr    = 224 // uintptr: faulting data address (memory faults)
	VMCtxTrapKind     = 232 // uint32: TrapKind of the last trap
	VMCtxStackTop     = 240 // uintptr: initial native SP (16-aligned)
	VMCtxStackGuardLo = 248 // uintptr: lowest address of the stack guard region

	// VMCtxHeaderSize is where the module-defined part of the vmctx starts
	// (globals, tables, ... laid out by the backend).
	VMCtxHeaderSize = 256
)

// VMCtxMagicValue marks a live vmctx ("wasiaot" + version 1, little endian).
const VMCtxMagicValue uint64 = 0x0174_6f61_6973_6177

// ArgSlotSize is the size of one args/results slot: every value, v128
// included, takes one slot; scalars use its low bytes.
const ArgSlotSize = 16

// ExitCode says why native code gave control back to Go.
type ExitCode uint32

const (
	ExitReturn   ExitCode = 0 // the entry stub returned normally
	ExitHostCall ExitCode = 1 // import VMCtxExitArg is to be called, then resumed
	ExitTrap     ExitCode = 2 // a trap; VMCtxTrapKind/TrapPC/FaultAddr describe it
	ExitPreempt  ExitCode = 3 // a poll hit: Go yields or interrupts, then resumes
)

func (c ExitCode) String() string {
	switch c {
	case ExitReturn:
		return "return"
	case ExitHostCall:
		return "host call"
	case ExitTrap:
		return "trap"
	case ExitPreempt:
		return "preempt"
	}
	return "unknown exit"
}

// TrapKind classifies how a trap was raised. The wasm-level meaning of an
// explicit trap (division by zero, unreachable, ...) comes from the artifact's
// trap table, keyed by the trap PC.
type TrapKind uint32

const (
	TrapNone           TrapKind = 0
	TrapExplicit       TrapKind = 1 // CALL through VMCtxTrapStub; TrapPC is the return address
	TrapMemoryFault    TrapKind = 2 // SIGSEGV/SIGBUS in code; TrapPC is the faulting instruction
	TrapStackExhausted TrapKind = 3 // a fault on the native stack guard region
	TrapInterrupted    TrapKind = 4 // the interrupt word was set; TrapPC is the poll's resume PC
	TrapHostError      TrapKind = 5 // a host function failed; the activation was unwound
)

func (k TrapKind) String() string {
	switch k {
	case TrapNone:
		return "no trap"
	case TrapExplicit:
		return "explicit trap"
	case TrapMemoryFault:
		return "out of bounds memory access"
	case TrapStackExhausted:
		return "call stack exhausted"
	case TrapInterrupted:
		return "interrupted"
	case TrapHostError:
		return "host function error"
	}
	return "unknown trap"
}

// Cooperative preemption. A poll compares the g's stackguard0 (at
// GStackGuard0Offset from the g in VMCtxG) with StackPreempt, and the
// interrupt word with zero. Both numbers are go1.26 runtime internals; a test
// in runtime/internal/native reads them from GOROOT so an upgrade that moves
// them fails loudly.
const (
	GStackGuard0Offset = 16
	// StackPreempt is the value of stackguard0 when the Go scheduler wants
	// the goroutine to stop (sign-extended -1314 on 64-bit).
	StackPreempt uint64 = 0xffff_ffff_ffff_fade
)

// Defaults used by the runtime when the embedder does not choose.
const (
	DefaultStackSize = 8 << 20  // usable native stack bytes per instance
	StackGuardSize   = 64 << 10 // PROT_NONE bytes below every native stack
	WasmPageSize     = 64 << 10
	// MemoryReservation is the address space per linear memory: 4 GiB
	// addressable, 4 GiB guard, and a 64 KiB tail so that even a 16-byte
	// access at base + 0xffffffff + 0xffffffff stays inside.
	MemoryReservation = 8<<30 + 64<<10
)

// Version is the ABI version this package describes. The compiler writes it
// into the artifact header and the runtime refuses artifacts whose version
// differs (artifact.Host.ABIVersion).
const Version uint32 = 1
