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
	StubAsync    = "async"    // where the SIGURG handler sends a thread it preempts
	StubTrap     = "trap"     // br target of an explicit trap (abi.VMCtxTrapStub), trap PC in x16
	StubFault    = "fault"    // where the fault handler sends a faulting thread
)

// The async stub's save area on the native stack, from the ExitSP it
// parks: x0-x17 (the rest are parked in the vmctx like a host call's),
// NZCV and FPSR, FPCR and a pad, v0-v31 (all 128 bits), then the 16 bytes
// the SIGURG handler (or the preempt stub) pushed: the PC to resume at and
// a zero.
const (
	asyncGPRs      = 0
	asyncFlags     = 18 * 8
	asyncVecs      = asyncFlags + 32
	PreemptSavedPC = asyncVecs + 32*16
	// AsyncPushed is what the handler pushes below the interrupted SP.
	AsyncPushed = 16
)

// System register encodings for mrs/msr (op0:op1:CRn:CRm:op2 at bit 5).
const (
	sysNZCV = 0xda10 // S3_3_C4_C2_0
	sysFPCR = 0xda20 // S3_3_C4_C4_0
	sysFPSR = 0xda21 // S3_3_C4_C4_1
)

// mrs encodes mrs x<t>, <sys>; msr encodes msr <sys>, x<t>: golang-asm
// knows the names but not as operands of a generated Prog.
func mrs(t Reg, sys uint32) uint32 { return 0xd5200000 | sys<<5 | uint32(t&31) }
func msr(sys uint32, t Reg) uint32 { return 0xd5000000 | sys<<5 | uint32(t&31) }

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
//   - async: entered from the SIGURG handler at any instruction of
//     generated code, with the interrupted PC pushed on the native stack
//     (16 bytes: the PC and a zero); save x0-x17, NZCV, FPSR, FPCR and
//     all 128 bits of v0-v31 on the native stack, then park like a host
//     call (which keeps x19-x30 in the vmctx) with ExitPreempt and a
//     resume PC that restores them all and branches to the interrupted PC
//     through x18, the one register generated code never uses;
//   - preempt: x16 is the poll's resume PC; push it and continue as async
//     (x16, x17 and the flags are scratch across a poll);
//   - trap: entered by br with x16 identifying the trap site (x30 is
//     the function's own); record it and continue as fault;
//   - fault: the signal handler set the trap fields (or trap did); leave
//     with ExitTrap, storing the trapping SP and x30 at the entry SP
//     (after reading the address there) for the backtrace.
//
// Leaving is a branch to the address the trampoline left at the entry
// SP: ldr x16, [x26, #EntrySP]; mov sp, x16; ldr x16, [sp]; br x16.
func RuntimeStubs() (*backend.RuntimeStubs, error) {
	asm := newAssembler()
	e := &emitter{f: &Func{}, ctxt: asm.ctxt, asm: asm}
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
	p.From, p.Reg, p.To = constAddr(AsyncPushed), arm64.REGSP, regAddr(SP)
	pair(arm64.ASTP, Scratch, ZR, sp(0))
	label(StubAsync)
	p = e.prog(arm64.ASUB)
	p.From, p.Reg, p.To = constAddr(PreemptSavedPC), arm64.REGSP, regAddr(SP)
	for r := X0; r <= X17; r += 2 {
		pair(arm64.ASTP, r, r+1, sp(asyncGPRs+8*int64(r)))
	}
	e.word(mrs(X0, sysNZCV))
	e.word(mrs(X1, sysFPSR))
	e.word(mrs(X2, sysFPCR))
	pair(arm64.ASTP, X0, X1, sp(asyncFlags))
	pair(arm64.ASTP, X2, ZR, sp(asyncFlags+16))
	for i := range 32 {
		e.word(qLoadStore(false, i, asyncVecs+16*i))
	}
	exitCode(abi.ExitPreempt)
	restore := e.newProg()
	restore.As = obj.ANOP
	e.add(e.adr(restore))
	p = e.prog(arm64.AB)
	p.To.Type = obj.TYPE_BRANCH
	p.To.SetTarget(labels["exit"])
	e.add(restore)
	for i := range 32 {
		e.word(qLoadStore(true, i, asyncVecs+16*i))
	}
	pair(arm64.ALDP, X0, X1, sp(asyncFlags))
	mov(arm64.AMOVD, sp(asyncFlags+16), regAddr(X2))
	e.word(msr(sysNZCV, X0))
	e.word(msr(sysFPSR, X1))
	e.word(msr(sysFPCR, X2))
	for r := X0; r <= X17; r += 2 {
		pair(arm64.ALDP, r, r+1, sp(asyncGPRs+8*int64(r)))
	}
	// add (not adds) leaves the restored flags alone.
	mov(arm64.AMOVD, sp(PreemptSavedPC), regAddr(Platform))
	p = e.prog(arm64.AADD)
	p.From, p.Reg, p.To = constAddr(PreemptSavedPC+AsyncPushed), arm64.REGSP, regAddr(SP)
	p = e.prog(arm64.AB)
	p.To = memAddr(Platform, 0)

	label(StubTrap)
	mov(arm64.AMOVD, regAddr(Scratch), vm(abi.ARM64VMCtxTrapPC))
	e.movImm(Scratch2, int64(abi.TrapExplicit), 4)
	mov(arm64.AMOVW, regAddr(Scratch2), vm(abi.ARM64VMCtxTrapKind))
	label(StubFault)
	// Leave, keeping the innermost SP and x30 in the 16 bytes at the
	// entry SP (whose first word, the address to leave to, is read
	// before): where the runtime's backtrace starts.
	mov(arm64.AMOVD, regAddr(SP), regAddr(Scratch2))
	mov(arm64.AMOVD, vm(abi.VMCtxEntrySP), regAddr(Scratch))
	mov(arm64.AMOVD, regAddr(Scratch), regAddr(SP))
	mov(arm64.AMOVD, sp(0), regAddr(Scratch))
	pair(arm64.ASTP, Scratch2, LR, sp(0))
	exitCode(abi.ExitTrap)
	p = e.prog(arm64.AB)
	p.To = memAddr(Scratch, 0)

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
	for _, name := range []string{StubHostCall, StubPreempt, StubAsync, StubTrap, StubFault} {
		stubs.Offsets[name] = int(labels[name].Pc)
	}
	return stubs, nil
}
