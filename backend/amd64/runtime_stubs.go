package amd64

import (
	"encoding/binary"
	"fmt"

	golangasm "github.com/twitchyliquid64/golang-asm"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/x86"
	"github.com/wasiaot/wasiaot/backend"
	"github.com/wasiaot/wasiaot/runtime/abi"
)

// Names of the runtime stubs (backend.RuntimeStubs.Offsets).
const (
	StubHostCall = "hostcall" // JMP target of an import call (abi.VMCtxHostCallStub)
	StubPreempt  = "preempt"  // JMP target of a poll that hit (abi.VMCtxPreemptStub)
	StubTrap     = "trap"     // CALL target of an explicit trap (abi.VMCtxTrapStub)
	StubFault    = "fault"    // where the fault handler sends a faulting thread
	StubAsync    = "async"    // where the SIGURG handler sends a thread it preempts
)

// PreemptSavedPC is where, relative to the ExitSP the preempt and async
// stubs park, they keep the PC the activation resumes at: above 256 bytes
// of XMM registers, fourteen pushed general registers and the flags.
const PreemptSavedPC = 256 + 14*8 + 8

// RuntimeStubs assembles the runtime's shared code on amd64 (docs/abi.md):
//
//   - hostcall: generated code set R11 to the resume PC and ExitArg; park
//     the activation (resume PC, native SP, callee-saved registers) and
//     leave through the trampoline with ExitHostCall;
//   - async: entered from the SIGURG handler at any instruction of
//     generated code, with the interrupted PC pushed as if by a CALL;
//     save every register (flags, all general registers but RSP and R15,
//     all 128 bits of XMM0-15) on the native stack, then park with
//     ExitPreempt and a resume PC that restores them all and returns to
//     the interrupted PC;
//   - preempt: R11 is the poll's resume PC; push it and continue as async
//     (R11 and the flags are scratch across a poll);
//   - trap: entered by CALL, so the return address identifies the trap
//     site; record it and leave with ExitTrap;
//   - fault: the signal handler set the trap fields; leave with ExitTrap,
//     keeping the trapped code's SP in the word below the entry SP.
//
// Leaving is a JMP to the return address the trampoline left at the entry
// SP, not a RET, so the return-stack predictor stays in step with Go's
// calls.
func RuntimeStubs() (*backend.RuntimeStubs, error) {
	a, err := newStubAsm()
	if err != nil {
		return nil, err
	}
	vm := func(off int64) obj.Addr { return obj.Addr{Type: obj.TYPE_MEM, Reg: x86.REG_R15, Offset: off} }
	sp := func(off int64) obj.Addr { return obj.Addr{Type: obj.TYPE_MEM, Reg: x86.REG_SP, Offset: off} }
	r := func(reg int16) obj.Addr { return obj.Addr{Type: obj.TYPE_REG, Reg: reg} }
	imm := func(v int64) obj.Addr { return obj.Addr{Type: obj.TYPE_CONST, Offset: v} }
	var none obj.Addr
	leave := func() {
		a.add(x86.AMOVQ, vm(abi.VMCtxEntrySP), r(x86.REG_SP))
		a.add(x86.APOPQ, none, r(x86.REG_R11))
		a.add(obj.AJMP, none, r(x86.REG_R11))
	}

	a.label(StubHostCall)
	a.add(x86.AMOVL, imm(int64(abi.ExitHostCall)), vm(abi.VMCtxExitCode))
	a.label("exit")
	a.add(x86.AMOVQ, r(x86.REG_R11), vm(abi.VMCtxResumePC))
	a.add(x86.AMOVQ, r(x86.REG_SP), vm(abi.VMCtxExitSP))
	saved := []struct {
		reg int16
		off int64
	}{
		{x86.REG_BX, abi.AMD64VMCtxSavedRBX},
		{x86.REG_BP, abi.AMD64VMCtxSavedRBP},
		{x86.REG_R12, abi.AMD64VMCtxSavedR12},
		{x86.REG_R13, abi.AMD64VMCtxSavedR13},
		{x86.REG_R14, abi.AMD64VMCtxSavedR14},
	}
	for _, s := range saved {
		a.add(x86.AMOVQ, r(s.reg), vm(s.off))
	}
	leave()

	// Every general register but RSP and R15, in push order (after the
	// flags); PreemptSavedPC depends on their number.
	pushed := []int16{x86.REG_R11, x86.REG_AX, x86.REG_CX, x86.REG_DX, x86.REG_BX, x86.REG_BP,
		x86.REG_SI, x86.REG_DI, x86.REG_R8, x86.REG_R9, x86.REG_R10, x86.REG_R12, x86.REG_R13, x86.REG_R14}
	a.label(StubPreempt)
	a.add(x86.APUSHQ, r(x86.REG_R11), none)
	a.label(StubAsync)
	a.add(x86.APUSHFQ, none, none)
	for _, reg := range pushed {
		a.add(x86.APUSHQ, r(reg), none)
	}
	a.add(x86.ASUBQ, imm(256), r(x86.REG_SP))
	for i := int16(0); i < 16; i++ {
		a.add(x86.AMOVUPS, r(x86.REG_X0+i), sp(16*int64(i)))
	}
	a.add(x86.AMOVL, imm(int64(abi.ExitPreempt)), vm(abi.VMCtxExitCode))
	a.leaR11("restoreAll")
	a.jump(obj.AJMP, "exit")
	a.label("restoreAll")
	for i := int16(0); i < 16; i++ {
		a.add(x86.AMOVUPS, sp(16*int64(i)), r(x86.REG_X0+i))
	}
	a.add(x86.AADDQ, imm(256), r(x86.REG_SP))
	for i := len(pushed) - 1; i >= 0; i-- {
		a.add(x86.APOPQ, none, r(pushed[i]))
	}
	// POPFQ last: the ADDQ above wrote the flags.
	a.add(x86.APOPFQ, none, none)
	a.add(obj.ARET, none, none)

	a.label(StubTrap)
	a.add(x86.APOPQ, none, r(x86.REG_R11))
	a.add(x86.AMOVQ, r(x86.REG_R11), vm(abi.AMD64VMCtxTrapPC))
	a.add(x86.AMOVL, imm(int64(abi.TrapExplicit)), vm(abi.AMD64VMCtxTrapKind))
	a.label(StubFault)
	a.add(x86.AMOVL, imm(int64(abi.ExitTrap)), vm(abi.VMCtxExitCode))
	// Every unwind ends here with the trapped code's SP: leave it in the
	// word below EntrySP, which nothing writes before Go reads it for the
	// backtrace (native.Context.trapSP).
	a.add(x86.AMOVQ, r(x86.REG_SP), r(x86.REG_R11))
	a.add(x86.AMOVQ, vm(abi.VMCtxEntrySP), r(x86.REG_SP))
	a.add(x86.AMOVQ, r(x86.REG_R11), sp(-8))
	a.add(x86.APOPQ, none, r(x86.REG_R11))
	a.add(obj.AJMP, none, r(x86.REG_R11))

	code, offs, err := a.assemble()
	if err != nil {
		return nil, err
	}
	stubs := &backend.RuntimeStubs{Code: code, Offsets: map[string]int{}}
	for _, name := range []string{StubHostCall, StubPreempt, StubAsync, StubTrap, StubFault} {
		stubs.Offsets[name] = offs[name]
	}
	return stubs, nil
}

// stubAsm assembles straight-line code with labels: a thin layer over
// golang-asm's builder for the runtime stubs.
type stubAsm struct {
	b       *golangasm.Builder
	labels  map[string]*obj.Prog
	pending []string
	jumps   []stubRef
	leas    []stubRef
}

type stubRef struct {
	p     *obj.Prog
	label string
}

func newStubAsm() (*stubAsm, error) {
	b, err := golangasm.NewBuilder("amd64", 256)
	if err != nil {
		return nil, err
	}
	return &stubAsm{b: b, labels: map[string]*obj.Prog{}}, nil
}

func (a *stubAsm) add(as obj.As, from, to obj.Addr) *obj.Prog {
	p := a.b.NewProg()
	p.As, p.From, p.To = as, from, to
	for _, l := range a.pending {
		a.labels[l] = p
	}
	a.pending = nil
	a.b.AddInstruction(p)
	return p
}

func (a *stubAsm) label(name string) { a.pending = append(a.pending, name) }

func (a *stubAsm) jump(as obj.As, label string) {
	p := a.add(as, obj.Addr{}, obj.Addr{Type: obj.TYPE_BRANCH})
	a.jumps = append(a.jumps, stubRef{p, label})
}

// leaR11 emits LEAQ label(RIP), R11, encoded by hand (REX.WR 8D /r with a
// rel32 patched after assembly): golang-asm has no label operand for LEA.
func (a *stubAsm) leaR11(label string) {
	first := a.add(x86.ABYTE, obj.Addr{Type: obj.TYPE_CONST, Offset: 0x4c}, obj.Addr{})
	for _, b := range []int64{0x8d, 0x1d, 0, 0, 0, 0} {
		a.add(x86.ABYTE, obj.Addr{Type: obj.TYPE_CONST, Offset: b}, obj.Addr{})
	}
	a.leas = append(a.leas, stubRef{first, label})
}

func (a *stubAsm) assemble() ([]byte, map[string]int, error) {
	if len(a.pending) > 0 {
		return nil, nil, fmt.Errorf("runtime stubs: label %v at the end", a.pending)
	}
	for _, j := range a.jumps {
		target, ok := a.labels[j.label]
		if !ok {
			return nil, nil, fmt.Errorf("runtime stubs: no label %s", j.label)
		}
		j.p.To.SetTarget(target)
	}
	code := a.b.Assemble()
	offs := map[string]int{}
	for name, p := range a.labels {
		offs[name] = int(p.Pc)
	}
	for _, l := range a.leas {
		target, ok := a.labels[l.label]
		if !ok {
			return nil, nil, fmt.Errorf("runtime stubs: no label %s", l.label)
		}
		binary.LittleEndian.PutUint32(code[l.p.Pc+3:], uint32(int32(target.Pc-(l.p.Pc+7))))
	}
	return code, offs, nil
}
