#include "go_asm.h"
#include "textflag.h"

// Offsets in the kernel's siginfo_t and ucontext_t on amd64.
#define SI_CODE 8
#define SI_ADDR 16
#define UC_R15 96	// uc_mcontext.gregs[REG_R15]
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

// func sigHandlerPC() uintptr
TEXT ·sigHandlerPC(SB), NOSPLIT, $0-8
	MOVQ	$·sigHandler(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
