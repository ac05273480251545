package abi

// The host's vmctx layout on arm64.
const (
	VMCtxTrapPC       = ARM64VMCtxTrapPC
	VMCtxFaultAddr    = ARM64VMCtxFaultAddr
	VMCtxTrapKind     = ARM64VMCtxTrapKind
	VMCtxStackTop     = ARM64VMCtxStackTop
	VMCtxStackGuardLo = ARM64VMCtxStackGuardLo
	VMCtxHeaderSize   = ARM64VMCtxHeaderSize
)

// VMContext mirrors the fixed header of a vmctx so Go code can read and write
// it by name. It lives in mmap'd memory, never in the Go heap, and holds only
// integers and raw addresses. TestVMContextLayout keeps it in step with the
// VMCtx* offsets.
type VMContext struct {
	vmContextPublic

	SavedX       [10]uint64 // x19 ... x28
	SavedFP      uint64
	SavedLR      uint64
	SavedD       [8]uint64 // d8 ... d15
	TrapPC       uintptr
	FaultAddr    uintptr
	TrapKind     TrapKind
	_            uint32
	StackTop     uintptr
	StackGuardLo uintptr
	_            [ARM64VMCtxHeaderSize - ARM64VMCtxStackGuardLo - 8]byte
}
