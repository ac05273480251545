package native

import (
	"testing"

	"github.com/stretchr/testify/require"
	golangasm "github.com/twitchyliquid64/golang-asm"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/arm64"
)

// asm assembles the small arm64 sequences the tests run in place of
// compiled wasm, with the registers of docs/abi.md: R26 = vmctx, R16/R17
// scratch for the runtime sequences. Operand order is Go's: source first.
type asm struct {
	t       testing.TB
	b       *golangasm.Builder
	labels  map[string]*obj.Prog
	pending []string
	jumps   []labelRef
	adrs    []labelRef
}

type labelRef struct {
	p     *obj.Prog
	label string
}

const (
	rVM = arm64.REG_R26
	r16 = arm64.REG_R16
	r17 = arm64.REG_R17
)

func newAsm(t testing.TB) *asm {
	b, err := golangasm.NewBuilder("arm64", 256)
	require.NoError(t, err)
	a := &asm{t: t, b: b, labels: map[string]*obj.Prog{}}
	// The arm64 assembler starts after the function's TEXT.
	text := b.NewProg()
	text.As = obj.ATEXT
	b.AddInstruction(text)
	return a
}

var none obj.Addr

func reg(r int16) obj.Addr            { return obj.Addr{Type: obj.TYPE_REG, Reg: r} }
func imm(v int64) obj.Addr            { return obj.Addr{Type: obj.TYPE_CONST, Offset: v} }
func mem(r int16, off int64) obj.Addr { return obj.Addr{Type: obj.TYPE_MEM, Reg: r, Offset: off} }
func regPair(r1, r2 int16) obj.Addr {
	return obj.Addr{Type: obj.TYPE_REGREG, Reg: r1, Offset: int64(r2)}
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

// add3 emits a three-operand instruction: op from, r, to.
func (a *asm) add3(as obj.As, from obj.Addr, r int16, to obj.Addr) *obj.Prog {
	p := a.add(as, from, to)
	p.Reg = r
	return p
}

// label names the next instruction.
func (a *asm) label(name string) { a.pending = append(a.pending, name) }

// jump emits a branch (B, BEQ, CBZ via the caller setting From) to a label.
func (a *asm) jump(as obj.As, label string) *obj.Prog {
	p := a.add(as, none, obj.Addr{Type: obj.TYPE_BRANCH})
	a.jumps = append(a.jumps, labelRef{p, label})
	return p
}

// adr emits ADR label, r.
func (a *asm) adr(r int16, label string) {
	p := a.add(arm64.AADR, obj.Addr{Type: obj.TYPE_BRANCH}, reg(r))
	a.adrs = append(a.adrs, labelRef{p, label})
}

// hostCall emits the import call sequence of docs/abi.md on arm64.
func (a *asm) hostCall(index int64, resume string) {
	a.add(arm64.AMOVD, imm(index), reg(r17))
	a.add(arm64.AMOVW, reg(r17), mem(rVM, vmExitArg))
	a.adr(r16, resume)
	a.add(arm64.AMOVD, mem(rVM, vmHostCallStub), reg(r17))
	a.add(arm64.AB, none, mem(r17, 0))
	a.label(resume)
}

// trapCall emits an explicit trap: a branch to the trap stub with the
// trap PC, label site right after the branch, in x16.
func (a *asm) trapCall(site string) {
	a.add(arm64.AMOVD, mem(rVM, vmTrapStub), reg(r17))
	a.adr(r16, site)
	a.add(arm64.AB, none, mem(r17, 0))
	a.label(site)
}

// poll emits the preemption/interrupt poll of docs/abi.md.
func (a *asm) poll(resume, slow string) {
	a.label(resume)
	a.add(arm64.AMOVD, mem(rVM, vmG), reg(r16))
	a.add(arm64.AMOVD, mem(r16, gStackGuard0), reg(r16))
	a.add3(arm64.ACMN, imm(-stackPreempt), r16, none)
	a.jump(arm64.ABEQ, slow)
}

// pollSlow emits the out-of-line part of a poll.
func (a *asm) pollSlow(slow, resume string) {
	a.label(slow)
	a.adr(r16, resume)
	a.add(arm64.AMOVD, mem(rVM, vmPreemptStub), reg(r17))
	a.add(arm64.AB, none, mem(r17, 0))
}

// word emits one instruction encoded by hand.
func (a *asm) word(w uint32) { a.add(arm64.AWORD, none, imm(int64(w))) }

// strq and ldrq emit STR/LDR Qt, [Xn, #off] (off a multiple of 16):
// golang-asm's FMOVQ rejects most offsets.
func (a *asm) strq(t, n int16, off int64) {
	a.word(0x3d800000 | uint32(off/16)<<10 | uint32(n&31)<<5 | uint32(t&31))
}

func (a *asm) ldrq(n int16, off int64, t int16) {
	a.word(0x3dc00000 | uint32(off/16)<<10 | uint32(n&31)<<5 | uint32(t&31))
}

func (a *asm) ret() { a.add(obj.ARET, none, reg(arm64.REG_R30)) }

// assemble returns the code and the offset of every label.
func (a *asm) assemble() ([]byte, map[string]int) {
	if len(a.pending) > 0 {
		a.add(arm64.ABRK, imm(0), none)
	}
	for _, j := range a.jumps {
		target, ok := a.labels[j.label]
		require.True(a.t, ok, "label %s", j.label)
		j.p.To.SetTarget(target)
	}
	for _, j := range a.adrs {
		target, ok := a.labels[j.label]
		require.True(a.t, ok, "label %s", j.label)
		j.p.Pool = target
	}
	code := a.b.Assemble()
	require.NotEmpty(a.t, code)
	offs := map[string]int{}
	for name, p := range a.labels {
		offs[name] = int(p.Pc)
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
