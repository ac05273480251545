//go:build !linux

package serve

// threadCPUTime is not known here: the CPU histogram stays empty.
func threadCPUTime() (int64, bool) { return 0, false }

func clockOverhead() int64 { return 0 }
