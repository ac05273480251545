package runtime

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFrameOf decodes prologues of the shapes backend/arm64 emits (its
// testdata/emit/frames.txt) at every offset, the partly built frames of a
// function stopped in its prologue included.
func TestFrameOf(t *testing.T) {
	code := func(ws ...uint32) []byte {
		b := make([]byte, 4*len(ws))
		for i, w := range ws {
			binary.LittleEndian.PutUint32(b[4*i:], w)
		}
		return b
	}
	const body = 0x8b010000 // add x0, x0, x1
	inReg := func(caller uintptr) frame { return frame{raInReg: true, caller: caller} }
	onStack := func(caller uintptr) frame { return frame{ra: caller - 8, caller: caller} }
	for _, c := range []struct {
		name string
		code []byte
		want map[uint32]frame
	}{
		{"saves and frame", code(
			0xa9be53f3, // stp x19, x20, [sp,#-32]!
			0xa9017bf5, // stp x21, x30, [sp,#16]
			0xd100c3ff, // sub sp, sp, #0x30
			body, body),
			map[uint32]frame{0: inReg(0), 4: inReg(32), 8: onStack(32), 12: onStack(80), 16: onStack(80)}},
		{"stack check", code(
			0xd292021b, // mov x27, #0x9010
			0xcb3b63f0, // sub x16, sp, x27
			0xf9402351, // ldr x17, [x26,#64]
			0xeb11021f, // cmp x16, x17
			0x540000a2, // b.hs 0x24
			0xf9401751, // ldr x17, [x26,#40]
			0x10000050, // adr x16, 0x20
			0xd61f0220, // br x17
			0xd4200000, // brk #0
			0xf81f0ffe, // str x30, [sp,#-16]!
			0xd14027ff, // sub sp, sp, #0x9, lsl #12
			body),
			map[uint32]frame{0x10: inReg(0), 0x20: inReg(0), 0x24: inReg(0), 0x28: onStack(16), 0x2c: onStack(0x9010)}},
		{"leaf without frame", code(body, body, body),
			map[uint32]frame{0: inReg(0), 8: inReg(0)}},
		{"leaf with saves", code(
			0xf81f0ff3, // str x19, [sp,#-16]!
			body),
			map[uint32]frame{4: inReg(16)}},
		{"huge frame", code(
			0xa9bf7bff, // stp xzr, x30, [sp,#-16]!
			0xd2a0003b, // movz x27, #0x1, lsl #16
			0xf280021b, // movk x27, #0x10
			0xcb3b63ff, // sub sp, sp, x27
			body),
			map[uint32]frame{4: onStack(16), 12: onStack(16), 16: onStack(0x10020)}},
		{"spill after the frame", code(
			0xd10043ff, // sub sp, sp, #0x10
			0xf90003e0, // str x0, [sp] (the body's, after the frame)
			0xd10043ff, // sub sp, sp, #0x10: not the prologue's any more
			body),
			map[uint32]frame{12: inReg(16)}},
	} {
		for at, want := range c.want {
			got, ok := frameOf(c.code, at)
			require.True(t, ok, "%s at %#x", c.name, at)
			require.Equal(t, want, got, "%s at %#x", c.name, at)
		}
	}
	// A stack check it does not recognise ends the walk.
	_, ok := frameOf(code(0xd10003f0|8<<10, 0xf9402351, body, body, body, body, body, body, body, body), 0x20)
	require.False(t, ok)
}
