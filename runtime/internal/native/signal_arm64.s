#include "go_asm.h"
#include "textflag.h"

// Offsets in the kernel's siginfo_t and ucontext_t on arm64: uc_mcontext
// (struct sigcontext: fault_address, regs[31], sp, pc, pstate) starts at
// 176, after uc_flags, uc_link, uc_stack, uc_sigmask and its padding to
// 1024 bits.
#define SI_CODE 8
#define SI_ADDR 16
#define UC_X26 392	// uc_mcontext.regs[26]
#define UC_PC 440	// uc_mcontext.pc
#define SIGBUS 7

// sigHandler(R0=sig, R1=siginfo, R2=ucontext), C ABI, on the signal stack.
// A kernel-raised fault whose PC lies in the code arena, with x26 holding a
// live vmctx, becomes a trap: the fault is recorded in the vmctx and the
// saved PC is pointed at the fault stub, which unwinds the activation once
// the kernel resumes the thread. Everything else goes to the previous
// handler with the arguments (R0-R2, LR) untouched. Only R3-R7 and R27 (the
// assembler's temporary) are used.
TEXT ·sigHandler(SB), NOSPLIT|NOFRAME, $0
	MOVD	UC_PC(R2), R3
	MOVD	·codeLo(SB), R4
	CMP	R4, R3
	BLO	chain
	MOVD	·codeHi(SB), R4
	CMP	R4, R3
	BHS	chain
	MOVW	SI_CODE(R1), R4
	CMPW	$0, R4
	BLE	chain	// sent by kill/tgkill, not a fault
	MOVD	UC_X26(R2), R5
	CBZ	R5, chain
	MOVD	$const_magic, R6
	MOVD	const_vmMagic(R5), R7
	CMP	R6, R7
	BNE	chain

	MOVD	R3, const_vmTrapPC(R5)
	MOVD	SI_ADDR(R1), R6
	MOVD	R6, const_vmFaultAddr(R5)
	MOVW	$const_trapMemoryFault, R7
	MOVW	R7, const_vmTrapKind(R5)
	MOVD	const_vmGuardLo(R5), R7
	CMP	R7, R6
	BLO	redirect
	MOVD	const_vmStackLim(R5), R7
	CMP	R7, R6
	BHS	redirect
	MOVW	$const_trapStackExhausted, R7
	MOVW	R7, const_vmTrapKind(R5)
redirect:
	MOVD	·faultStubPC(SB), R6
	MOVD	R6, UC_PC(R2)
	RET

chain:
	CMPW	$SIGBUS, R0
	BEQ	bus
	MOVD	·prevSEGV(SB), R3
	JMP	(R3)
bus:
	MOVD	·prevBUS(SB), R3
	JMP	(R3)

// func sigHandlerPC() uintptr
TEXT ·sigHandlerPC(SB), NOSPLIT, $0-8
	MOVD	$·sigHandler(SB), R0
	MOVD	R0, ret+0(FP)
	RET
