package lower_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/opt"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/testsuite"
)

// Every module of the spec suites v1 and v2 lowers, and its functions
// verify before and after the optimiser. Only functions using SIMD may
// fail, and only with the not-supported error.
func TestSpecCorpus(t *testing.T) {
	for _, suite := range []struct {
		name string
		feat wasm.Features
	}{{"v1", wasm.FeaturesV1}, {"v2", wasm.FeaturesV2}} {
		t.Run(suite.name, func(t *testing.T) {
			dir, err := testsuite.SuiteDir(suite.name)
			require.NoError(t, err)
			files, err := filepath.Glob(filepath.Join(dir, "*.json"))
			require.NoError(t, err)
			require.NotEmpty(t, files)
			var modules, funcs, simd int
			for _, file := range files {
				s, err := testsuite.LoadScript(file)
				require.NoError(t, err)
				for i := range s.Commands {
					c := &s.Commands[i]
					if c.Type != "module" || c.ModuleType == "text" {
						continue
					}
					data, err := s.ModuleBytes(c)
					require.NoError(t, err)
					where := filepath.Base(file) + ":" + c.Filename
					m, err := wasm.Decode(data, suite.feat)
					require.NoError(t, err, where)
					require.NoError(t, validate.Validate(m, suite.feat), where)
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
							require.True(t, strings.HasPrefix(filepath.Base(file), "simd_"),
								"%s function %d: only SIMD tests use v128: %v", where, idx, err)
							simd++
							continue
						}
						funcs++
						require.NoError(t, ssa.Verify(f), "%s function %d:\n%s", where, idx, f)
						lower.CheckPositions(t, m, f)
						opt.Pipeline(f, 1, nil)
						require.NoError(t, ssa.Verify(f), "%s function %d after opt:\n%s", where, idx, f)
					}
				}
			}
			t.Logf("%s: %d modules, %d functions lowered, %d rejected as SIMD", suite.name, modules, funcs, simd)
		})
	}
}
