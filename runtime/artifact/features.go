package artifact

import (
	"debug/elf"
	"fmt"
	"math/bits"
	"strings"
)

// Arch is a target machine.
type Arch uint8

const (
	ArchUnknown Arch = iota
	ArchAMD64
	ArchARM64
)

func (a Arch) String() string {
	switch a {
	case ArchAMD64:
		return "amd64"
	case ArchARM64:
		return "arm64"
	}
	return fmt.Sprintf("arch(%d)", uint8(a))
}

// ParseArch maps a GOARCH-style name to an Arch.
func ParseArch(s string) (Arch, error) {
	switch s {
	case "amd64", "x86_64", "x86-64":
		return ArchAMD64, nil
	case "arm64", "aarch64":
		return ArchARM64, nil
	}
	return ArchUnknown, fmt.Errorf("artifact: unknown arch %q", s)
}

func (a Arch) machine() elf.Machine {
	switch a {
	case ArchAMD64:
		return elf.EM_X86_64
	case ArchARM64:
		return elf.EM_AARCH64
	}
	return elf.EM_NONE
}

// pageAlign is the segment alignment: arm64 kernels may use 64 KiB pages.
func (a Arch) pageAlign() uint64 {
	if a == ArchARM64 {
		return 1 << 16
	}
	return 1 << 12
}

// Features is a set of CPU features. The low 32 bits are amd64 features, the
// high 32 bits arm64 features, so a set never mixes up architectures.
type Features uint64

const (
	FeatureSSE3 Features = 1 << iota
	FeatureSSSE3
	FeatureSSE41
	FeatureSSE42
	FeaturePOPCNT
	FeatureAVX
	FeatureAVX2
	FeatureFMA
	FeatureBMI1
	FeatureBMI2
	FeatureLZCNT
	FeatureMOVBE
	FeatureAVX512F
)

const (
	FeatureARM64LSE Features = 1 << (32 + iota) // large system extensions (atomics)
	FeatureARM64CRC32
	FeatureARM64AES
	FeatureARM64PMULL
	FeatureARM64SHA1
	FeatureARM64SHA2
	FeatureARM64RCPC
	FeatureARM64DOTPROD
	FeatureARM64FP16
	FeatureARM64JSCVT
)

var featureNames = map[Features]string{
	FeatureSSE3:         "SSE3",
	FeatureSSSE3:        "SSSE3",
	FeatureSSE41:        "SSE4.1",
	FeatureSSE42:        "SSE4.2",
	FeaturePOPCNT:       "POPCNT",
	FeatureAVX:          "AVX",
	FeatureAVX2:         "AVX2",
	FeatureFMA:          "FMA",
	FeatureBMI1:         "BMI1",
	FeatureBMI2:         "BMI2",
	FeatureLZCNT:        "LZCNT",
	FeatureMOVBE:        "MOVBE",
	FeatureAVX512F:      "AVX512F",
	FeatureARM64LSE:     "LSE",
	FeatureARM64CRC32:   "CRC32",
	FeatureARM64AES:     "AES",
	FeatureARM64PMULL:   "PMULL",
	FeatureARM64SHA1:    "SHA1",
	FeatureARM64SHA2:    "SHA2",
	FeatureARM64RCPC:    "RCPC",
	FeatureARM64DOTPROD: "DOTPROD",
	FeatureARM64FP16:    "FP16",
	FeatureARM64JSCVT:   "JSCVT",
}

const (
	amd64Features Features = FeatureAVX512F<<1 - 1
	arm64Features Features = (FeatureARM64JSCVT<<1 - 1) &^ (1<<32 - 1)
)

// Known returns the features defined for arch.
func (a Arch) Known() Features {
	switch a {
	case ArchAMD64:
		return amd64Features
	case ArchARM64:
		return arm64Features
	}
	return 0
}

// String lists the feature names separated by commas, lowest bit first.
func (f Features) String() string {
	var sb strings.Builder
	for f != 0 {
		b := f & -f
		f &^= b
		if sb.Len() > 0 {
			sb.WriteByte(',')
		}
		if n, ok := featureNames[b]; ok {
			sb.WriteString(n)
		} else {
			fmt.Fprintf(&sb, "bit%d", bits.TrailingZeros64(uint64(b)))
		}
	}
	return sb.String()
}

// ParseFeatures parses a comma-separated list of feature names for arch
// (case-insensitive, as printed by Features.String).
func ParseFeatures(arch Arch, s string) (Features, error) {
	var f Features
	if s == "" {
		return 0, nil
	}
next:
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		for b, n := range featureNames {
			if b&arch.Known() != 0 && strings.EqualFold(n, name) {
				f |= b
				continue next
			}
		}
		return 0, fmt.Errorf("artifact: unknown %v CPU feature %q", arch, name)
	}
	return f, nil
}

// Host describes the machine that wants to run an artifact.
type Host struct {
	Arch     Arch
	Features Features
	// PageSize is the host page size; zero skips the check.
	PageSize uint64
	// ABIVersion is the vmctx ABI version the runtime implements; zero
	// skips the check.
	ABIVersion uint32
}
