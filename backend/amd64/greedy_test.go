package amd64

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/backend/regalloc"
	"github.com/wasiaot/wasiaot/compiler/lower"
	"github.com/wasiaot/wasiaot/compiler/opt"
	"github.com/wasiaot/wasiaot/compiler/validate"
	"github.com/wasiaot/wasiaot/compiler/wasm"
	"github.com/wasiaot/wasiaot/runtime/abi"
)

// TestAllocatorsOnCorpus allocates every function of the repository's C
// test programs and a Go one with both register allocators, each result
// verified by the independent checker, and compares the copies they
// insert: the greedy allocator must not insert more in total, nor more
// weighted by loop depth.
func TestAllocatorsOnCorpus(t *testing.T) {
	files, err := filepath.Glob("../../wasi/testdata/c/*.wasm")
	require.NoError(t, err)
	files = append(files, "../../wasi/testdata/go/copy.wasm")
	var total [2]regalloc.Stats
	// cost weighs every copy by 10^loop depth, spills and reloads twice
	// a move: an estimate of the copies executed.
	var cost [2]float64
	for _, file := range files {
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
		low := lower.NewLowerer(m, lower.Options{Workers: 1})
		sel := NewSelector(mi)
		var allocs [2]*Allocator
		for k, alg := range []regalloc.Algorithm{regalloc.Linear, regalloc.Greedy} {
			allocs[k] = NewAllocator()
			allocs[k].ra.Algorithm = alg
			allocs[k].Check = true
		}
		for idx := uint32(m.NumImportedFuncs()); idx < uint32(m.NumFuncs()); idx++ {
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
				}
				s := a.Last.Stats
				total[k].Spills += s.Spills
				total[k].Reloads += s.Reloads
				total[k].Moves += s.Moves
			}
		}
	}
	t.Logf("linear: %+v, weighted %.4g", total[0], cost[0])
	t.Logf("greedy: %+v, weighted %.4g", total[1], cost[1])
	sum := func(s regalloc.Stats) int { return s.Spills + s.Reloads + s.Moves }
	require.LessOrEqual(t, sum(total[1]), sum(total[0]))
	require.LessOrEqual(t, cost[1], cost[0])
}
