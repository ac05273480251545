package amd64

import (
	"cmp"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/backend/regalloc"
	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/opt"
)

// TestAllocatorsOnCorpus allocates every function of the repository's C
// test programs and a Go one with both register allocators, each result
// verified by the independent checker, and compares the copies they
// insert: the greedy allocator must not insert more in total, nor more
// weighted by loop depth. WASIAOT_BENCH_WASM (a path list) replaces the
// corpus, and the functions whose weighted cost differs most are logged.
func TestAllocatorsOnCorpus(t *testing.T) {
	files, err := filepath.Glob("../../wasi/testdata/c/*.wasm")
	require.NoError(t, err)
	files = append(files, "../../wasi/testdata/go/copy.wasm")
	if env := os.Getenv("WASIAOT_BENCH_WASM"); env != "" {
		files = filepath.SplitList(env)
	}
	type funcCost struct {
		file        string
		idx         uint32
		cost        [2]float64
		spill, load [2]int
	}
	var diffs []funcCost
	var total [2]regalloc.Stats
	// cost weighs every copy by 10^loop depth, spills and reloads twice
	// a move: an estimate of the copies executed.
	var cost [2]float64
	for _, file := range files {
		m, mi := corpusModule(t, file)
		low := lower.NewLowerer(m, lower.Options{Workers: 1})
		sel := NewSelector(mi)
		var allocs [2]*Allocator
		for k, alg := range []regalloc.Algorithm{regalloc.Linear, regalloc.Greedy} {
			allocs[k] = NewAllocator()
			allocs[k].ra.Algorithm = alg
			allocs[k].Check = true
		}
		for idx := uint32(m.NumImportedFuncs()); idx < uint32(m.NumFuncs()); idx++ {
			fc := funcCost{file: filepath.Base(file), idx: idx}
			for k, a := range allocs {
				f, err := low.Lower(idx)
				require.NoError(t, err)
				opt.Pipeline(f, 2, nil)
				mf, err := sel.Select(f)
				require.NoError(t, err, "%s: function %d", file, idx)
				require.NoError(t, a.Allocate(mf), "%s: function %d", file, idx)
				depth := make([]int32, len(a.rf.Instrs))
				for _, blk := range a.rf.Blocks {
					for i := blk.First; i < blk.End; i++ {
						depth[i] = blk.LoopDepth
					}
				}
				for _, e := range a.Last.Edits {
					w := math.Pow(10, float64(min(depth[e.At], 6)))
					if !e.From.IsReg() || !e.To.IsReg() {
						w *= 2
					}
					cost[k] += w
					fc.cost[k] += w
				}
				s := a.Last.Stats
				fc.spill[k], fc.load[k] = s.Spills, s.Reloads
				total[k].Spills += s.Spills
				total[k].Reloads += s.Reloads
				total[k].Moves += s.Moves
			}
			diffs = append(diffs, fc)
		}
	}
	slices.SortFunc(diffs, func(x, y funcCost) int {
		return cmp.Compare(math.Abs(y.cost[1]-y.cost[0]), math.Abs(x.cost[1]-x.cost[0]))
	})
	for _, d := range diffs[:min(len(diffs), 12)] {
		t.Logf("%s func %d: weighted %.4g -> %.4g, spills %d -> %d, reloads %d -> %d", d.file, d.idx, d.cost[0], d.cost[1], d.spill[0], d.spill[1], d.load[0], d.load[1])
	}
	t.Logf("linear: %+v, weighted %.4g", total[0], cost[0])
	t.Logf("greedy: %+v, weighted %.4g", total[1], cost[1])
	sum := func(s regalloc.Stats) int { return s.Spills + s.Reloads + s.Moves }
	require.LessOrEqual(t, sum(total[1]), sum(total[0]))
	require.LessOrEqual(t, cost[1], cost[0])
}
