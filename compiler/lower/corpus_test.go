package lower_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/opt"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/testsuite"
)

// Every module of the spec suites v1 and v2 lowers, and its functions
// verify before and after the optimiser. Only functions using SIMD may
// fail, and only with the not-supported error.
func TestSpecCorpus(t *testing.T) {
	for _, suite := range testsuite.Suites[:2] { // v1 and v2
		t.Run(suite.Name, func(t *testing.T) {
			var modules, funcs, simd int
			err := testsuite.ForEachModule(suite, func(where string, m *wasm.Module) {
				modules++
				l := lower.NewLowerer(m, lower.Options{})
				for j := range m.Functions {
					idx := uint32(m.NumImportedFuncs() + j)
					f, err := l.Lower(idx)
					if err != nil {
						var le *lower.Error
						require.True(t, errors.As(err, &le), "%s: %v", where, err)
						require.True(t, le.NotSupported, "%s: %v", where, err)
						msg := err.Error()
						require.True(t, strings.HasPrefix(msg, "not supported: SIMD instruction ") ||
							strings.HasPrefix(msg, "not supported: v128 value type "), "%s: %v", where, err)
						require.Contains(t, where, "/simd_", "%s function %d: only SIMD tests use v128: %v", where, idx, err)
						simd++
						continue
					}
					funcs++
					require.NoError(t, ssa.Verify(f), "%s function %d:\n%s", where, idx, f)
					lower.CheckPositions(t, m, f)
					opt.Pipeline(f, 1, nil)
					require.NoError(t, ssa.Verify(f), "%s function %d after opt:\n%s", where, idx, f)
				}
			})
			require.NoError(t, err)
			t.Logf("%s: %d modules, %d functions lowered, %d rejected as SIMD", suite.Name, modules, funcs, simd)
		})
	}
}
