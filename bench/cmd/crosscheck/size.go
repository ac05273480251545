package main

import (
	"bytes"
	"debug/elf"
	"fmt"

	"github.com/wasiaot/wasiaot/runtime/artifact"
)

// Size is the code of one artifact.
type Size struct {
	// Text is the size of the .text section: functions, stubs, entry stubs
	// and the padding between them.
	Text int64 `json:"text"`
	// Funcs is the sum of the defined functions' code sizes (from the
	// artifact's metadata), without stubs or padding.
	Funcs int64 `json:"funcs"`
}

// codeSize reads an artifact's .text size and its functions' code sizes.
func codeSize(so []byte) (Size, error) {
	f, err := elf.NewFile(bytes.NewReader(so))
	if err != nil {
		return Size{}, err
	}
	text := f.Section(".text")
	if text == nil {
		return Size{}, fmt.Errorf("no .text section")
	}
	a, err := artifact.Parse(so)
	if err != nil {
		return Size{}, err
	}
	s := Size{Text: int64(text.Size)}
	for _, fn := range a.Module.Funcs {
		s.Funcs += int64(fn.Size)
	}
	return s, nil
}
