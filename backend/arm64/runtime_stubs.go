package arm64

import (
	"fmt"

	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/arm64"
	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/runtime/abi"
)

// Names of the runtime stubs (backend.RuntimeStubs.Offsets).
const (
	StubHostCall = "hostcall" // branch target of an import call (abi.VMCtxHostCallStub), resume PC in x16
	StubPreempt  = "preempt"  // branch target of a poll that hit (abi.VMCtxPreemptStub), resume PC in x16
	StubTrap     = "trap"     // blr target of an explicit trap (abi.VMCtxTrapStub), trap PC in x30
	StubFault    = "fault"    // where the fault handler sends a faulting thread
)

// The preempt stub's save area on the native stack, from the ExitSP it
// parks: x0-x15 (within reach of stp's offsets), v0-v31 (all 128 bits),
// then the poll's resume PC.
const (
	preemptGPRs    = 0
	preemptVecs    = 16 * 8
	PreemptSavedPC = preemptVecs + 32*16
	preemptArea    = PreemptSavedPC + 16
)

// qLoadStore encodes str (or ldr) q<v>, [sp, #off]: golang-asm has no
// 128-bit load or store of a vector register.
func qLoadStore(load bool, v, off int) uint32 {
	w := uint32(0x3d800000)
	if load {
		w = 0x3dc00000
	}
	return w | uint32(off/16)<<10 | 31<<5 | uint32(v)
}

// word emits a raw instruction.
func (e *emitter) word(w uint32) {
	p := e.prog(arm64.AWORD)
	p.To = constAddr(int64(w))
}

// RuntimeStubs assembles the runtime's shared code on arm64 (docs/abi.md):
//
//   - hostcall: generated code set x16 to the resume PC and ExitArg; park
//     the activation (resume PC, native SP, x19-x30 and d8-d15) and leave
//     through the trampoline with ExitHostCall;
//   - preempt: x16 is the poll's resume PC; save every other register
//     but x17 on the native stack, then park with ExitPreempt and a resume
//     PC that restores them;
//   - trap: entered by blr, so x30 identifies the trap site; record it
//     and leave with ExitTrap;
//   - fault: the signal handler set the trap fields; leave with ExitTrap.
//
// Leaving is a branch to the address the trampoline left at the entry
// SP: ldr x16, [x26, #EntrySP]; mov sp, x16; ldr x16, [sp]; br x16.
func RuntimeStubs() (*backend.RuntimeStubs, error) {
	asm := newAssembler()
	e := &emitter{f: &Func{}, ctxt: asm.ctxt}
	text := e.prog(obj.ATEXT)
	_ = text
	labels := map[string]*obj.Prog{}
	label := func(name string) {
		p := e.prog(obj.ANOP)
		labels[name] = p
	}
	mov := func(as obj.As, from, to obj.Addr) { p := e.prog(as); p.From, p.To = from, to }
	vm := func(off int64) obj.Addr { return memAddr(VMCtx, off) }
	sp := func(off int64) obj.Addr { return obj.Addr{Type: obj.TYPE_MEM, Reg: arm64.REGSP, Offset: off} }
	pair := func(as obj.As, a, b Reg, mem obj.Addr) {
		p := e.prog(as)
		rr := obj.Addr{Type: obj.TYPE_REGREG, Reg: goReg(a), Offset: int64(goReg(b))}
		if as == arm64.ASTP || as == arm64.AFSTPD {
			p.From, p.To = rr, mem
		} else {
			p.From, p.To = mem, rr
		}
	}
	exitCode := func(c abi.ExitCode) {
		e.movImm(Scratch2, int64(c), 4)
		mov(arm64.AMOVW, regAddr(Scratch2), vm(abi.VMCtxExitCode))
	}
	leave := func() {
		mov(arm64.AMOVD, vm(abi.VMCtxEntrySP), regAddr(Scratch))
		mov(arm64.AMOVD, regAddr(Scratch), regAddr(SP))
		mov(arm64.AMOVD, sp(0), regAddr(Scratch))
		p := e.prog(arm64.AB)
		p.To = memAddr(Scratch, 0)
	}

	label(StubHostCall)
	exitCode(abi.ExitHostCall)
	label("exit")
	mov(arm64.AMOVD, regAddr(Scratch), vm(abi.VMCtxResumePC))
	mov(arm64.AMOVD, regAddr(SP), regAddr(Scratch2))
	mov(arm64.AMOVD, regAddr(Scratch2), vm(abi.VMCtxExitSP))
	for r := X19; r <= X29; r += 2 {
		pair(arm64.ASTP, r, r+1, vm(abi.ARM64VMCtxSavedX19+8*int64(r-X19)))
	}
	for i := 0; i < 8; i += 2 {
		pair(arm64.AFSTPD, V(8+i), V(9+i), vm(abi.ARM64VMCtxSavedD8+8*int64(i)))
	}
	leave()

	label(StubPreempt)
	p := e.prog(arm64.ASUB)
	p.From, p.Reg, p.To = constAddr(preemptArea), arm64.REGSP, regAddr(SP)
	for i := range 32 {
		e.word(qLoadStore(false, i, preemptVecs+16*i))
	}
	for r := X0; r <= X15; r += 2 {
		pair(arm64.ASTP, r, r+1, sp(preemptGPRs+8*int64(r)))
	}
	mov(arm64.AMOVD, regAddr(Scratch), sp(PreemptSavedPC))
	exitCode(abi.ExitPreempt)
	restore := e.newProg()
	restore.As = obj.ANOP
	e.add(e.adr(restore))
	p = e.prog(arm64.AB)
	p.To.Type = obj.TYPE_BRANCH
	p.To.SetTarget(labels["exit"])
	e.add(restore)
	labels["restoreAll"] = restore
	for i := range 32 {
		e.word(qLoadStore(true, i, preemptVecs+16*i))
	}
	for r := X0; r <= X15; r += 2 {
		pair(arm64.ALDP, r, r+1, sp(preemptGPRs+8*int64(r)))
	}
	mov(arm64.AMOVD, sp(PreemptSavedPC), regAddr(Scratch))
	p = e.prog(arm64.AADD)
	p.From, p.Reg, p.To = constAddr(preemptArea), arm64.REGSP, regAddr(SP)
	p = e.prog(arm64.AB)
	p.To = memAddr(Scratch, 0)

	label(StubTrap)
	mov(arm64.AMOVD, regAddr(LR), vm(abi.ARM64VMCtxTrapPC))
	e.movImm(Scratch2, int64(abi.TrapExplicit), 4)
	mov(arm64.AMOVW, regAddr(Scratch2), vm(abi.ARM64VMCtxTrapKind))
	label(StubFault)
	exitCode(abi.ExitTrap)
	leave()

	fn := &obj.FuncInfo{Text: e.first}
	sym := &obj.LSym{Name: "runtime_stubs", Func: fn}
	arm64.Linkarm64.Assemble(e.ctxt, sym, e.newProg)
	if len(asm.errs) > 0 {
		return nil, fmt.Errorf("arm64: runtime stubs: %s", asm.errs[0])
	}
	// The assembler pads to 16 bytes; the stubs end with a branch.
	size := int(labels[StubFault].Pc)
	for p := labels[StubFault]; p != nil; p = p.Link {
		if p.As != obj.ANOP {
			size = int(p.Pc) + 4
		}
	}
	stubs := &backend.RuntimeStubs{Code: sym.P[:size], Offsets: map[string]int{}}
	for _, name := range []string{StubHostCall, StubPreempt, StubTrap, StubFault} {
		stubs.Offsets[name] = int(labels[name].Pc)
	}
	return stubs, nil
}
