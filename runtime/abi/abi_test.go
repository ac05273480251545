package abi

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

func TestVMContextLayout(t *testing.T) {
	var v VMContext
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"MemoryBase", unsafe.Offsetof(v.MemoryBase), VMCtxMemoryBase},
		{"MemoryLen", unsafe.Offsetof(v.MemoryLen), VMCtxMemoryLen},
		{"G", unsafe.Offsetof(v.G), VMCtxG},
		{"Interrupt", unsafe.Offsetof(v.Interrupt), VMCtxInterrupt},
		{"HostCallStub", unsafe.Offsetof(v.HostCallStub), VMCtxHostCallStub},
		{"TrapStub", unsafe.Offsetof(v.TrapStub), VMCtxTrapStub},
		{"PreemptStub", unsafe.Offsetof(v.PreemptStub), VMCtxPreemptStub},
		{"Args", unsafe.Offsetof(v.Args), VMCtxArgs},
		{"StackLimit", unsafe.Offsetof(v.StackLimit), VMCtxStackLimit},
		{"ExitArg", unsafe.Offsetof(v.ExitArg), VMCtxExitArg},
		{"ExitCode", unsafe.Offsetof(v.ExitCode), VMCtxExitCode},
		{"Magic", unsafe.Offsetof(v.Magic), VMCtxMagic},
		{"GoSP", unsafe.Offsetof(v.GoSP), VMCtxGoSP},
		{"GoBP", unsafe.Offsetof(v.GoBP), VMCtxGoBP},
		{"EntrySP", unsafe.Offsetof(v.EntrySP), VMCtxEntrySP},
		{"ExitSP", unsafe.Offsetof(v.ExitSP), VMCtxExitSP},
		{"ResumePC", unsafe.Offsetof(v.ResumePC), VMCtxResumePC},
		{"TrapPC", unsafe.Offsetof(v.TrapPC), VMCtxTrapPC},
		{"FaultAddr", unsafe.Offsetof(v.FaultAddr), VMCtxFaultAddr},
		{"TrapKind", unsafe.Offsetof(v.TrapKind), VMCtxTrapKind},
		{"StackTop", unsafe.Offsetof(v.StackTop), VMCtxStackTop},
		{"StackGuardLo", unsafe.Offsetof(v.StackGuardLo), VMCtxStackGuardLo},
	} {
		require.Equal(t, c.want, c.got, c.name)
	}
	for _, c := range savedFields(&v) {
		require.Equal(t, c.want, c.got, c.name)
	}
	require.Equal(t, uintptr(VMCtxHeaderSize), unsafe.Sizeof(v))
}

type fieldOffset struct {
	name      string
	got, want uintptr
}

// TestArchLayouts checks both architectures' private areas on any host:
// registers first, from VMCtxSaved, then the trap and stack fields, all in
// the header.
func TestArchLayouts(t *testing.T) {
	for _, l := range []struct {
		name                                              string
		savedEnd, trapPC, fault, kind, top, guard, header uint32
	}{
		{"amd64", AMD64VMCtxSavedR14 + 8, AMD64VMCtxTrapPC, AMD64VMCtxFaultAddr, AMD64VMCtxTrapKind, AMD64VMCtxStackTop, AMD64VMCtxStackGuardLo, AMD64VMCtxHeaderSize},
		{"arm64", ARM64VMCtxSavedEnd, ARM64VMCtxTrapPC, ARM64VMCtxFaultAddr, ARM64VMCtxTrapKind, ARM64VMCtxStackTop, ARM64VMCtxStackGuardLo, ARM64VMCtxHeaderSize},
	} {
		require.LessOrEqual(t, l.savedEnd, l.trapPC, l.name)
		require.Equal(t, []uint32{l.trapPC + 8, l.fault + 8, l.kind + 8, l.top + 8}, []uint32{l.fault, l.kind, l.top, l.guard}, l.name)
		require.LessOrEqual(t, l.guard+8, l.header, l.name)
		require.Zero(t, l.header%16, l.name)
	}
	require.Equal(t, VMCtxSaved+12*8, ARM64VMCtxSavedD8)
	require.Equal(t, ARM64VMCtxSavedD8+8*8, ARM64VMCtxSavedEnd)
	require.Equal(t, 20, len(strings.Fields(ARM64CalleeSaved)))
	require.Equal(t, 5+1, len(strings.Fields(AMD64CalleeSaved)))
}

func TestGeneratedCodeFieldsUseShortDisplacements(t *testing.T) {
	// Fields generated code touches must stay within a disp8 of R15.
	for _, off := range []int{VMCtxMemoryBase, VMCtxMemoryLen, VMCtxG, VMCtxInterrupt,
		VMCtxHostCallStub, VMCtxTrapStub, VMCtxPreemptStub, VMCtxArgs, VMCtxStackLimit,
		VMCtxExitArg, VMCtxExitCode} {
		require.Less(t, off, 128)
	}
}

func TestStackPreemptIsSignExtendedImm32(t *testing.T) {
	// A poll compares with an imm32 that the CPU sign-extends.
	imm := int32(-1314)
	require.Equal(t, StackPreempt, uint64(int64(imm)))
}

func TestNames(t *testing.T) {
	require.Equal(t, "host call", ExitHostCall.String())
	require.Equal(t, "unknown exit", ExitCode(99).String())
	require.Equal(t, "call stack exhausted", TrapStackExhausted.String())
	require.Equal(t, "unknown trap", TrapKind(99).String())
}

func TestMemoryReservationCoversWorstAccess(t *testing.T) {
	const maxIndex, maxOffset, widest = 1<<32 - 1, 1<<32 - 1, 16
	require.LessOrEqual(t, uint64(maxIndex+maxOffset+widest), uint64(MemoryReservation))
}
