package artifact

import (
	"encoding/binary"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// cpuinfoFlags maps amd64 features to their /proc/cpuinfo flag names.
var cpuinfoFlags = map[Features]string{
	FeatureSSE3: "pni", FeatureSSSE3: "ssse3", FeatureSSE41: "sse4_1", FeatureSSE42: "sse4_2",
	FeaturePOPCNT: "popcnt", FeatureAVX: "avx", FeatureAVX2: "avx2", FeatureFMA: "fma",
	FeatureBMI1: "bmi1", FeatureBMI2: "bmi2", FeatureLZCNT: "abm", FeatureMOVBE: "movbe",
	FeatureAVX512F: "avx512f",
}

// TestDetectHost compares CPUID detection with what the kernel reports.
func TestDetectHost(t *testing.T) {
	h := DetectHost()
	require.Equal(t, uint64(os.Getpagesize()), h.PageSize)
	switch runtime.GOARCH {
	case "amd64":
		require.Equal(t, ArchAMD64, h.Arch)
	case "arm64":
		require.Equal(t, ArchARM64, h.Arch)
		return
	default:
		require.Equal(t, ArchUnknown, h.Arch)
		return
	}
	require.Len(t, cpuinfoFlags, 13)
	info, err := os.ReadFile("/proc/cpuinfo")
	require.NoError(t, err)
	var flags map[string]bool
	for _, line := range strings.Split(string(info), "\n") {
		if name, val, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "flags" {
			flags = map[string]bool{}
			for _, f := range strings.Fields(val) {
				flags[f] = true
			}
			break
		}
	}
	require.NotNil(t, flags, "no flags line in /proc/cpuinfo")
	// Some hypervisors hide "abm" from the kernel while the CPU has LZCNT,
	// so ask the instruction itself: without LZCNT it runs as BSR.
	flags["abm"] = lzcntWorks()
	for feat, flag := range cpuinfoFlags {
		require.Equal(t, flags[flag], h.Features&feat != 0, "%v (cpuinfo %q)", feat, flag)
	}
	t.Logf("host features: %v", h.Features)
}

func TestHWCAP(t *testing.T) {
	var auxv []byte
	for _, kv := range [][2]uint64{{6, 4096}, {atHWCAP, 1<<8 | 1<<7 | 1<<20 | 1<<1}, {25, 0x1234}, {atNull, 0}} {
		auxv = binary.LittleEndian.AppendUint64(auxv, kv[0])
		auxv = binary.LittleEndian.AppendUint64(auxv, kv[1])
	}
	hw, ok := auxvHWCAP(auxv)
	require.True(t, ok)
	require.Equal(t, FeatureARM64LSE|FeatureARM64CRC32|FeatureARM64DOTPROD, hwcapFeatures(hw))

	_, ok = auxvHWCAP(auxv[32:])
	require.False(t, ok)
	_, ok = auxvHWCAP(auxv[:20])
	require.False(t, ok)
}

func TestFeatureNames(t *testing.T) {
	require.Equal(t, "SSE4.1,AVX2,BMI2", (FeatureSSE41 | FeatureAVX2 | FeatureBMI2).String())
	require.Equal(t, "LSE,CRC32", (FeatureARM64LSE | FeatureARM64CRC32).String())
	require.Equal(t, "bit31", Features(1<<31).String())

	f, err := ParseFeatures(ArchAMD64, "avx2, sse4.1,BMI2")
	require.NoError(t, err)
	require.Equal(t, FeatureSSE41|FeatureAVX2|FeatureBMI2, f)
	_, err = ParseFeatures(ArchAMD64, "lse")
	require.EqualError(t, err, `artifact: unknown amd64 CPU feature "lse"`)
	f, err = ParseFeatures(ArchARM64, "lse")
	require.NoError(t, err)
	require.Equal(t, FeatureARM64LSE, f)

	for b := Features(1); b != 0; b <<= 1 {
		_, named := featureNames[b]
		require.Equal(t, named, b&(ArchAMD64.Known()|ArchARM64.Known()) != 0, "bit %v", b)
	}
}
