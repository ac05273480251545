package arm64

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRuntimeStubs compares the disassembly of the runtime stubs with
// testdata/stubs.txt.
func TestRuntimeStubs(t *testing.T) {
	stubs, err := RuntimeStubs()
	require.NoError(t, err)
	got := disasm(t, &Code{Bytes: stubs.Code, CodeSize: len(stubs.Code)})
	var names []string
	for name := range stubs.Offsets {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		got += fmt.Sprintf("%s %#x\n", name, stubs.Offsets[name])
	}
	const file = "testdata/stubs.txt"
	if *update {
		require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "run go test -update to accept")
}
