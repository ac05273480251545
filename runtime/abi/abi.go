// Package abi is the contract between code emitted by the compiler backend and
// the runtime that executes it: the layout of the vmctx, the registers with a
// fixed role, the exit codes the runtime stubs report and the trap kinds.
//
// docs/abi.md is the prose version of this file. Every number here is part of
// the artifact format: changing one requires a new artifact format version.
package abi

// VMContext field offsets, in bytes from the vmctx address, which lives in a
// register of its own (amd64.go, arm64.go).
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
	VMCtxMagic    = 128 // uint64: VMCtxMagicValue, checked by the signal handler
	VMCtxGoSP     = 136 // uintptr: Go SP to return to
	VMCtxGoBP     = 144 // uintptr: Go BP to restore
	VMCtxEntrySP  = 152 // uintptr: native SP holding the return address into the trampoline
	VMCtxExitSP   = 160 // uintptr: native SP of a parked exit (0 if none)
	VMCtxResumePC = 168 // uintptr: where a parked exit continues
	// VMCtxSaved starts the architecture's private area: the
	// callee-saved registers of a parked exit (AMD64VMCtxSaved*,
	// ARM64VMCtxSaved*), then the trap and stack fields at offsets of
	// their own (VMCtxTrapPC ... for the host). See amd64.go, arm64.go.
	VMCtxSaved = 176
)

// The host's part of the layout (vmctx_<arch>.go) names the same fields
// without the architecture: VMCtxTrapPC, VMCtxFaultAddr, VMCtxTrapKind,
// VMCtxStackTop, VMCtxStackGuardLo and VMCtxHeaderSize.

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
	TrapExplicit       TrapKind = 1 // CALL through VMCtxTrapStub; TrapPC is the return address (arm64: x16)
	TrapMemoryFault    TrapKind = 2 // SIGSEGV/SIGBUS in code; TrapPC is the faulting instruction
	TrapStackExhausted TrapKind = 3 // a fault on the native stack guard region
	TrapInterrupted    TrapKind = 4 // the interrupt word was set; TrapPC is where the code stopped
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
// differs (artifact.Host.ABIVersion). Version 2: the vmctx header is per
// architecture (amd64.go, arm64.go); amd64's layout is version 1's.
// Version 3: amd64 code has no polls; the runtime stops it with a signal
// at any instruction (docs/abi.md, "Preemption and interruption").
// Version 4: arm64 code has no polls either; the runtime may write x18 at
// any instruction of arm64 code.
// Version 5: arm64 code enters the trap stub with br (trap PC in x16, x30
// left as it was) and the arm64 fault stub leaves the trapping SP and x30
// at the entry SP, for backtraces.
const Version uint32 = 5

// vmContextPublic is the part of the vmctx header every architecture shares:
// the fields generated code uses and the runtime's common private fields, up
// to VMCtxSaved.
type vmContextPublic struct {
	MemoryBase   uintptr
	MemoryLen    uint64
	G            uintptr
	Interrupt    uint32
	_            uint32
	HostCallStub uintptr
	TrapStub     uintptr
	PreemptStub  uintptr
	Args         uintptr
	StackLimit   uintptr
	ExitArg      uint32
	ExitCode     ExitCode
	_            [48]byte

	Magic    uint64
	GoSP     uintptr
	GoBP     uintptr
	EntrySP  uintptr
	ExitSP   uintptr
	ResumePC uintptr
}
