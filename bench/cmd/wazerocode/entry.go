package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

var magic = []byte("WAZEVO")

// parseHeader decodes the start of a wazero compilation cache entry:
// magic, u8 version length, version, u32 function count, that many u64
// function offsets, u64 executable length, then the executable.
func parseHeader(b []byte) (nfuncs int, size int64, err error) {
	if !bytes.HasPrefix(b, magic) {
		return 0, 0, fmt.Errorf("not a wazero cache entry: want magic %q", magic)
	}
	off := len(magic)
	if off >= len(b) {
		return 0, 0, fmt.Errorf("truncated at offset %d: want the version length", off)
	}
	off += 1 + int(b[off])
	if off+4 > len(b) {
		return 0, 0, fmt.Errorf("truncated at offset %d: want the function count", off)
	}
	n := binary.LittleEndian.Uint32(b[off:])
	off += 4
	if uint64(len(b)-off) < 8*uint64(n)+8 {
		return 0, 0, fmt.Errorf("truncated at offset %d: want %d function offsets and the executable length", off, n)
	}
	off += 8 * int(n)
	l := binary.LittleEndian.Uint64(b[off:])
	off += 8
	if l > uint64(len(b)-off) {
		return 0, 0, fmt.Errorf("executable length %d at offset %d exceeds the %d bytes left", l, off-8, len(b)-off)
	}
	return int(n), int64(l), nil
}
