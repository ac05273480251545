#include "go_asm.h"
#include "textflag.h"

// A nested enter (a host function calling back in while an exit is parked)
// pushes a block with the parked activation's state onto the native stack,
// below the parked frames, and pops it on the way out, so activations nest
// without bounds. The outermost enter has nothing to keep and skips it.
#define BLOCK 96

// PUBLISH_G records the g running the activation and makes a pending
// interrupt visible to it. Polls compare only the g's stackguard0 with
// stackPreempt (docs/abi.md, "Polls"); Interrupt sets the interrupt word
// and then pokes the g recorded here. Without a fence (which would cost
// every call) the two can pass each other; Interrupt then repeats its
// request a millisecond later, when it sees this g.
#define PUBLISH_G \
	MOVQ	R12, const_vmG(R15) \
	CMPL	const_vmInterrupt(R15), $0 \
	JEQ	3(PC) \
	MOVQ	$const_stackPreempt, BX \
	MOVQ	BX, const_gStackGuard0(R12)

// func enter(vmctx, pc uintptr)
TEXT ·enter(SB), NOSPLIT|NOFRAME, $0-16
	MOVQ	vmctx+0(FP), R15
	MOVQ	pc+8(FP), R11
	MOVQ	(TLS), R12

	// Outermost activation: start at the top of the stack, nothing to keep.
	MOVQ	const_vmExitSP(R15), AX
	TESTQ	AX, AX
	JNZ	nested
	MOVQ	const_vmStackTop(R15), AX
	MOVQ	SP, const_vmGoSP(R15)
	MOVQ	BP, const_vmGoBP(R15)
	PUBLISH_G
	MOVL	$0, const_vmExitCode(R15)
	LEAQ	-8(AX), BX
	MOVQ	BX, const_vmEntrySP(R15)
	MOVQ	AX, SP
	CALL	R11
	JMP	returned

	// Nested: start below the parked exit's frames.
nested:
	ANDQ	$~15, AX
	SUBQ	$BLOCK, AX

	MOVQ	const_vmGoSP(R15), BX
	MOVQ	BX, 0(AX)
	MOVQ	const_vmGoBP(R15), BX
	MOVQ	BX, 8(AX)
	MOVQ	const_vmEntrySP(R15), BX
	MOVQ	BX, 16(AX)
	MOVQ	const_vmExitSP(R15), BX
	MOVQ	BX, 24(AX)
	MOVQ	const_vmResumePC(R15), BX
	MOVQ	BX, 32(AX)
	MOVQ	const_vmSavedRBX(R15), BX
	MOVQ	BX, 40(AX)
	MOVQ	const_vmSavedRBP(R15), BX
	MOVQ	BX, 48(AX)
	MOVQ	const_vmSavedR12(R15), BX
	MOVQ	BX, 56(AX)
	MOVQ	const_vmSavedR13(R15), BX
	MOVQ	BX, 64(AX)
	MOVQ	const_vmSavedR14(R15), BX
	MOVQ	BX, 72(AX)
	MOVQ	const_vmG(R15), BX
	MOVQ	BX, 80(AX)

	MOVQ	SP, const_vmGoSP(R15)
	MOVQ	BP, const_vmGoBP(R15)
	PUBLISH_G
	MOVQ	$0, const_vmExitSP(R15)
	MOVL	$0, const_vmExitCode(R15)
	LEAQ	-8(AX), BX
	MOVQ	BX, const_vmEntrySP(R15)
	MOVQ	AX, SP
	CALL	R11

	// Back from the entry stub (RET) or from a runtime stub (which set SP
	// to EntrySP and RET). R15 is the vmctx again: generated code keeps it
	// and the stubs run with it.
returned:
	MOVQ	const_vmGoSP(R15), AX
	MOVQ	const_vmGoBP(R15), CX
	// A host-call or preemption exit parks the activation: its frames
	// and any block stay on the native stack until resume continues it.
	CMPQ	const_vmExitSP(R15), $0
	JNE	out
	// The outermost activation has no block.
	CMPQ	SP, const_vmStackTop(R15)
	JEQ	out
	MOVQ	0(SP), BX
	MOVQ	BX, const_vmGoSP(R15)
	MOVQ	8(SP), BX
	MOVQ	BX, const_vmGoBP(R15)
	MOVQ	16(SP), BX
	MOVQ	BX, const_vmEntrySP(R15)
	MOVQ	24(SP), BX
	MOVQ	BX, const_vmExitSP(R15)
	MOVQ	32(SP), BX
	MOVQ	BX, const_vmResumePC(R15)
	MOVQ	40(SP), BX
	MOVQ	BX, const_vmSavedRBX(R15)
	MOVQ	48(SP), BX
	MOVQ	BX, const_vmSavedRBP(R15)
	MOVQ	56(SP), BX
	MOVQ	BX, const_vmSavedR12(R15)
	MOVQ	64(SP), BX
	MOVQ	BX, const_vmSavedR13(R15)
	MOVQ	72(SP), BX
	MOVQ	BX, const_vmSavedR14(R15)
	MOVQ	80(SP), BX
	MOVQ	BX, const_vmG(R15)
out:
	MOVQ	AX, SP
	MOVQ	CX, BP
	RET

// func resume(vmctx uintptr)
// The activation's eventual return to the trampoline above restores this
// frame's SP and BP and returns to resume's caller.
TEXT ·resume(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ	vmctx+0(FP), R15
	MOVQ	(TLS), R12
	MOVQ	R12, const_vmG(R15)
	MOVQ	SP, const_vmGoSP(R15)
	MOVQ	BP, const_vmGoBP(R15)
	MOVL	$0, const_vmExitCode(R15)
	MOVQ	const_vmResumePC(R15), R11
	MOVQ	const_vmExitSP(R15), SP
	MOVQ	$0, const_vmExitSP(R15)
	MOVQ	const_vmSavedRBX(R15), BX
	MOVQ	const_vmSavedRBP(R15), BP
	MOVQ	const_vmSavedR12(R15), R12
	MOVQ	const_vmSavedR13(R15), R13
	MOVQ	const_vmSavedR14(R15), R14
	JMP	R11

// func getg() uintptr
TEXT ·getg(SB), NOSPLIT, $0-8
	MOVQ	(TLS), AX
	MOVQ	AX, ret+0(FP)
	RET

// func currentG() uintptr
TEXT ·currentG(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ	(TLS), AX
	MOVQ	AX, ret+0(FP)
	RET
