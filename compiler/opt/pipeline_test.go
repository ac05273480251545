package opt

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/compiler/ssa"
)

// runEveryPass is Pipeline without skipping passes: every round runs
// every pass.
func runEveryPass(f *ssa.Func, level int) {
	order := passOrders[min(level, len(passOrders))-1]
	CopyProp(f)
	for range maxRounds {
		changed := false
		for _, p := range order {
			if p.Run(f) {
				changed = true
			}
		}
		if !changed {
			return
		}
	}
}

// TestPipelineSkipsOnlyNoOps checks that the passes Pipeline skips (those
// that changed nothing, with nothing changed since) would not have changed
// the result.
func TestPipelineSkipsOnlyNoOps(t *testing.T) {
	inputs := seedInputs(t)
	require.GreaterOrEqual(t, len(inputs), 25)
	for _, in := range inputs {
		for level := 1; level <= 2; level++ {
			f, err := ssa.Parse(in)
			if err != nil || ssa.Verify(f) != nil {
				continue
			}
			g, err := ssa.Parse(in)
			require.NoError(t, err)
			Pipeline(f, level, nil)
			runEveryPass(g, level)
			require.Equal(t, g.String(), f.String(), "level %d:\n%s", level, in)
		}
	}
}
