// Package amd64 is the amd64 machine layer: a machine IR over virtual and
// physical registers with the instruction forms WebAssembly needs, its text
// form, register allocation through backend/regalloc, and emission of
// machine code through golang-asm.
package amd64

import (
	"fmt"

	"github.com/twitchyliquid64/golang-asm/obj/x86"
	"github.com/wasiaot/wasiaot/backend/regalloc"
)

// Reg is a register operand: a physical register (< 32) or a virtual one
// (>= FirstVirtual; the number minus FirstVirtual is the regalloc.VReg).
type Reg uint32

// Physical registers, numbered as the hardware encodes them.
const (
	RAX Reg = iota
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
	XMM0
	XMM1
	XMM2
	XMM3
	XMM4
	XMM5
	XMM6
	XMM7
	XMM8
	XMM9
	XMM10
	XMM11
	XMM12
	XMM13
	XMM14
	XMM15

	NoReg        Reg = 0xffff_ffff
	FirstVirtual Reg = 64

	// InArgs is the base of a function's incoming stack arguments: a
	// memory operand [inargs+8k] is the k-th stack argument, at
	// [RSP+8+8k] on entry; Emit adds the prologue's pushes and frame.
	InArgs Reg = 63
)

// Fixed roles (docs/abi.md and docs/calling-convention.md).
const (
	VMCtx   = R15 // never written by generated code
	Scratch = R11 // owned by runtime sequences, never allocated
)

var regNames = [32]string{
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
}

// VReg returns the virtual register operand for v.
func VReg(v regalloc.VReg) Reg { return FirstVirtual + Reg(v) }

func (r Reg) IsVirtual() bool      { return r >= FirstVirtual && r != NoReg }
func (r Reg) IsFloat() bool        { return r >= XMM0 && r <= XMM15 }
func (r Reg) VReg() regalloc.VReg  { return regalloc.VReg(r - FirstVirtual) }
func (r Reg) PReg() regalloc.PReg  { return regalloc.PReg(r) }
func fromPReg(p regalloc.PReg) Reg { return Reg(p) }

func (r Reg) String() string {
	switch {
	case r == NoReg:
		return "none"
	case r == InArgs:
		return "inargs"
	case r < 32:
		return regNames[r]
	case r.IsVirtual():
		return fmt.Sprintf("v%d", r-FirstVirtual)
	}
	return fmt.Sprintf("reg%d", uint32(r))
}

// goReg maps a physical register to golang-asm's numbering.
func goReg(r Reg) int16 {
	if r.IsFloat() {
		return x86.REG_X0 + int16(r-XMM0)
	}
	return x86.REG_AX + int16(r)
}

// Calling convention for wasm-to-wasm calls (docs/calling-convention.md).
var (
	IntArgRegs     = []Reg{RDI, RSI, RDX, RCX, R8, R9}
	FloatArgRegs   = []Reg{XMM0, XMM1, XMM2, XMM3, XMM4, XMM5, XMM6, XMM7}
	IntResultRegs  = []Reg{RAX, RDX}
	FloatResultReg = []Reg{XMM0, XMM1}
	CalleeSaved    = []Reg{RBX, RBP, R12, R13, R14}
)

// RegInfo describes the amd64 register file to the allocator: every
// general register but RSP, R11 (runtime scratch) and R15 (vmctx), and all
// sixteen XMM registers. Caller-saved registers come first so that
// callee-saved ones (which cost a push/pop) are used only when needed.
var RegInfo = func() *regalloc.RegInfo {
	info := &regalloc.RegInfo{SlotSize: [regalloc.NumClasses]int32{8, 16}}
	info.Names = regNames[:]
	for _, r := range []Reg{RAX, RCX, RDX, RSI, RDI, R8, R9, R10, RBX, R12, R13, R14, RBP} {
		info.Order[regalloc.ClassInt] = append(info.Order[regalloc.ClassInt], r.PReg())
	}
	for r := XMM0; r <= XMM15; r++ {
		info.Order[regalloc.ClassFloat] = append(info.Order[regalloc.ClassFloat], r.PReg())
	}
	for _, r := range CalleeSaved {
		info.CalleeSaved = info.CalleeSaved.With(r.PReg())
	}
	return info
}()

// CallClobbers is every allocatable register a call may overwrite.
var CallClobbers = func() regalloc.RegSet {
	var s regalloc.RegSet
	for _, c := range RegInfo.Order {
		for _, r := range c {
			if !RegInfo.CalleeSaved.Has(r) {
				s = s.With(r)
			}
		}
	}
	return s
}()
