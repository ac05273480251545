package arm64

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func emitOne(t *testing.T, ins ...Instr) string {
	f := &Func{Name: "t", Blocks: []*Block{{Instrs: append(ins, Instr{Op: OpRet})}}, allocated: true}
	c, err := Emit(f)
	require.NoError(t, err)
	return disasm(t, c)
}

// TestEmitForms assembles one instruction of every form the backend uses
// and compares the disassembly (golang.org/x/arch/arm64/arm64asm) with
// testdata/emit/forms.txt.
func TestEmitForms(t *testing.T) {
	x := func(n int) Operand { return R(Reg(n)) }
	v := func(n int) Operand { return R(V(n)) }
	got := emitOne(t,
		Instr{Op: OpAdd, Size: 8, Dst: x(0), Src: [3]Operand{x(1), x(2)}},
		Instr{Op: OpAdd, Size: 4, Dst: x(0), Src: [3]Operand{x(1), Imm(4095)}},
		Instr{Op: OpAdd, Size: 8, Dst: x(0), Src: [3]Operand{x(1), Imm(4096)}},
		Instr{Op: OpSub, Size: 8, Dst: x(3), Src: [3]Operand{x(4), Shifted(X5, ExtLSL, 3)}},
		Instr{Op: OpAdd, Size: 8, Dst: x(3), Src: [3]Operand{x(4), Shifted(X5, ExtUXTW, 0)}},
		Instr{Op: OpAnd, Size: 4, Dst: x(3), Src: [3]Operand{x(4), Imm(0xff)}},
		Instr{Op: OpEor, Size: 8, Dst: x(3), Src: [3]Operand{x(4), Imm(-1)}},
		Instr{Op: OpLsl, Size: 4, Dst: x(3), Src: [3]Operand{x(4), Imm(5)}},
		Instr{Op: OpLsr, Size: 8, Dst: x(3), Src: [3]Operand{x(4), x(6)}},
		Instr{Op: OpRor, Size: 4, Dst: x(3), Src: [3]Operand{x(4), Imm(7)}},
		Instr{Op: OpMadd, Size: 8, Dst: x(0), Src: [3]Operand{x(1), x(2), x(3)}},
		Instr{Op: OpMsub, Size: 4, Dst: x(0), Src: [3]Operand{x(1), x(2), x(3)}},
		Instr{Op: OpSdiv, Size: 4, Dst: x(0), Src: [3]Operand{x(1), x(2)}},
		Instr{Op: OpNeg, Size: 4, Dst: x(0), Src: [3]Operand{x(1)}},
		Instr{Op: OpClz, Size: 8, Dst: x(0), Src: [3]Operand{x(1)}},
		Instr{Op: OpRbit, Size: 4, Dst: x(0), Src: [3]Operand{x(1)}},
		Instr{Op: OpSxtb, Size: 4, Dst: x(0), Src: [3]Operand{x(1)}},
		Instr{Op: OpSxtw, Size: 8, Dst: x(0), Src: [3]Operand{x(1)}},
		Instr{Op: OpUxtw, Size: 8, Dst: x(0), Src: [3]Operand{x(1)}},
		Instr{Op: OpMov, Size: 8, Dst: x(0), Src: [3]Operand{x(1)}},
		Instr{Op: OpMovImm, Size: 8, Dst: x(0), Src: [3]Operand{Imm(0x12345678_9abcdef0)}},
		Instr{Op: OpMovImm, Size: 8, Dst: x(0), Src: [3]Operand{Imm(-2)}},
		Instr{Op: OpMovImm, Size: 4, Dst: x(0), Src: [3]Operand{Imm(0x12340000)}},
		Instr{Op: OpMovImm, Size: 4, Dst: x(0), Src: [3]Operand{Imm(0x12345678)}},
		Instr{Op: OpMovImm, Size: 8, Dst: x(0), Src: [3]Operand{Imm(0x5555555555555555)}},
		Instr{Op: OpLdrw, Size: 4, Dst: x(0), Src: [3]Operand{Indexed(X1, X2, ExtUXTW, 0)}},
		Instr{Op: OpLdr, Size: 8, Dst: x(0), Src: [3]Operand{Indexed(X1, X2, ExtUXTW, 3)}},
		Instr{Op: OpLdrh, Size: 4, Dst: x(0), Src: [3]Operand{Indexed(X1, X2, ExtUXTW, 0)}},
		Instr{Op: OpLdrsb, Size: 8, Dst: x(0), Src: [3]Operand{Base(X1, 7)}},
		Instr{Op: OpLdrsw, Size: 8, Dst: x(0), Src: [3]Operand{Base(X1, 4000)}},
		Instr{Op: OpLdr, Size: 8, Dst: x(0), Src: [3]Operand{Base(X1, -8)}},
		Instr{Op: OpLdr, Size: 8, Dst: x(0), Src: [3]Operand{Base(SP, 16)}},
		Instr{Op: OpStrb, Size: 4, Dst: Indexed(X1, X2, ExtUXTW, 0), Src: [3]Operand{x(3)}},
		Instr{Op: OpStr, Size: 4, Dst: Base(X1, 8), Src: [3]Operand{x(3)}},
		Instr{Op: OpStr, Size: 8, Dst: Base(X1, 8), Src: [3]Operand{R(ZR)}},
		Instr{Op: OpFldr, Size: 4, Dst: v(1), Src: [3]Operand{Indexed(X1, X2, ExtUXTW, 0)}},
		Instr{Op: OpFstr, Size: 8, Dst: Base(SP, 32), Src: [3]Operand{v(31)}},
		Instr{Op: OpCmp, Size: 4, Src: [3]Operand{x(1), Imm(10)}},
		Instr{Op: OpCmp, Size: 8, Src: [3]Operand{x(1), x(2)}},
		Instr{Op: OpCmn, Size: 8, Src: [3]Operand{x(1), Imm(1)}},
		Instr{Op: OpTst, Size: 4, Src: [3]Operand{x(1), Imm(1)}},
		Instr{Op: OpCset, Size: 4, Cond: CondLT, Dst: x(5)},
		Instr{Op: OpCsel, Size: 8, Cond: CondHI, Dst: x(5), Src: [3]Operand{x(6), x(7)}},
		Instr{Op: OpFadd, Size: 4, Dst: v(0), Src: [3]Operand{v(1), v(2)}},
		Instr{Op: OpFsub, Size: 8, Dst: v(0), Src: [3]Operand{v(1), v(2)}},
		Instr{Op: OpFmin, Size: 8, Dst: v(0), Src: [3]Operand{v(1), v(2)}},
		Instr{Op: OpFmax, Size: 4, Dst: v(0), Src: [3]Operand{v(1), v(2)}},
		Instr{Op: OpFsqrt, Size: 8, Dst: v(0), Src: [3]Operand{v(1)}},
		Instr{Op: OpFrintn, Size: 4, Dst: v(0), Src: [3]Operand{v(1)}},
		Instr{Op: OpFcvtsd, Size: 8, Dst: v(0), Src: [3]Operand{v(1)}},
		Instr{Op: OpFcvtds, Size: 4, Dst: v(0), Src: [3]Operand{v(1)}},
		Instr{Op: OpScvtf, Size: 8, SrcSize: 4, Dst: v(0), Src: [3]Operand{x(1)}},
		Instr{Op: OpUcvtf, Size: 4, SrcSize: 8, Dst: v(0), Src: [3]Operand{x(1)}},
		Instr{Op: OpFcvtzs, Size: 4, SrcSize: 8, Dst: x(0), Src: [3]Operand{v(1)}},
		Instr{Op: OpFcvtzu, Size: 8, SrcSize: 4, Dst: x(0), Src: [3]Operand{v(1)}},
		Instr{Op: OpFmovToF, Size: 8, Dst: v(0), Src: [3]Operand{x(1)}},
		Instr{Op: OpFmovFromF, Size: 4, Dst: x(0), Src: [3]Operand{v(1)}},
		Instr{Op: OpFmov, Size: 8, Dst: v(0), Src: [3]Operand{v(1)}},
		Instr{Op: OpFmovImm, Size: 8, Dst: v(0), Src: [3]Operand{Imm(0x3ff8000000000000)}},
		Instr{Op: OpFmovImm, Size: 4, Dst: v(0), Src: [3]Operand{Imm(0x3fc00000)}},
		Instr{Op: OpFmovImm, Size: 8, Dst: v(0), Src: [3]Operand{Imm(0x400921fb54442d18)}},
		Instr{Op: OpFmovImm, Size: 4, Dst: v(0), Src: [3]Operand{Imm(0)}},
		Instr{Op: OpFcmp, Size: 8, Src: [3]Operand{v(1), v(2)}},
		Instr{Op: OpFcsel, Size: 4, Cond: CondGT, Dst: v(0), Src: [3]Operand{v(1), v(2)}},
		Instr{Op: OpCnt, Size: 8, Dst: v(0), Src: [3]Operand{v(1)}},
		Instr{Op: OpUaddlv, Size: 8, Dst: v(0), Src: [3]Operand{v(1)}},
		Instr{Op: OpTrap, Trap: 3, Pos: 7},
		Instr{Op: OpExit, Trap: 5},
		Instr{Op: OpPoll},
		Instr{Op: OpCall, Func: 3},
		Instr{Op: OpCall, Func: -1, Src: [3]Operand{Base(VMCtx, 256)}},
		Instr{Op: OpCmp, Size: 8, Src: [3]Operand{x(3), Imm(0)}},
		Instr{Op: OpAdd, Size: 8, Dst: x(3), Src: [3]Operand{x(4), Imm(0)}},
		Instr{Op: OpLdr, Size: 8, Dst: x(0), Src: [3]Operand{Indexed(X1, X2, ExtNone, 0)}},
		Instr{Op: OpLdr, Size: 8, Dst: x(0), Src: [3]Operand{Base(VMCtx, 40000)}},
		Instr{Op: OpMovImm, Size: 4, Dst: x(0), Src: [3]Operand{Imm(-1)}},
		Instr{Op: OpBrk},
		Instr{Op: OpNeg, Size: 8, Dst: x(1), Src: [3]Operand{Shifted(X2, ExtLSL, 3)}},
		Instr{Op: OpMsub, Size: 8, Dst: x(1), Src: [3]Operand{x(2), x(3), R(ZR)}},
		Instr{Op: OpAnd, Size: 4, Dst: x(1), Src: [3]Operand{x(2), Shifted(X3, ExtLSR, 7)}},
		Instr{Op: OpStr, Size: 4, Dst: Base(X1, 0), Src: [3]Operand{R(ZR)}},
		Instr{Op: OpCsel, Size: 4, Cond: CondEQ, Dst: x(1), Src: [3]Operand{R(ZR), x(2)}},
	)
	const file = "testdata/emit/forms.txt"
	if *update {
		require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "run go test -update to accept")
}

// TestEmitFrames shows prologues and epilogues: saved pairs with
// writeback, an odd register, a frame, and the stack check of a frame
// larger than BigFrame.
func TestEmitFrames(t *testing.T) {
	var got string
	for _, f := range []*Func{
		{saved: []Reg{X19, X20, X21, LR}, saveSize: 32, frameSize: 48},
		{saved: []Reg{X19, X20, ZR, LR}, saveSize: 32},
		{saved: []Reg{ZR, LR}, saveSize: 16},
		{saved: []Reg{X19}, saveSize: 16},
		{saved: []Reg{LR}, saveSize: 16, frameSize: BigFrame + 4096},
	} {
		f.Name, f.allocated = "t", true
		f.Blocks = []*Block{{Instrs: []Instr{{Op: OpRet}}}}
		c, err := Emit(f)
		require.NoError(t, err)
		got += disasm(t, c) + "--\n"
	}
	const file = "testdata/emit/frames.txt"
	if *update {
		require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "run go test -update to accept")
}
