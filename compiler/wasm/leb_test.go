package wasm

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLEB128(t *testing.T) {
	tests := []struct {
		name    string
		kind    string // u32 s32 s33 u64 s64
		in      []byte
		want    int64
		wantErr string
		n       int // bytes consumed on success
	}{
		{"u32 zero", "u32", []byte{0x00}, 0, "", 1},
		{"u32 one byte max", "u32", []byte{0x7f}, 127, "", 1},
		{"u32 two bytes", "u32", []byte{0x80, 0x01}, 128, "", 2},
		{"u32 redundant zero", "u32", []byte{0x80, 0x00}, 0, "", 2},
		{"u32 max", "u32", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 0xffffffff, "", 5},
		{"u32 unused bits", "u32", []byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 0, "integer too large", 0},
		{"u32 too long", "u32", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, "integer representation too long", 0},
		{"u32 truncated", "u32", []byte{0x80, 0x80}, 0, "unexpected end", 0},
		{"s32 minus one", "s32", []byte{0x7f}, -1, "", 1},
		{"s32 min", "s32", []byte{0x80, 0x80, 0x80, 0x80, 0x78}, -2147483648, "", 5},
		{"s32 max", "s32", []byte{0xff, 0xff, 0xff, 0xff, 0x07}, 2147483647, "", 5},
		{"s32 bad sign bits", "s32", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 0, "integer too large", 0},
		{"s32 bad negative bits", "s32", []byte{0x80, 0x80, 0x80, 0x80, 0x70}, 0, "integer too large", 0},
		{"s32 too long", "s32", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 0, "integer representation too long", 0},
		{"s33 type index", "s33", []byte{0x80, 0x80, 0x80, 0x80, 0x0f}, 0xf0000000, "", 5},
		{"s33 empty block", "s33", []byte{0x40}, -64, "", 1},
		{"s33 unused bits", "s33", []byte{0x80, 0x80, 0x80, 0x80, 0x20}, 0, "integer too large", 0},
		{"u64 max", "u64", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, -1, "", 10},
		{"u64 unused bits", "u64", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03}, 0, "integer too large", 0},
		{"s64 min", "s64", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}, -9223372036854775808, "", 10},
		{"s64 max", "s64", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}, 9223372036854775807, "", 10},
		{"s64 bad sign bits", "s64", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x41}, 0, "integer too large", 0},
		{"s64 negative small", "s64", []byte{0xc0, 0xbb, 0x78}, -123456, "", 3},
		{"s64 too long", "s64", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, "integer representation too long", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cursor{buf: tc.in, base: 100}
			var got int64
			var err error
			switch tc.kind {
			case "u32":
				var v uint32
				v, err = c.u32()
				got = int64(v)
			case "s32":
				var v int32
				v, err = c.s32()
				got = int64(v)
			case "s33":
				got, err = c.s33()
			case "u64":
				var v uint64
				v, err = c.u64()
				got = int64(v)
			case "s64":
				got, err = c.s64()
			}
			if tc.wantErr != "" {
				require.Error(t, err)
				e := err.(*Error)
				require.Equal(t, tc.wantErr, e.Msg)
				require.GreaterOrEqual(t, e.Offset, 100, "offsets are module offsets")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.n, c.pos)
		})
	}
}

func TestName(t *testing.T) {
	c := cursor{buf: []byte{3, 'a', 'b', 'c'}}
	s, err := c.name()
	require.NoError(t, err)
	require.Equal(t, "abc", s)

	c = cursor{buf: []byte{2, 0xff, 0xfe}}
	_, err = c.name()
	require.EqualError(t, err, "offset 0x1: malformed UTF-8 encoding")

	c = cursor{buf: []byte{5, 'a'}}
	_, err = c.name()
	require.EqualError(t, err, "offset 0x1: length out of bounds")
}
