package serve

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTuneGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)

	require.Equal(t, GCPercent, TuneGC())
	require.Equal(t, GCPercent, debug.SetGCPercent(100))

	// GOGC set: the operator's choice stands.
	t.Setenv("GOGC", "100")
	debug.SetGCPercent(150)
	require.Equal(t, 150, TuneGC())
	require.Equal(t, 150, debug.SetGCPercent(150))
}
