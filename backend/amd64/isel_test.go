package amd64

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime/abi"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// testModule is the module the isel file tests select for: global 0 is
// imported, globals 1-3 are defined.
func testModule(t testing.TB) *ModuleInfo {
	l, err := abi.NewLayout(abi.ModuleShape{HeaderSize: abi.AMD64VMCtxHeaderSize, NumTypes: 4, NumFuncs: 8, NumGlobals: 4, NumTables: 2, HasMemory: true})
	require.NoError(t, err)
	return &ModuleInfo{Layout: l, NumImportedFuncs: 2, GlobalImported: []bool{true, false, false, false}}
}

// TestIsel runs testdata/isel/*.txt: SSA text, a separator line, the
// selected machine IR, another separator, and the disassembly after
// register allocation.
func TestIsel(t *testing.T) {
	files, err := filepath.Glob("testdata/isel/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			input, rest, _ := strings.Cut(string(data), separator)
			wantIR, wantAsm, _ := strings.Cut(rest, separator)
			f, err := ssa.Parse(input)
			require.NoError(t, err)
			require.NoError(t, ssa.Verify(f))
			mi := testModule(t)
			mi.CPU = cpuDirective(t, input)
			mf, err := NewSelector(mi).Select(f)
			require.NoError(t, err)
			gotIR := mf.String()
			a := NewAllocator()
			a.Check = true
			require.NoError(t, a.Allocate(mf))
			code, err := Emit(mf)
			require.NoError(t, err)
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

// cpuDirective returns the features of the level a "; cpu: LEVEL" line
// of an isel test names (0, the baseline, without one).
func cpuDirective(t testing.TB, input string) artifact.Features {
	for _, line := range strings.Split(input, "\n") {
		if name, ok := strings.CutPrefix(line, "; cpu: "); ok {
			for _, l := range cpuLevels {
				if l.Name == strings.TrimSpace(name) {
					return l.Features
				}
			}
			t.Fatalf("unknown CPU level %q", name)
		}
	}
	return 0
}

func TestIselErrors(t *testing.T) {
	for _, tc := range []struct{ src, msg string }{
		{"func f(i32) -> i32 {\nb0(v0:i32):\n  v1:i32 = i32.load offset=0 align=4 mem=1 v0\n  return v1\n}\n", "not supported: multiple memories"},
		{"func f(i32) -> i32 {\nb0(v0:i32):\n  v1:i32 = global.get g9\n  return v1\n}\n", "amd64: unknown global 9"},
	} {
		f, err := ssa.Parse(tc.src)
		require.NoError(t, err)
		_, err = NewSelector(testModule(t)).Select(f)
		require.EqualError(t, err, tc.msg)
	}
}

// corpusModule decodes and validates the wasm file and describes it to
// the selector: the setup of the tests that compile whole programs.
func corpusModule(t *testing.T, file string) (*wasm.Module, *ModuleInfo) {
	t.Helper()
	bin, err := os.ReadFile(file)
	require.NoError(t, err)
	m, err := wasm.Decode(bin, wasm.FeaturesV2)
	require.NoError(t, err)
	require.NoError(t, validate.Validate(m, wasm.FeaturesV2))
	layout, err := abi.NewLayout(abi.ModuleShape{
		HeaderSize: abi.AMD64VMCtxHeaderSize,
		NumTypes:   uint32(len(m.Types)), NumFuncs: uint32(m.NumFuncs()), NumGlobals: uint32(m.NumGlobals()),
		NumTables: uint32(m.NumTables()), HasMemory: m.NumMemories() > 0,
	})
	require.NoError(t, err)
	mi := &ModuleInfo{Layout: layout, NumImportedFuncs: uint32(m.NumImportedFuncs())}
	for i := 0; i < m.NumGlobals(); i++ {
		mi.GlobalImported = append(mi.GlobalImported, i < m.NumImportedGlobals())
	}
	return m, mi
}
