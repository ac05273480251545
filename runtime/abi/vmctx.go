package abi

// VMContext mirrors the fixed header of a vmctx so Go code can read and write
// it by name. It lives in mmap'd memory, never in the Go heap, and holds only
// integers and raw addresses. TestVMContextLayout keeps it in step with the
// VMCtx* offsets.
type VMContext struct {
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

	Magic        uint64
	GoSP         uintptr
	GoBP         uintptr
	EntrySP      uintptr
	ExitSP       uintptr
	ResumePC     uintptr
	SavedRBX     uint64
	SavedRBP     uint64
	SavedR12     uint64
	SavedR13     uint64
	SavedR14     uint64
	TrapPC       uintptr
	FaultAddr    uintptr
	TrapKind     TrapKind
	_            uint32
	StackTop     uintptr
	StackGuardLo uintptr
}
