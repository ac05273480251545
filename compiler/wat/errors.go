package wat

import (
	"bytes"
	"fmt"
)

// Error is a text format error at a source position. Line and Col count
// from 1; Col counts bytes.
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// posError is an error at a byte offset, turned into an Error once the
// source is known.
type posError struct {
	off int
	msg string
}

func (e *posError) Error() string { return e.msg }

func errAt(off int, format string, args ...any) error {
	return &posError{off: off, msg: fmt.Sprintf(format, args...)}
}

// locate turns a posError into an Error with line and column.
func locate(src []byte, err error) error {
	pe, ok := err.(*posError)
	if !ok {
		return err
	}
	off := min(max(pe.off, 0), len(src))
	line := 1 + bytes.Count(src[:off], []byte{'\n'})
	col := off - (bytes.LastIndexByte(src[:off], '\n') + 1) + 1
	return &Error{Line: line, Col: col, Msg: pe.msg}
}
