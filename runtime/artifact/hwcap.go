package artifact

import "encoding/binary"

const (
	atNull  = 0
	atHWCAP = 16
)

// auxvHWCAP finds AT_HWCAP in a 64-bit little-endian auxiliary vector as
// read from /proc/self/auxv.
func auxvHWCAP(auxv []byte) (uint64, bool) {
	for len(auxv) >= 16 {
		tag := binary.LittleEndian.Uint64(auxv)
		val := binary.LittleEndian.Uint64(auxv[8:])
		auxv = auxv[16:]
		switch tag {
		case atHWCAP:
			return val, true
		case atNull:
			return 0, false
		}
	}
	return 0, false
}

// hwcapFeatures maps Linux arm64 HWCAP bits (asm/hwcap.h) to Features.
func hwcapFeatures(hwcap uint64) Features {
	table := [...]struct {
		bit  uint
		feat Features
	}{
		{3, FeatureARM64AES},
		{4, FeatureARM64PMULL},
		{5, FeatureARM64SHA1},
		{6, FeatureARM64SHA2},
		{7, FeatureARM64CRC32},
		{8, FeatureARM64LSE},   // HWCAP_ATOMICS
		{10, FeatureARM64FP16}, // HWCAP_ASIMDHP
		{13, FeatureARM64JSCVT},
		{15, FeatureARM64RCPC},
		{20, FeatureARM64DOTPROD}, // HWCAP_ASIMDDP
	}
	var f Features
	for _, e := range table {
		if hwcap>>e.bit&1 != 0 {
			f |= e.feat
		}
	}
	return f
}
