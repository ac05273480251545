package wat_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/compiler/wat"
	"github.com/wasiaot/wasiaot/testsuite"
)

// BenchmarkParseSpec parses every module of the v2 suite's .wast files.
func BenchmarkParseSpec(b *testing.B) {
	dir, err := testsuite.SuiteDir("v2")
	require.NoError(b, err)
	files, err := filepath.Glob(filepath.Join(dir, "*.wast"))
	require.NoError(b, err)
	var mods [][]byte
	size := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(b, err)
		ms, err := wat.ScriptModules(src)
		require.NoError(b, err)
		for _, m := range ms {
			mods = append(mods, m.Text)
			size += len(m.Text)
		}
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, m := range mods {
			wat.Parse(m, wasm.FeaturesV2)
		}
	}
}
