//go:build !amd64

package runtime

const prologueMax = 0

// frameSize is not known off amd64: backtraces hold the trapping frame only.
func frameSize(code []byte, at uint32) (uintptr, bool) { return 0, false }
