// Package arm64 is the arm64 machine layer: a machine IR over virtual and
// physical registers with the instruction forms WebAssembly needs, its text
// form, register allocation through backend/regalloc, and emission of
// machine code through golang-asm's arm64 assembler.
package arm64

import (
	"fmt"

	"github.com/twitchyliquid64/golang-asm/obj/arm64"
	"github.com/wasiaot/wasiaot/backend/regalloc"
)

// Reg is a register operand: a physical register (< 64), one of the
// special registers below, or a virtual one (>= FirstVirtual; the number
// minus FirstVirtual is the regalloc.VReg).
type Reg uint32

// Physical registers: X0-X30 as the hardware numbers them, ZR (which reads
// as zero where an instruction takes it), and V0-V31 at 32-63.
const (
	X0 Reg = iota
	X1
	X2
	X3
	X4
	X5
	X6
	X7
	X8
	X9
	X10
	X11
	X12
	X13
	X14
	X15
	X16
	X17
	X18
	X19
	X20
	X21
	X22
	X23
	X24
	X25
	X26
	X27
	X28
	X29
	X30
	ZR
	V0
)

const (
	// SP is the stack pointer (encoded as register 31 where an
	// instruction takes SP rather than ZR).
	SP Reg = 96
	// InArgs is the base of a function's incoming stack arguments: a
	// memory operand [inargs+8k] is the k-th stack argument, at [SP+8k]
	// on entry; Emit adds the frame.
	InArgs Reg = 97

	NoReg        Reg = 0xffff_ffff
	FirstVirtual Reg = 128
)

// Fixed roles (docs/abi.md and docs/calling-convention.md, arm64).
const (
	// VMCtx holds the vmctx address for the whole activation; generated
	// code never writes it.
	VMCtx = X26
	// Scratch and Scratch2 (IP0 and IP1) are owned by the runtime
	// sequences (polls, exits, traps, stack checks) and never allocated.
	Scratch  = X16
	Scratch2 = X17
	// Platform is x18, which some systems reserve; it is never used.
	Platform = X18
	// AsmTemp is x27, golang-asm's REGTMP for large offsets.
	AsmTemp = X27
	// G is x28, which Go's signal entry reads as the current g.
	G = X28
	// FP is x29; generated code uses it as an ordinary callee-saved
	// register.
	FP = X29
	// LR holds the return address; saved by functions that call.
	LR = X30
)

// V returns vector register n.
func V(n int) Reg { return V0 + Reg(n) }

// VReg returns the virtual register operand for v.
func VReg(v regalloc.VReg) Reg { return FirstVirtual + Reg(v) }

func (r Reg) IsVirtual() bool      { return r >= FirstVirtual && r != NoReg }
func (r Reg) IsFloat() bool        { return r >= V0 && r < V0+32 }
func (r Reg) VReg() regalloc.VReg  { return regalloc.VReg(r - FirstVirtual) }
func (r Reg) PReg() regalloc.PReg  { return regalloc.PReg(r) }
func fromPReg(p regalloc.PReg) Reg { return Reg(p) }

var regNames = func() []string {
	names := make([]string, 64)
	for i := range 31 {
		names[i] = fmt.Sprintf("x%d", i)
	}
	names[31] = "zr"
	for i := range 32 {
		names[32+i] = fmt.Sprintf("v%d", i)
	}
	return names
}()

func (r Reg) String() string {
	switch {
	case r == NoReg:
		return "none"
	case r == SP:
		return "sp"
	case r == InArgs:
		return "inargs"
	case r < 64:
		return regNames[r]
	case r.IsVirtual():
		return fmt.Sprintf("r%d", r-FirstVirtual)
	}
	return fmt.Sprintf("reg%d", uint32(r))
}

// goReg maps a physical register to golang-asm's numbering.
func goReg(r Reg) int16 {
	switch {
	case r.IsFloat():
		return arm64.REG_F0 + int16(r-V0)
	case r == SP:
		return arm64.REGSP
	case r == ZR:
		return arm64.REGZERO
	}
	return arm64.REG_R0 + int16(r)
}

// goVReg maps a vector register to golang-asm's vector numbering.
func goVReg(r Reg) int16 { return arm64.REG_V0 + int16(r-V0) }

// Calling convention for wasm-to-wasm calls (docs/calling-convention.md).
var (
	IntArgRegs     = []Reg{X0, X1, X2, X3, X4, X5, X6, X7}
	FloatArgRegs   = []Reg{V0, V0 + 1, V0 + 2, V0 + 3, V0 + 4, V0 + 5, V0 + 6, V0 + 7}
	IntResultRegs  = []Reg{X0, X1}
	FloatResultReg = []Reg{V0, V0 + 1}
	// CalleeSaved are preserved across wasm calls and host calls (they
	// are among the registers the runtime saves when it parks an exit).
	CalleeSaved = []Reg{X19, X20, X21, X22, X23, X24, X25, X29}
)

// RegInfo describes the arm64 register file to the allocator: every
// general register but x16/x17 (runtime scratch), x18 (platform), x26
// (vmctx), x27 (assembler temporary), x28 (g), x30 (link register) and
// SP, and all 32 vector registers. Caller-saved registers come first so
// that callee-saved ones (which cost a save and restore) are used only
// when needed.
var RegInfo = func() *regalloc.RegInfo {
	info := &regalloc.RegInfo{SlotSize: [regalloc.NumClasses]int32{8, 16}}
	info.Names = regNames
	for r := X0; r <= X15; r++ {
		info.Order[regalloc.ClassInt] = append(info.Order[regalloc.ClassInt], r.PReg())
	}
	for _, r := range CalleeSaved {
		info.Order[regalloc.ClassInt] = append(info.Order[regalloc.ClassInt], r.PReg())
		info.CalleeSaved = info.CalleeSaved.With(r.PReg())
	}
	for r := V0; r < V0+32; r++ {
		info.Order[regalloc.ClassFloat] = append(info.Order[regalloc.ClassFloat], r.PReg())
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
