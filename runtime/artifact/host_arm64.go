package artifact

import "os"

// detectHost reports this machine's arch, CPU features and page size.
func detectHost() Host {
	var f Features
	if b, err := os.ReadFile("/proc/self/auxv"); err == nil {
		hwcap, _ := auxvHWCAP(b)
		f = hwcapFeatures(hwcap)
	}
	return Host{Arch: ArchARM64, Features: f, PageSize: uint64(os.Getpagesize())}
}
