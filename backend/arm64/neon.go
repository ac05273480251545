package arm64

import (
	"fmt"

	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/arm64"
)

// Advanced SIMD (NEON) instructions are emitted as raw words: golang-asm
// encodes only a few of them. An OpVec instruction carries its word
// without the register fields (Enc) and a mnemonic for the text form; the
// emitter adds Rd (bits 0-4), Rn (5-9) and Rm (16-20). The encodings are
// checked against golang.org/x/arch's disassembler by the isel file
// tests.

// Lane arrangements: the size field (bits 22-23) of the integer forms.
const (
	sz8  = 0
	sz16 = 1
	sz32 = 2
	sz64 = 3
)

// neon3 is a three-same instruction on 128-bit vectors: U, size, opcode.
func neon3(u, size, opcode uint32) uint32 {
	return 0x4e200400 | u<<29 | size<<22 | opcode<<11
}

// neon2 is a two-register miscellaneous instruction on 128-bit vectors.
func neon2(u, size, opcode uint32) uint32 {
	return 0x4e200800 | u<<29 | size<<22 | opcode<<12
}

// neonAcross is an across-lanes reduction (umaxv, uminv, addv).
func neonAcross(u, size, opcode uint32) uint32 {
	return 0x4e300800 | u<<29 | size<<22 | opcode<<12
}

// imm5 is the lane field of dup, ins, umov and smov: the lane size
// (1 << size bytes) and the index.
func imm5(size, lane uint32) uint32 {
	return (lane<<1 | 1) << size << 16
}

// shiftImm is the immh:immb field of the shifts by immediate: left
// shifts encode esize + n, right shifts 2*esize - n.
func shiftImm(size uint32, n uint32, left bool) uint32 {
	esize := uint32(8) << size
	if left {
		return (esize + n) << 16
	}
	return (2*esize - n) << 16
}

// vregs checks that the given operands are allocated vector registers.
func (e *emitter) vregs(ops ...Operand) error {
	for _, o := range ops {
		if o.Kind != KReg || o.Ext != ExtNone {
			return fmt.Errorf("operand must be a plain register")
		}
		if err := checkReg(o.Reg); err != nil {
			return err
		}
		if !o.Reg.IsFloat() {
			return fmt.Errorf("%s is not a vector register", o.Reg)
		}
	}
	return nil
}

// field returns the 5-bit register number of a source operand (none: 0).
func vfield(o Operand) (uint32, error) {
	if o.Kind == KNone {
		return 0, nil
	}
	if o.Kind != KReg || o.Ext != ExtNone {
		return 0, fmt.Errorf("operand must be a plain register")
	}
	if o.Reg == ZR {
		return 31, nil
	}
	if err := checkReg(o.Reg); err != nil {
		return 0, err
	}
	return uint32(o.Reg & 31), nil
}

func (e *emitter) vec(in *Instr) error {
	n, m := in.Src[0], in.Src[1]
	if in.Tied {
		if in.Src[0].Kind != KReg || in.Src[0].Reg != in.Dst.Reg {
			return fmt.Errorf("tied operand not in the destination register")
		}
		n, m = in.Src[1], in.Src[2]
	}
	d, err := vfield(in.Dst)
	if err != nil {
		return err
	}
	rn, err := vfield(n)
	if err != nil {
		return err
	}
	rm, err := vfield(m)
	if err != nil {
		return err
	}
	e.word(in.Enc | rm<<16 | rn<<5 | d)
	return nil
}

// vmovImm sets vector register r to the 128 bits hi:lo through x17: dup
// when both halves are equal, else fmov of the low half (which clears the
// rest) and ins of the high half.
func (e *emitter) vmovImm(r Reg, lo, hi int64) {
	rd := uint32(r & 31)
	if lo == 0 && hi == 0 {
		e.word(0x6f00e400 | rd) // movi v.2d, #0
		return
	}
	e.movImm(Scratch2, lo, 8)
	if hi == lo {
		e.word(0x4e000c00 | imm5(3, 0) | uint32(Scratch2)<<5 | rd) // dup v.2d, x17
		return
	}
	e.word(0x9e670000 | uint32(Scratch2)<<5 | rd) // fmov d, x17
	if hi != 0 {
		e.movImm(Scratch2, hi, 8)
		e.word(0x4e001c00 | imm5(3, 1) | uint32(Scratch2)<<5 | rd) // ins v.d[1], x17
	}
}

// qmem emits a 16-byte load or store of q register rt: golang-asm's
// FMOVQ refuses many offsets, so the words are encoded here. An offset
// neither form reaches is added to the base in x17 first.
func (e *emitter) qmem(load bool, rt Reg, m Operand) error {
	if err := e.vregs(R(rt)); err != nil {
		return err
	}
	a, err := e.addr(m)
	if err != nil {
		return err
	}
	t := uint32(rt & 31)
	base := uint32(m.Reg & 31)
	if m.Reg == SP || m.Reg == InArgs {
		base = 31
	}
	if a.Index != 0 {
		if a.Offset != 0 {
			return fmt.Errorf("indexed address with a displacement")
		}
		var option uint32
		switch {
		case a.Index >= arm64.REG_UXTW && a.Index < arm64.REG_UXTW+256:
			option = 0b010
		case a.Index >= arm64.REG_SXTW && a.Index < arm64.REG_SXTW+256:
			option = 0b110
		case a.Index >= arm64.REG_R0 && a.Index <= arm64.REG_R30:
			option = 0b011
		default:
			return fmt.Errorf("bad index for a 16-byte access")
		}
		if m.Amount != 0 && m.Amount != 4 {
			return fmt.Errorf("bad index scale %d for a 16-byte access", m.Amount)
		}
		w := uint32(0x3ca00800)
		if load {
			w = 0x3ce00800
		}
		if m.Amount == 4 {
			w |= 1 << 12
		}
		e.word(w | uint32(m.Index&31)<<16 | option<<13 | base<<5 | t)
		return nil
	}
	off := a.Offset
	switch {
	case off >= 0 && off%16 == 0 && off/16 < 4096:
		w := uint32(0x3d800000)
		if load {
			w = 0x3dc00000
		}
		e.word(w | uint32(off/16)<<10 | base<<5 | t)
	case off >= -256 && off < 256:
		w := uint32(0x3c800000)
		if load {
			w = 0x3cc00000
		}
		e.word(w | uint32(off)&0x1ff<<12 | base<<5 | t)
	default:
		e.movImm(Scratch2, off, 8)
		w := uint32(0x3ca00800)
		if load {
			w = 0x3ce00800
		}
		e.word(w | uint32(Scratch2)<<16 | 0b011<<13 | base<<5 | t)
	}
	return nil
}

// qmemSite is qmem returning the access's instruction (the last word),
// for the memory access's recorded position.
func (e *emitter) qmemSite(load bool, rt Reg, m Operand) (*obj.Prog, error) {
	if err := e.qmem(load, rt, m); err != nil {
		return nil, err
	}
	return e.last, nil
}
