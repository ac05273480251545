package runtime

import "encoding/binary"

// prologueMax bounds the bytes of a function's code that frameOf reads: a
// stack check of up to 13 instructions, five stores and two subtractions.
const prologueMax = 128

// Instructions of the arm64 prologue (backend/arm64 emit.go) and the
// stack check before it, as masks and the values they select.
const (
	insLdrStackLimit = 0xf9402351 // ldr x17, [x26, #64]
	insCmpX16X17     = 0xeb11021f // cmp x16, x17
	insLdrTrapStub   = 0xf9401751 // ldr x17, [x26, #40]
	insBrX17         = 0xd61f0220 // br x17
	insBrk0          = 0xd4200000 // brk #0
	insSubX16SPX27   = 0xcb3b63f0 // sub x16, sp, x27
	insSubSPSPX27    = 0xcb3b63ff // sub sp, sp, x27
)

// frameOf returns the frame of function code at offset at. The prologue
// is an optional stack check for big frames (which changes neither SP nor
// x30), then the saves: "stp a, b, [sp, #-save]!" (or "str a, [sp,
// #-16]!"), more stores at positive offsets with x30 in the slot right
// below the caller's SP when the function calls, then the frame's "sub
// sp, sp, #n" (one or two, or through x27 for a huge one). Only what ran
// before at counts: a function stopped in its prologue has a partly built
// frame, and one that has not stored x30 still has its return address in
// the link register. Nothing in the body moves SP across an instruction
// that can trap or call. A prologue it does not recognise fails, which
// ends the backtrace.
func frameOf(code []byte, at uint32) (frame, bool) {
	n := len(code) / 4
	word := func(i int) uint32 { return binary.LittleEndian.Uint32(code[4*i:]) }
	isMovX27 := func(w uint32) bool {
		op := w & 0xff80001f
		return op == 0xd280001b || op == 0xf280001b || op == 0x9280001b // movz, movk, movn x27
	}
	i := 0
	// sub x16, sp, #drop (or through x27); ldr x17, [x26, #StackLimit];
	// cmp x16, x17; b.hs ok; ldr x17, [x26, #TrapStub]; adr x16, trap;
	// br x17; trap: brk #0
	j := 0
	for j < n && j < 4 && isMovX27(word(j)) {
		j++
	}
	if j+9 <= n && (word(j)&0xff8003ff == 0xd10003f0 || j > 0 && word(j) == insSubX16SPX27) {
		if word(j+1) != insLdrStackLimit || word(j+2) != insCmpX16X17 || word(j+3)&0xff00001f != 0x54000002 ||
			word(j+4) != insLdrTrapStub || word(j+5)&0x9f00001f != 0x10000010 || word(j+6) != insBrX17 || word(j+7) != insBrk0 {
			return frame{}, false
		}
		i = j + 8
	}
	var down uintptr // bytes below the caller's SP
	lrSaved := false
	var x27 uint64
	saved, framed := false, false // the first store ran; a sub ran
	saves := func(w uint32) bool { return w&31 == 30 || (w>>10)&31 == 30 }
	for ; i < n && uint32(4*i) < at; i++ {
		w := word(i)
		switch {
		case !saved && !framed && w&0xffc003e0 == 0xa98003e0: // stp a, b, [sp, #-save]!
			imm := int64(w>>15&0x7f) << 57 >> 57
			if imm >= 0 {
				return frame{}, false
			}
			down += uintptr(-imm * 8)
			saved, lrSaved = true, saves(w)
		case !saved && !framed && w&0xffe00fe0 == 0xf8000fe0: // str a, [sp, #-n]!
			imm := int64(w>>12&0x1ff) << 55 >> 55
			if imm >= 0 {
				return frame{}, false
			}
			down += uintptr(-imm)
			saved, lrSaved = true, w&31 == 30
		case saved && !framed && w&0xffc003e0 == 0xa90003e0: // stp a, b, [sp, #off]
			lrSaved = lrSaved || saves(w)
		case saved && !framed && w&0xffc003e0 == 0xf90003e0: // str a, [sp, #off]
			lrSaved = lrSaved || w&31 == 30
		case w&0xff8003ff == 0xd10003ff: // sub sp, sp, #imm{, lsl #12}
			down += uintptr(w>>10&0xfff) << (12 * (w >> 22 & 1))
			framed = true
		case !framed && isMovX27(w):
			sh := 16 * (w >> 21 & 3)
			imm := uint64(w>>5&0xffff) << sh
			switch w & 0xff800000 {
			case 0xd2800000:
				x27 = imm
			case 0x92800000:
				x27 = ^imm
			default:
				x27 = x27&^(0xffff<<sh) | imm
			}
		case !framed && w == insSubSPSPX27:
			down += uintptr(x27)
			framed = true
		default:
			i = n // the body
		}
	}
	if !lrSaved {
		return frame{raInReg: true, caller: down}, true
	}
	return frame{ra: down - 8, caller: down}, true
}
