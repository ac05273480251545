package compiler

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// TestCPUFeatures: the artifact records the CPU features its code uses.
func TestCPUFeatures(t *testing.T) {
	b, err := os.ReadFile("testdata/exec/int.wasm")
	require.NoError(t, err)
	a, err := CompileArtifact(b, DefaultOptions())
	require.NoError(t, err)
	require.Equal(t, artifact.ArchAMD64, a.Header.Arch)
	require.Equal(t, artifact.FeatureLZCNT|artifact.FeatureBMI1|artifact.FeaturePOPCNT, a.Header.Features)
}

// Vector code records SSE4.1, the baseline of SIMD selection, so that a
// host without it refuses to load the artifact.
func TestCPUFeaturesSIMD(t *testing.T) {
	b, err := os.ReadFile("lower/testdata/simd.wasm")
	require.NoError(t, err)
	a, err := CompileArtifact(b, DefaultOptions())
	require.NoError(t, err)
	require.NotZero(t, a.Header.Features&artifact.FeatureSSE41, "features %v", a.Header.Features)
}
