package difftest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRegressions runs every module in testdata/regress (a reduced
// finding, with a comment in its .wat saying what it found) through the
// comparison: wasiaot must compile it at every level and agree with the
// reference. A finding of a campaign becomes one by copying its
// reduced.wat here and running wat2wasm on it.
func TestRegressions(t *testing.T) {
	files, err := filepath.Glob("testdata/regress/*.wasm")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	pool := &Pool{}
	defer pool.Close()
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".wasm"), func(t *testing.T) {
			bin, err := os.ReadFile(file)
			require.NoError(t, err)
			plan, err := NewPlan(bin, 1)
			require.NoError(t, err)
			outs, mm, skip, err := Execute(pool, bin, plan)
			require.NoError(t, err)
			require.Empty(t, skip)
			require.Empty(t, mm)
			for _, o := range outs {
				require.Empty(t, o.Err, o.Engine)
				require.NotEmpty(t, o.Calls, o.Engine)
			}
		})
	}
}
