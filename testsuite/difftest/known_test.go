package difftest

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRefBugs confirms each known reference bug on its witness module:
// wasiaot (every level) and the third opinion agree with the spec, the
// reference alone does not, and with the workaround it agrees too.
func TestRefBugs(t *testing.T) {
	for _, tc := range []struct {
		file     string
		wantTrap string // the spec's outcome of the first call
		binaryen string // binaryen's log of that call, "" when it cannot run the module
	}{
		{"active_data", "out of bounds memory access", "[trap out of bounds segment access in memory.init]"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			bin, err := os.ReadFile("testdata/refbugs/" + tc.file + ".wasm")
			require.NoError(t, err)
			plan, err := NewPlan(bin, 1)
			require.NoError(t, err)
			for _, l := range Levels {
				o := Run(EngineName(l), bin, plan)
				require.Equal(t, tc.wantTrap, o.Calls[0].Trap, "wasiaot -O%d: %+v", l, o)
			}
			raw := Run(RefEngine, bin, plan)
			require.Empty(t, raw.Calls[0].Trap, "the reference no longer has the bug: drop the workaround")
			fixed := Run(RefEngine, referenceModule(bin), plan)
			require.Equal(t, tc.wantTrap, fixed.Calls[0].Trap, "%+v", fixed)
			if tc.binaryen != "" && HaveWasmOpt() {
				log, _ := binaryenRun(t.TempDir(), bin, TTFFeatures...)
				require.True(t, strings.Contains(log, tc.binaryen), "binaryen: %s", log)
			}
		})
	}
}

// TestWorkaroundValid checks that the workaround keeps generated modules
// valid.
func TestWorkaroundValid(t *testing.T) {
	for seed := range uint64(50) {
		bin := Generate(seed)
		w, err := activeSegmentsInStart(bin)
		require.NoError(t, err)
		require.NotNil(t, w)
		_, err = NewPlan(w, seed)
		require.NoError(t, err, "seed %d", seed)
	}
}
