package compiler

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

func TestParseCPU(t *testing.T) {
	for _, tc := range []struct {
		target, level string
		want          artifact.Features
		err           string
	}{
		{target: "amd64", level: "baseline", want: artifact.FeatureSSE3 | artifact.FeatureSSSE3 | artifact.FeatureSSE41 | artifact.FeaturePOPCNT | artifact.FeatureLZCNT | artifact.FeatureBMI1},
		{target: "amd64", level: "x86-64-v2", want: artifact.FeatureSSE3 | artifact.FeatureSSSE3 | artifact.FeatureSSE41 | artifact.FeatureSSE42 | artifact.FeaturePOPCNT},
		{target: "amd64", level: "x86-64-v3", want: artifact.FeatureSSE3 | artifact.FeatureSSSE3 | artifact.FeatureSSE41 | artifact.FeatureSSE42 | artifact.FeaturePOPCNT |
			artifact.FeatureAVX | artifact.FeatureAVX2 | artifact.FeatureBMI1 | artifact.FeatureBMI2 | artifact.FeatureFMA | artifact.FeatureLZCNT | artifact.FeatureMOVBE},
		{target: "arm64", level: "baseline", want: 0},
		{target: "amd64", level: "x86-64-v4", err: `unknown CPU level "x86-64-v4" for amd64 (valid: baseline, x86-64-v2, x86-64-v3`},
		{target: "arm64", level: "x86-64-v3", err: `CPU level "x86-64-v3" is for amd64, not arm64 (valid for arm64: baseline`},
		{target: "riscv64", level: "baseline", err: `not supported: target "riscv64"`},
	} {
		got, err := ParseCPU(tc.target, tc.level)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, "%s %s", tc.target, tc.level)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, got, "%s %s: %v", tc.target, tc.level, got)
	}

	host := artifact.DetectHost()
	native, err := ParseCPU(host.Arch.String(), CPUNative)
	require.NoError(t, err)
	require.Equal(t, host.Features&host.Arch.Known(), native)
	other := map[artifact.Arch]string{artifact.ArchAMD64: "arm64", artifact.ArchARM64: "amd64"}[host.Arch]
	_, err = ParseCPU(other, CPUNative)
	require.ErrorContains(t, err, "CPU level native: this machine is "+host.Arch.String())
	levels, err := CPULevels(host.Arch.String())
	require.NoError(t, err)
	require.Equal(t, CPUNative, levels[len(levels)-1])
	require.Equal(t, "baseline", levels[0])
}

// TestCPUOption checks the CPU set's validation and that the artifact
// records the level.
func TestCPUOption(t *testing.T) {
	b, err := os.ReadFile("testdata/exec/mem.wasm")
	require.NoError(t, err)
	for _, tc := range []struct {
		target string
		cpu    artifact.Features
		option string
		err    string
	}{
		{target: "amd64", option: "cpu=baseline"},
		{target: "arm64", option: "cpu=baseline"},
		{target: "amd64", cpu: mustCPU(t, "amd64", "x86-64-v3"), option: "cpu=x86-64-v3"},
		{target: "amd64", cpu: mustCPU(t, "amd64", "baseline") | artifact.FeatureAVX, option: "cpu=SSE3,SSSE3,SSE4.1,POPCNT,AVX,BMI1,LZCNT"},
		{target: "amd64", cpu: artifact.FeatureAVX2, err: "not supported: CPU features AVX2 without SSE3,SSSE3,SSE4.1,POPCNT, which every amd64 level includes"},
		{target: "amd64", cpu: artifact.FeatureARM64LSE, err: "CPU features LSE are not amd64 features"},
	} {
		opts := DefaultOptions()
		opts.Target, opts.CPU = tc.target, tc.cpu
		a, err := CompileArtifact(b, opts)
		if tc.err != "" {
			require.EqualError(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		require.Contains(t, a.Header.Options, tc.option)
	}
}

func mustCPU(t *testing.T, target, level string) artifact.Features {
	f, err := ParseCPU(target, level)
	require.NoError(t, err)
	return f
}
