package artifact

import (
	"errors"
	"fmt"
)

// Error kinds, for errors.Is. Every error returned by this package's readers
// is an *Error wrapping one of them.
var (
	ErrTruncated = errors.New("artifact truncated")
	ErrBadMagic  = errors.New("artifact has a bad magic number")
	ErrVersion   = errors.New("artifact format version not supported")
	ErrArch      = errors.New("artifact built for another machine")
	ErrFeatures  = errors.New("artifact needs missing CPU features")
	ErrChecksum  = errors.New("artifact metadata checksum mismatch")
	ErrMalformed = errors.New("artifact malformed or inconsistent")
	ErrSignature = errors.New("artifact signature invalid")
	// ErrCorrupt: a digest in .wasiaot.digest does not match the bytes.
	ErrCorrupt = errors.New("artifact corrupted")
)

// Error is a precise description of what is wrong with an artifact.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string {
	if e.Kind == ErrCorrupt {
		return "artifact corrupted: " + e.Msg
	}
	return "artifact: " + e.Msg
}
func (e *Error) Unwrap() error { return e.Kind }

func errf(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}
