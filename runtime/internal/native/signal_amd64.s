#include "go_asm.h"
#include "textflag.h"

// Offsets in the kernel's siginfo_t and ucontext_t on amd64.
#define SI_CODE 8
#define SI_ADDR 16
#define UC_R15 96	// uc_mcontext.gregs[REG_R15]
#define UC_RSP 160	// uc_mcontext.gregs[REG_RSP]
#define UC_RIP 168	// uc_mcontext.gregs[REG_RIP]
#define SIGBUS 7

// sigHandler(DI=sig, SI=siginfo, DX=ucontext), C ABI, on the signal stack.
// A kernel-raised fault whose PC lies in the code arena, with R15 holding a
// live vmctx, becomes a trap: the fault is recorded in the vmctx and the
// saved RIP is pointed at the fault stub, which unwinds the activation once
// the kernel resumes the thread. Everything else goes to the previous
// handler with the arguments untouched.
TEXT ·sigHandler(SB), NOSPLIT|NOFRAME, $0
	MOVQ	UC_RIP(DX), AX
	MOVQ	·codeLo(SB), CX
	CMPQ	AX, CX
	JB	chain
	MOVQ	·codeHi(SB), CX
	CMPQ	AX, CX
	JAE	chain
	MOVL	SI_CODE(SI), CX
	CMPL	CX, $0
	JLE	chain	// sent by kill/tgkill, not a fault
	MOVQ	UC_R15(DX), R8
	TESTQ	R8, R8
	JZ	chain
	MOVQ	$const_magic, R9
	CMPQ	R9, const_vmMagic(R8)
	JNE	chain

	MOVQ	AX, const_vmTrapPC(R8)
	MOVQ	SI_ADDR(SI), R9
	MOVQ	R9, const_vmFaultAddr(R8)
	MOVL	$const_trapMemoryFault, const_vmTrapKind(R8)
	CMPQ	R9, const_vmGuardLo(R8)
	JB	redirect
	CMPQ	R9, const_vmStackLim(R8)
	JAE	redirect
	MOVL	$const_trapStackExhausted, const_vmTrapKind(R8)
redirect:
	MOVQ	·faultStubPC(SB), R9
	MOVQ	R9, UC_RIP(DX)
	RET

chain:
	CMPL	DI, $SIGBUS
	JEQ	bus
	MOVQ	·prevSEGV(SB), AX
	JMP	AX
bus:
	MOVQ	·prevBUS(SB), AX
	JMP	AX

// urgHandler(DI=sig, SI=siginfo, DX=ucontext), C ABI, on the signal stack:
// the SIGURG handler. Go's scheduler sends SIGURG to a thread to preempt
// the goroutine running on it (having set its stackguard0 to
// stackPreempt first), and Context.Interrupt sends it after setting the
// interrupt word. If the thread is in generated code (not in the runtime
// stubs at the start of the arena), with R15 a live vmctx, one of those
// two requests standing and room on the native stack below RSP, the saved
// context is made to "call" the async stub: the interrupted PC is pushed
// on the native stack and RIP points at the stub, which saves every
// register and exits to Go with ExitPreempt. Whatever happened, Go's
// handler runs next with the arguments untouched, so its own bookkeeping
// (the preemption generation a stop-the-world waits on) sees every signal.
TEXT ·urgHandler(SB), NOSPLIT|NOFRAME, $0
	MOVQ	UC_RIP(DX), AX
	MOVQ	·asyncLo(SB), CX
	CMPQ	AX, CX
	JB	chain
	MOVQ	·codeHi(SB), CX
	CMPQ	AX, CX
	JAE	chain
	MOVQ	UC_R15(DX), R8
	TESTQ	R8, R8
	JZ	chain
	MOVQ	$const_magic, R9
	CMPQ	R9, const_vmMagic(R8)
	JNE	chain

	CMPL	const_vmInterrupt(R8), $0
	JNE	stop
	MOVQ	const_vmG(R8), R9
	TESTQ	R9, R9
	JZ	chain
	MOVQ	$const_stackPreempt, R10
	CMPQ	R10, const_gStackGuard0(R9)
	JNE	chain

	// The async stub pushes asyncRoom bytes; without that room (a guest
	// at the very end of its stack) the request is left to the next
	// signal: Go repeats its own while it waits, Interrupt every
	// millisecond.
stop:
	MOVQ	UC_RSP(DX), R9
	CMPQ	R9, const_vmStackTop(R8)
	JA	chain
	LEAQ	-const_asyncRoom(R9), R10
	CMPQ	R10, const_vmStackLim(R8)
	JB	chain
	SUBQ	$8, R9
	MOVQ	AX, (R9)
	MOVQ	R9, UC_RSP(DX)
	MOVQ	·asyncStubPC(SB), R9
	MOVQ	R9, UC_RIP(DX)

chain:
	MOVQ	·prevURG(SB), AX
	JMP	AX

// func urgHandlerPC() uintptr
TEXT ·urgHandlerPC(SB), NOSPLIT, $0-8
	MOVQ	$·urgHandler(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// func sigHandlerPC() uintptr
TEXT ·sigHandlerPC(SB), NOSPLIT, $0-8
	MOVQ	$·sigHandler(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
