package artifact

import "os"

func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)
func xgetbv0() (eax, edx uint32)
func lzcnt32(x uint32) uint32

// detectHost reports this machine's arch, CPU features and page size.
func detectHost() Host {
	return Host{Arch: ArchAMD64, Features: detectAMD64(), PageSize: uint64(os.Getpagesize())}
}

func detectAMD64() Features {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 1 {
		return 0
	}
	_, _, c1, _ := cpuid(1, 0)
	var f Features
	set := func(cond bool, feat Features) {
		if cond {
			f |= feat
		}
	}
	bit := func(r uint32, n uint) bool { return r>>n&1 != 0 }
	set(bit(c1, 0), FeatureSSE3)
	set(bit(c1, 9), FeatureSSSE3)
	set(bit(c1, 19), FeatureSSE41)
	set(bit(c1, 20), FeatureSSE42)
	set(bit(c1, 22), FeatureMOVBE)
	set(bit(c1, 23), FeaturePOPCNT)

	// AVX state must be enabled by the OS (XCR0 bits 1 and 2), not just
	// present in the CPU.
	osAVX := false
	if bit(c1, 27) { // OSXSAVE
		xcr0, _ := xgetbv0()
		osAVX = xcr0&6 == 6
		if osAVX && bit(c1, 28) {
			f |= FeatureAVX
		}
		set(osAVX && bit(c1, 12), FeatureFMA)
	}
	if maxLeaf >= 7 {
		_, b7, _, _ := cpuid(7, 0)
		set(bit(b7, 3), FeatureBMI1)
		set(bit(b7, 8), FeatureBMI2)
		set(osAVX && bit(b7, 5), FeatureAVX2)
		if osAVX && bit(b7, 16) {
			xcr0, _ := xgetbv0()
			set(xcr0&0xe0 == 0xe0, FeatureAVX512F)
		}
	}
	if maxExt, _, _, _ := cpuid(0x80000000, 0); maxExt >= 0x80000001 {
		_, _, ce, _ := cpuid(0x80000001, 0)
		set(bit(ce, 5), FeatureLZCNT)
	}
	return f
}
