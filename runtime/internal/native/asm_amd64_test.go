package native

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
	golangasm "github.com/twitchyliquid64/golang-asm"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"
)

// asm assembles the small machine code sequences the tests run in place of
// compiled wasm. Operand order is Go's: source first.
type asm struct {
	t       testing.TB
	b       *golangasm.Builder
	labels  map[string]*obj.Prog
	pending []string
	jumps   []labelRef
	leas    []labelRef
}

type labelRef struct {
	p     *obj.Prog
	label string
	size  int64 // instruction length; its last 4 bytes are a rel32
}

func newAsm(t testing.TB) *asm {
	b, err := golangasm.NewBuilder("amd64", 256)
	require.NoError(t, err)
	return &asm{t: t, b: b, labels: map[string]*obj.Prog{}}
}

var none obj.Addr

func reg(r int16) obj.Addr { return obj.Addr{Type: obj.TYPE_REG, Reg: r} }
func imm(v int64) obj.Addr { return obj.Addr{Type: obj.TYPE_CONST, Offset: v} }
func mem(r int16, off int64) obj.Addr {
	return obj.Addr{Type: obj.TYPE_MEM, Reg: r, Offset: off}
}
func memIndex(base, index int16, scale int16, off int64) obj.Addr {
	return obj.Addr{Type: obj.TYPE_MEM, Reg: base, Index: index, Scale: scale, Offset: off}
}

func (a *asm) add(as obj.As, from, to obj.Addr) *obj.Prog {
	p := a.b.NewProg()
	p.As, p.From, p.To = as, from, to
	for _, l := range a.pending {
		a.labels[l] = p
	}
	a.pending = nil
	a.b.AddInstruction(p)
	return p
}

// label names the next instruction.
func (a *asm) label(name string) { a.pending = append(a.pending, name) }

// jump emits a jump (JMP, JEQ, ...) or CALL to a label.
func (a *asm) jump(as obj.As, label string) {
	p := a.add(as, none, obj.Addr{Type: obj.TYPE_BRANCH})
	a.jumps = append(a.jumps, labelRef{p, label, 0})
}

// leaR11 emits LEAQ label(RIP), R11: how generated code passes a resume PC.
func (a *asm) leaR11(label string) {
	first := a.add(x86.ABYTE, imm(0x4c), none)
	for _, b := range []int64{0x8d, 0x1d, 0, 0, 0, 0} {
		a.add(x86.ABYTE, imm(b), none)
	}
	a.leas = append(a.leas, labelRef{first, label, 7})
}

// callLabel emits CALL label (rel32).
func (a *asm) callLabel(label string) {
	first := a.add(x86.ABYTE, imm(0xe8), none)
	for range 4 {
		a.add(x86.ABYTE, imm(0), none)
	}
	a.leas = append(a.leas, labelRef{first, label, 5})
}

// hostCall emits the import call sequence of docs/abi.md.
func (a *asm) hostCall(index int64, resume string) {
	a.add(x86.AMOVL, imm(index), mem(x86.REG_R15, vmExitArg))
	a.leaR11(resume)
	a.add(obj.AJMP, none, mem(x86.REG_R15, vmHostCallStub))
	a.label(resume)
}

// poll emits the preemption/interrupt poll of docs/abi.md.
func (a *asm) poll(resume, slow string) {
	a.label(resume)
	a.add(x86.AMOVQ, mem(x86.REG_R15, vmG), reg(x86.REG_R11))
	a.add(x86.ACMPQ, mem(x86.REG_R11, gStackGuard0), imm(-1314))
	a.jump(x86.AJEQ, slow)
	a.add(x86.ACMPL, mem(x86.REG_R15, vmInterrupt), imm(0))
	a.jump(x86.AJNE, slow)
}

// pollSlow emits the out-of-line part of a poll.
func (a *asm) pollSlow(slow, resume string) {
	a.label(slow)
	a.leaR11(resume)
	a.add(obj.AJMP, none, mem(x86.REG_R15, vmPreemptStub))
}

// assemble returns the code and the offset of every label.
func (a *asm) assemble() ([]byte, map[string]int) {
	if len(a.pending) > 0 {
		a.add(x86.AINT, imm(3), none)
	}
	for _, j := range a.jumps {
		target, ok := a.labels[j.label]
		require.True(a.t, ok, "label %s", j.label)
		j.p.To.SetTarget(target)
	}
	code := a.b.Assemble()
	offs := map[string]int{}
	for name, p := range a.labels {
		offs[name] = int(p.Pc)
	}
	for _, l := range a.leas {
		target, ok := a.labels[l.label]
		require.True(a.t, ok, "label %s", l.label)
		disp := int32(target.Pc - (l.p.Pc + l.size))
		binary.LittleEndian.PutUint32(code[l.p.Pc+l.size-4:], uint32(disp))
	}
	return code, offs
}

// load assembles and maps the code; it returns the code and label addresses.
func (a *asm) load() (*Code, map[string]uintptr) {
	text, offs := a.assemble()
	c, err := LoadCode(text)
	require.NoError(a.t, err)
	a.t.Cleanup(func() { c.Release() })
	addrs := map[string]uintptr{}
	for name, off := range offs {
		addrs[name] = c.Addr() + uintptr(off)
	}
	return c, addrs
}
