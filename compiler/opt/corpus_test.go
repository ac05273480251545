package opt_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/opt"
	"github.com/wasiaot/wasiaot/compiler/ssa"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/testsuite"
)

// Every function of the spec suites v1 and v2 (SIMD aside, which lowering
// rejects) verifies after every pass of Pipeline at both levels, and a
// second Pipeline run finds nothing left to do.
func TestSpecCorpus(t *testing.T) {
	for _, suite := range testsuite.Suites[:2] { // v1 and v2
		t.Run(suite.Name, func(t *testing.T) {
			funcs, simd := 0, 0
			err := testsuite.ForEachModule(suite, func(where string, m *wasm.Module) {
				l := lower.NewLowerer(m, lower.Options{})
				for j := range m.Functions {
					idx := uint32(m.NumImportedFuncs() + j)
					f, err := l.Lower(idx)
					if err != nil {
						// Only SIMD is left out; compiler/lower's own
						// corpus test checks the details.
						require.ErrorContains(t, err, "not supported:", where)
						require.Contains(t, where, "simd", "%s: %v", where, err)
						simd++
						continue
					}
					funcs++
					checkFunc(t, f, where, idx)
				}
			})
			require.NoError(t, err)
			t.Logf("%s: %d functions optimised, %d SIMD functions left out", suite.Name, funcs, simd)
		})
	}
}

func checkFunc(t *testing.T, f *ssa.Func, where string, idx uint32) {
	text := f.String()
	for level := 1; level <= 2; level++ {
		g, err := ssa.Parse(text)
		require.NoError(t, err)
		opt.Pipeline(g, level, func(pass string, g *ssa.Func) {
			if err := ssa.Verify(g); err != nil {
				t.Fatalf("%s function %d, level %d, after %s: %v\ninput:\n%s\noutput:\n%s", where, idx, level, pass, err, text, g)
			}
		})
		once := g.String()
		h, err := ssa.Parse(once)
		require.NoError(t, err)
		opt.Pipeline(h, level, nil)
		require.Equal(t, once, h.String(), "%s function %d, level %d: not at a fixed point", where, idx, level)
	}
}

// BenchmarkPipelineBig lowers a big module ($WASIAOT_BENCH_WASM, or the Go
// program that compiler/lower's benchmarks build, left at
// /tmp/benchprog.wasm) once, then times Pipeline level 2 over all its
// functions on one core, in bytes of wasm per second.
func BenchmarkPipelineBig(b *testing.B) {
	path := os.Getenv("WASIAOT_BENCH_WASM")
	if path == "" {
		b.Skip("set WASIAOT_BENCH_WASM to a large wasm module")
	}
	data, err := os.ReadFile(path)
	require.NoError(b, err)
	m, err := wasm.Decode(data, wasm.FeaturesV2)
	require.NoError(b, err)
	require.NoError(b, validate.Validate(m, wasm.FeaturesV2))
	funcs, err := lower.Module(m, lower.Options{})
	require.NoError(b, err)
	texts := make([]string, len(funcs))
	for i, f := range funcs {
		texts[i] = f.String()
	}
	// base is the pass order Pipeline had before simplify, gvn, licm,
	// checkelim, loadelim and cfg, for comparison.
	base := func(f *ssa.Func) {
		for range 4 {
			changed := false
			for _, n := range []string{"copyprop", "constfold", "copyprop", "dce"} {
				p, _ := opt.Lookup(n)
				changed = p.Run(f) || changed
			}
			if !changed {
				return
			}
		}
	}
	for _, level := range []int{0, 1, 2} {
		b.Run([]string{"base", "O1", "O2"}[level], func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				fs := make([]*ssa.Func, len(texts))
				for i, s := range texts {
					fs[i], _ = ssa.Parse(s)
				}
				b.StartTimer()
				for _, f := range fs {
					if level == 0 {
						base(f)
					} else {
						opt.Pipeline(f, level, nil)
					}
				}
			}
		})
	}
}
