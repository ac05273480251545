package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// The compile's memory limit holds until restored, then the previous one
// is back; a limit chosen with GOMEMLIMIT is left alone.
func TestLimitCompileMemory(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	restore := limitCompileMemory()
	require.Equal(t, int64(compileMemoryLimit), debug.SetMemoryLimit(-1))
	restore()
	require.Equal(t, prev, debug.SetMemoryLimit(-1))

	t.Setenv("GOMEMLIMIT", "3GiB")
	debug.SetMemoryLimit(3 << 30)
	restore = limitCompileMemory()
	require.Equal(t, int64(3<<30), debug.SetMemoryLimit(-1))
	restore()
}
