package main

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"
)

// twoFuncs is a module with two functions: () -> i32 returning 42, and
// (i32) -> i32 adding one.
var twoFuncs = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x0a, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, // types
	0x03, 0x03, 0x02, 0x00, 0x01, // functions
	0x0a, 0x0e, 0x02, // code
	0x04, 0x00, 0x41, 0x2a, 0x0b,
	0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b,
}

func TestMeasure(t *testing.T) {
	n, size, err := measure(context.Background(), twoFuncs)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("functions = %d, want 2", n)
	}
	// The second body starts at a 16-byte boundary after the first; two
	// tiny functions take far less than a page.
	if size <= 16 || size > 4096 {
		t.Errorf("code bytes = %d, want (16, 4096]", size)
	}
}

func entry(version string, offsets []uint64, exe []byte) []byte {
	b := append([]byte("WAZEVO"), byte(len(version)))
	b = append(b, version...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(offsets)))
	for _, o := range offsets {
		b = binary.LittleEndian.AppendUint64(b, o)
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(len(exe)))
	b = append(b, exe...)
	return append(b, 1, 2, 3, 4) // checksum, then more sections
}

func TestParseHeader(t *testing.T) {
	good := entry("v1.12.0", []uint64{0, 16, 48}, make([]byte, 80))
	n, size, err := parseHeader(good)
	if err != nil || n != 3 || size != 80 {
		t.Fatalf("parseHeader = %d, %d, %v; want 3, 80, nil", n, size, err)
	}
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"magic", append([]byte("WAZERO"), good[6:]...), "not a wazero cache entry"},
		{"no version", good[:6], "want the version length"},
		{"no count", good[:6+1+7+2], "want the function count"},
		{"offsets", good[:6+1+7+4+8], "want 3 function offsets"},
		{"executable", good[:len(good)-40], "exceeds"},
	} {
		if _, _, err := parseHeader(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
}
