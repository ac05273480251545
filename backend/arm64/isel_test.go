package arm64

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/runtime/abi"
)

// testModule is the module the isel file tests select for: global 0 is
// imported, globals 1-3 are defined.
func testModule(t testing.TB) *ModuleInfo {
	l, err := abi.NewLayout(abi.ModuleShape{HeaderSize: abi.ARM64VMCtxHeaderSize, NumTypes: 4, NumFuncs: 8, NumGlobals: 4, NumTables: 2, HasMemory: true})
	require.NoError(t, err)
	return &ModuleInfo{Layout: l, NumImportedFuncs: 2, GlobalImported: []bool{true, false, false, false}}
}

const targetLine = "; target: arm64\n"

// selectAndEmit runs the whole backend on SSA text.
func selectAndEmit(t testing.TB, input string) (ir string, code *Code) {
	f, err := ssa.Parse(input)
	require.NoError(t, err)
	require.NoError(t, ssa.Verify(f))
	mf, err := NewSelector(testModule(t)).Select(f)
	require.NoError(t, err)
	ir = mf.String()
	a := NewAllocator()
	a.Check = true
	require.NoError(t, a.Allocate(mf))
	code, err = Emit(mf)
	require.NoError(t, err)
	return ir, code
}

// TestIsel runs testdata/isel/*.txt: a "; target: arm64" line and SSA
// text, a separator line, the selected machine IR, another separator,
// and the disassembly after register allocation.
func TestIsel(t *testing.T) {
	files, err := filepath.Glob("testdata/isel/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			input, rest, _ := strings.Cut(string(data), separator)
			require.True(t, strings.HasPrefix(input, targetLine), "%s must start with %q", file, targetLine)
			wantIR, wantAsm, _ := strings.Cut(rest, separator)
			gotIR, code := selectAndEmit(t, input)
			gotAsm := disasm(t, code)
			if *update {
				require.NoError(t, os.WriteFile(file, []byte(input+separator+gotIR+separator+gotAsm), 0o644))
				return
			}
			require.Equal(t, wantIR, gotIR, "run go test -update to accept")
			require.Equal(t, wantAsm, gotAsm, "run go test -update to accept")
		})
	}
}

func TestIselErrors(t *testing.T) {
	for _, tc := range []struct{ src, msg string }{
		{"func f(i32) -> i32 {\nb0(v0:i32):\n  v1:i32 = i32.load offset=0 align=4 mem=1 v0\n  return v1\n}\n", "not supported: multiple memories"},
		{"func f(i32) -> i32 {\nb0(v0:i32):\n  v1:i32 = global.get g9\n  return v1\n}\n", "arm64: unknown global 9"},
	} {
		f, err := ssa.Parse(tc.src)
		require.NoError(t, err)
		_, err = NewSelector(testModule(t)).Select(f)
		require.EqualError(t, err, tc.msg)
	}
}
