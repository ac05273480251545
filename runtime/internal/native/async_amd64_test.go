package native

import (
	"testing"

	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// bareSpin loops forever without any poll, counting in the first module
// word: only the SIGURG handler can stop it.
func bareSpin(t testing.TB) (entry, end uintptr) {
	a := newAsm(t)
	a.label("entry")
	a.add(x86.AINCQ, none, mem(x86.REG_R15, abi.VMCtxHeaderSize))
	a.jump(obj.AJMP, "entry")
	a.label("end")
	a.add(x86.AINT, imm(3), none)
	_, addrs := a.load()
	return addrs["entry"], addrs["end"]
}

// checksumGPRs are the general registers checksumEntry keeps live: every
// one but RSP, R15 and R14 (the count); XMM0-XMM15 too.
var checksumGPRs = []int16{x86.REG_AX, x86.REG_BX, x86.REG_CX, x86.REG_DX, x86.REG_SI, x86.REG_DI,
	x86.REG_BP, x86.REG_R8, x86.REG_R9, x86.REG_R10, x86.REG_R11, x86.REG_R12, x86.REG_R13}

// checksumEntry runs R14 iterations of a loop that mixes every general
// register, the carry flag across instructions and all sixteen XMM
// registers (integer and double-precision arithmetic), with no poll, then
// stores every register to the args buffer: slot i for checksumGPRs[i],
// then the XMM registers. Inputs come from the same slots, the count from
// the slot after them.
func checksumEntry(t testing.TB) (entry, loop, end uintptr) {
	n := len(checksumGPRs)
	a := newAsm(t)
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmArgs), reg(x86.REG_R14))
	for i := range 16 {
		a.add(x86.AMOVUPS, mem(x86.REG_R14, int64((n+i)*abi.ArgSlotSize)), reg(x86.REG_X0+int16(i)))
	}
	for i, r := range checksumGPRs {
		a.add(x86.AMOVQ, mem(x86.REG_R14, int64(i*abi.ArgSlotSize)), reg(r))
	}
	a.add(x86.AMOVQ, mem(x86.REG_R14, int64((n+16)*abi.ArgSlotSize)), reg(x86.REG_R14))
	a.label("loop")
	for i, r := range checksumGPRs {
		next := checksumGPRs[(i+1)%n]
		a.add(x86.AADDQ, reg(next), reg(r))        // sets CF ...
		a.add(x86.AADCQ, imm(int64(i)), reg(next)) // ... used here
		a.add(x86.AROLQ, imm(int64(i%13+1)), reg(r))
	}
	for i := range int16(16) {
		x, y := x86.REG_X0+i, x86.REG_X0+(i+1)%16
		if i%2 == 0 {
			a.add(x86.APADDQ, reg(y), reg(x))
			a.add(x86.APXOR, reg(x86.REG_X0+(i+3)%16), reg(x))
		} else {
			a.add(x86.AADDPD, reg(y), reg(x))
			a.add(x86.AMULPD, reg(y), reg(x))
		}
	}
	a.add(x86.ADECQ, none, reg(x86.REG_R14))
	a.jump(x86.AJNE, "loop")
	a.label("end")
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmArgs), reg(x86.REG_R14))
	for i := range 16 {
		a.add(x86.AMOVUPS, reg(x86.REG_X0+int16(i)), mem(x86.REG_R14, int64((n+i)*abi.ArgSlotSize)))
	}
	for i, r := range checksumGPRs {
		a.add(x86.AMOVQ, reg(r), mem(x86.REG_R14, int64(i*abi.ArgSlotSize)))
	}
	a.add(obj.ARET, none, none)
	code, addrs := a.load()
	return code.Addr(), addrs["loop"], addrs["end"]
}

const (
	checksumVecs  = 16
	checksumIters = 4_000_000
)
