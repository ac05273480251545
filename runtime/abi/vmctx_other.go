//go:build !amd64 && !arm64

package abi

// Other hosts cannot run native code (runtime/internal/native refuses to);
// they get the amd64 layout so that the packages build.
const (
	VMCtxTrapPC       = AMD64VMCtxTrapPC
	VMCtxFaultAddr    = AMD64VMCtxFaultAddr
	VMCtxTrapKind     = AMD64VMCtxTrapKind
	VMCtxStackTop     = AMD64VMCtxStackTop
	VMCtxStackGuardLo = AMD64VMCtxStackGuardLo
	VMCtxHeaderSize   = AMD64VMCtxHeaderSize
)

// VMContext mirrors the fixed header of a vmctx.
type VMContext struct {
	vmContextPublic

	_            [5]uint64
	TrapPC       uintptr
	FaultAddr    uintptr
	TrapKind     TrapKind
	_            uint32
	StackTop     uintptr
	StackGuardLo uintptr
}
