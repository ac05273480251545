package native

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/arch/x86/x86asm"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// TestStubDisassembly decodes the hand-encoded stubs and compares them with
// testdata/stubs_amd64.txt, so the bytes, the entry offsets and the vmctx
// displacements they use are all reviewed as text.
func TestStubDisassembly(t *testing.T) {
	entries := map[int]string{stubHostCall: "hostCall", stubPreempt: "preempt", stubTrap: "trap", stubFault: "fault"}
	var sb strings.Builder
	for pc := 0; pc < len(stubCode); {
		inst, err := x86asm.Decode(stubCode[pc:], 64)
		require.NoError(t, err, "offset %#x", pc)
		if name, ok := entries[pc]; ok {
			fmt.Fprintf(&sb, "%s:\n", name)
			delete(entries, pc)
		}
		fmt.Fprintf(&sb, "%#05x %s\n", pc, x86asm.IntelSyntax(inst, uint64(pc), nil))
		pc += inst.Len
	}
	require.Empty(t, entries, "entry offsets that are not instruction boundaries")
	const golden = "testdata/stubs_amd64.txt"
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(sb.String()), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), sb.String())
}

// TestStubDisplacements checks every R15-relative operand of the stubs
// against the abi offsets they are meant to use.
func TestStubDisplacements(t *testing.T) {
	known := map[int64]bool{abi.VMCtxExitCode: true, abi.VMCtxResumePC: true, abi.VMCtxExitSP: true,
		abi.AMD64VMCtxSavedRBX: true, abi.AMD64VMCtxSavedRBP: true, abi.AMD64VMCtxSavedR12: true, abi.AMD64VMCtxSavedR13: true,
		abi.AMD64VMCtxSavedR14: true, abi.VMCtxEntrySP: true, abi.VMCtxTrapPC: true, abi.VMCtxTrapKind: true}
	seen := map[int64]bool{}
	for pc := 0; pc < len(stubCode); {
		inst, err := x86asm.Decode(stubCode[pc:], 64)
		require.NoError(t, err)
		for _, arg := range inst.Args {
			if m, ok := arg.(x86asm.Mem); ok && m.Base == x86asm.R15 {
				require.True(t, known[m.Disp], "%#x: unexpected vmctx offset %d", pc, m.Disp)
				seen[m.Disp] = true
			}
		}
		pc += inst.Len
	}
	require.Equal(t, known, seen)
}
