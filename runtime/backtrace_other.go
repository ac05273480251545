//go:build !amd64 && !arm64

package runtime

const prologueMax = 0

// frameOf is not known off amd64 and arm64: backtraces hold the trapping
// frame only.
func frameOf(code []byte, at uint32) (frame, bool) { return frame{}, false }
