package native

import (
	"fmt"
	"testing"

	"github.com/twitchyliquid64/golang-asm/obj/arm64"

	"github.com/wasiaot/wasiaot/runtime/abi"
)

// bareSpin loops forever without any poll, counting in the first module
// word: only the SIGURG handler can stop it.
func bareSpin(t testing.TB) (entry, end uintptr) {
	a := newAsm(t)
	a.label("entry")
	a.add(arm64.AMOVD, mem(rVM, abi.VMCtxHeaderSize), reg(arm64.REG_R0))
	a.add(arm64.AADD, imm(1), reg(arm64.REG_R0))
	a.add(arm64.AMOVD, reg(arm64.REG_R0), mem(rVM, abi.VMCtxHeaderSize))
	a.jump(arm64.AB, "entry")
	a.label("end")
	_, addrs := a.load()
	return addrs["entry"], addrs["end"]
}

// checksumGPRs are the general registers checksumEntry keeps live: all but
// x18 (which the async stub's return uses), x26 (vmctx), x28 (g) and x24
// (the count). x27 (the assembler's temporary) and x30 are among them.
var checksumGPRs = func() []int16 {
	var rs []int16
	for r := int16(arm64.REG_R0); r <= arm64.REG_R30; r++ {
		switch r {
		case arm64.REG_R18, arm64.REG_R24, rVM, arm64.REG_R28:
			continue
		}
		rs = append(rs, r)
	}
	return rs
}()

const (
	checksumVecs  = 32
	checksumIters = 100_000
)

// checksumEntry runs x24 iterations of a loop that mixes every register
// of checksumGPRs, the carry flag across instructions and all 128 bits of
// v0-v31 (vector adds, xors and byte rotations), with no poll,
// then stores every register to the args buffer: slot i for
// checksumGPRs[i], then the vector registers. Inputs come from the same
// slots, the count from the slot after them. Every instruction of the loop
// is followed by a branch to the next: qemu-user delivers a signal only
// where a translated block starts, and this makes every instruction one.
func checksumEntry(t testing.TB) (entry, loop, end uintptr) {
	n := len(checksumGPRs)
	const count = arm64.REG_R24
	a := newAsm(t)
	// x30 is checked like the others: keep the return address.
	a.add3(arm64.ASUB, imm(16), arm64.REGSP, reg(arm64.REGSP))
	a.add(arm64.AMOVD, reg(arm64.REG_R30), mem(arm64.REGSP, 0))
	a.add(arm64.AMOVD, mem(rVM, vmArgs), reg(count))
	for i := range 32 {
		a.ldrq(count, int64((n+i)*abi.ArgSlotSize), int16(i))
	}
	for i, r := range checksumGPRs {
		a.add(arm64.AMOVD, mem(count, int64(i*abi.ArgSlotSize)), reg(r))
	}
	a.add(arm64.AMOVD, mem(count, int64((n+32)*abi.ArgSlotSize)), reg(count))
	step := 0
	next := func() {
		l := fmt.Sprintf("s%d", step)
		step++
		a.jump(arm64.AB, l)
		a.label(l)
	}
	a.label("loop")
	for i, r := range checksumGPRs {
		nx := checksumGPRs[(i+1)%n]
		a.add3(arm64.AADDS, reg(nx), r, reg(r)) // sets C ...
		next()
		a.add3(arm64.AADC, reg(r), nx, reg(nx)) // ... used here
		next()
		a.add3(arm64.AROR, imm(int64(i%13+1)), r, reg(r))
		next()
	}
	for i := range uint32(32) {
		x, y, z := i, (i+1)%32, (i+3)%32
		if i%2 == 0 {
			a.word(0x4ee08400 | y<<16 | x<<5 | x) // add vx.2d, vx.2d, vy.2d
			next()
			a.word(0x6e201c00 | z<<16 | x<<5 | x) // eor vx.16b, vx.16b, vz.16b
		} else {
			a.word(0x4ea08400 | y<<16 | x<<5 | x) // add vx.4s, vx.4s, vy.4s
			next()
			k := i%15 + 1
			a.word(0x6e000000 | x<<16 | k<<11 | x<<5 | x) // ext vx.16b, vx.16b, vx.16b, #k
		}
		next()
	}
	a.add3(arm64.ASUBS, imm(1), count, reg(count))
	a.jump(arm64.ABNE, "loop")
	a.label("end")
	a.add(arm64.AMOVD, mem(rVM, vmArgs), reg(count))
	for i := range 32 {
		a.strq(int16(i), count, int64((n+i)*abi.ArgSlotSize))
	}
	for i, r := range checksumGPRs {
		a.add(arm64.AMOVD, reg(r), mem(count, int64(i*abi.ArgSlotSize)))
	}
	a.add(arm64.AMOVD, mem(arm64.REGSP, 0), reg(arm64.REG_R30))
	a.add3(arm64.AADD, imm(16), arm64.REGSP, reg(arm64.REGSP))
	a.ret()
	code, addrs := a.load()
	return code.Addr(), addrs["loop"], addrs["end"]
}
