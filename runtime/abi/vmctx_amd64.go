package abi

// The host's vmctx layout on amd64.
const (
	VMCtxTrapPC       = AMD64VMCtxTrapPC
	VMCtxFaultAddr    = AMD64VMCtxFaultAddr
	VMCtxTrapKind     = AMD64VMCtxTrapKind
	VMCtxStackTop     = AMD64VMCtxStackTop
	VMCtxStackGuardLo = AMD64VMCtxStackGuardLo
	VMCtxHeaderSize   = AMD64VMCtxHeaderSize
)

// VMContext mirrors the fixed header of a vmctx so Go code can read and write
// it by name. It lives in mmap'd memory, never in the Go heap, and holds only
// integers and raw addresses. TestVMContextLayout keeps it in step with the
// VMCtx* offsets.
type VMContext struct {
	vmContextPublic

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
