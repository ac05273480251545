package artifact

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBinutils runs readelf, objdump and nm on a written artifact: they must
// succeed without complaint and see the function symbols.
func TestBinutils(t *testing.T) {
	for _, tool := range []string{"readelf", "objdump", "nm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("binutils not installed (%s: %v)", tool, err)
		}
	}
	path := filepath.Join(t.TempDir(), "app.so")
	require.NoError(t, os.WriteFile(path, mustMarshal(t, sampleArtifact()), 0o644))

	run := func(name string, args ...string) string {
		cmd := exec.Command(name, append(args, path)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "%s: %s", name, stderr.String())
		require.Empty(t, stderr.String(), name)
		return string(out)
	}

	re := run("readelf", "-a", "-W")
	for _, want := range []string{
		"DYN (Shared object file)",
		"Advanced Micro Devices X86-64",
		"LOAD           0x001000 0x0000000000001000 0x0000000000001000 0x000040 0x000040 R E 0x1000",
		"GNU_STACK",
		".wasiaot",
		"FUNC    GLOBAL DEFAULT    1 std::vec::Vec<u8>_push",
	} {
		require.Contains(t, re, want)
	}
	require.NotContains(t, strings.ToLower(re), "warning")

	od := run("objdump", "-d")
	for _, want := range []string{
		"<_start>:",
		"<std::vec::Vec<u8>_push>:",
		"<_start.3>:",
		"<wasiaot.trap>:",
		"push   %rbp",
		"ud2",
	} {
		require.Contains(t, od, want)
	}

	nm := run("nm", "-S")
	require.Equal(t, strings.Join([]string{
		"0000000000001000 0000000000000010 T _start",
		"0000000000001020 0000000000000010 T _start.3",
		"0000000000001010 0000000000000010 T std::vec::Vec<u8>_push",
		"0000000000001038 T wasiaot.entry.type0",
		"0000000000001030 0000000000000008 T wasiaot.trap",
	}, "\n")+"\n", nm)
}
