#include "go_asm.h"
#include "textflag.h"

// Offsets in the kernel's siginfo_t and ucontext_t on arm64: uc_mcontext
// (struct sigcontext: fault_address, regs[31], sp, pc, pstate) starts at
// 176, after uc_flags, uc_link, uc_stack, uc_sigmask and its padding to
// 1024 bits.
#define SI_CODE 8
#define SI_ADDR 16
#define UC_X26 392	// uc_mcontext.regs[26]
#define UC_SP 432	// uc_mcontext.sp
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

// urgHandler(R0=sig, R1=siginfo, R2=ucontext), C ABI, on the signal stack:
// the SIGURG handler. Go's scheduler sends SIGURG to a thread to preempt
// the goroutine running on it (having set its stackguard0 to stackPreempt
// first), and Context.Interrupt sends it after setting the interrupt word.
// If the thread is in generated code (not in the runtime stubs at the
// start of the arena), with x26 a live vmctx, one of those two requests
// standing and room on the native stack below a 16-byte aligned SP, the
// saved context is made to enter the async stub: the interrupted PC is
// pushed on the native stack (with a zero, keeping SP aligned) and PC
// points at the stub, which saves every register and exits to Go with
// ExitPreempt. Only pc and sp change in the ucontext: the kernel (or
// qemu-user) restores every other register, the vector registers included,
// as they were. Whatever happened, Go's handler runs next with the
// arguments (R0-R2, LR) untouched, so its own bookkeeping (the preemption
// generation a stop-the-world waits on) sees every signal. Only R3-R7 and
// R27 are used; R28 (g) is left for Go's handler.
TEXT ·urgHandler(SB), NOSPLIT|NOFRAME, $0
	MOVD	UC_PC(R2), R3
	MOVD	·asyncLo(SB), R4
	CMP	R4, R3
	BLO	urgchain
	MOVD	·codeHi(SB), R4
	CMP	R4, R3
	BHS	urgchain
	MOVD	UC_X26(R2), R5
	CBZ	R5, urgchain
	MOVD	$const_magic, R6
	MOVD	const_vmMagic(R5), R7
	CMP	R6, R7
	BNE	urgchain

	MOVWU	const_vmInterrupt(R5), R6
	CBNZW	R6, stop
	MOVD	const_vmG(R5), R6
	CBZ	R6, urgchain
	MOVD	const_gStackGuard0(R6), R6
	MOVD	$const_stackPreempt, R7
	CMP	R7, R6
	BNE	urgchain

	// The async stub stores asyncRoom bytes below SP; without that room
	// (a guest at the very end of its stack) the request is left to the
	// next signal: Go repeats its own while it waits, Interrupt every
	// millisecond.
stop:
	MOVD	UC_SP(R2), R6
	TST	$15, R6
	BNE	urgchain
	MOVD	const_vmStackTop(R5), R7
	CMP	R7, R6
	BHI	urgchain
	SUB	$const_asyncRoom, R6, R7
	MOVD	const_vmStackLim(R5), R4
	CMP	R4, R7
	BLO	urgchain
	SUB	$16, R6
	STP	(R3, ZR), (R6)
	MOVD	R6, UC_SP(R2)
	MOVD	·asyncStubPC(SB), R4
	MOVD	R4, UC_PC(R2)

urgchain:
	MOVD	·prevURG(SB), R3
	JMP	(R3)

// func urgHandlerPC() uintptr
TEXT ·urgHandlerPC(SB), NOSPLIT, $0-8
	MOVD	$·urgHandler(SB), R0
	MOVD	R0, ret+0(FP)
	RET

// func sigHandlerPC() uintptr
TEXT ·sigHandlerPC(SB), NOSPLIT, $0-8
	MOVD	$·sigHandler(SB), R0
	MOVD	R0, ret+0(FP)
	RET
