#include "go_asm.h"
#include "textflag.h"

// The trampolines between Go and native code on arm64 (docs/abi.md). Native
// code runs with R26 = vmctx and R28 = g (Go's signal entry reads it, so
// native code never changes it), on the instance's native stack. enter and
// resume have the same frame ($16), so that when the activation returns
// into enter's code below, restoring the Go SP and FP recorded by
// whichever of the two started the last stretch of native code returns to
// that one's caller.

// A nested enter (a host function calling back in while an exit is parked)
// keeps the parked activation's state in a block on the native stack,
// below the parked frames: Go SP and FP, entry SP, exit SP, resume PC, the
// 20 saved registers (x19-x28, fp, lr, d8-d15) and g.
#define BLOCK 208

// func enter(vmctx, pc uintptr)
TEXT ·enter(SB), NOSPLIT, $16-16
	MOVD	vmctx+0(FP), R26
	MOVD	pc+8(FP), R16

	MOVD	const_vmExitSP(R26), R0
	CBNZ	R0, nested
	// Outermost activation: start at the top of the stack.
	MOVD	const_vmStackTop(R26), R0
	B	start

nested:
	// Start below the parked exit's frames, keeping its state.
	AND	$~15, R0
	SUB	$BLOCK, R0
	MOVD	const_vmGoSP(R26), R1
	MOVD	const_vmGoBP(R26), R2
	STP	(R1, R2), 0(R0)
	MOVD	const_vmEntrySP(R26), R1
	MOVD	const_vmExitSP(R26), R2
	STP	(R1, R2), 16(R0)
	MOVD	const_vmResumePC(R26), R1
	MOVD	const_vmG(R26), R2
	STP	(R1, R2), 32(R0)
	ADD	$const_vmSavedX19, R26, R3
	ADD	$48, R0, R4
	MOVD	$10, R5
copyout:
	LDP	(R3), (R6, R7)
	STP	(R6, R7), (R4)
	ADD	$16, R3
	ADD	$16, R4
	SUB	$1, R5
	CBNZ	R5, copyout
	MOVD	ZR, const_vmExitSP(R26)

start:
	// R0 = the stack address to start below.
	MOVD	RSP, R1
	MOVD	R1, const_vmGoSP(R26)
	MOVD	R29, const_vmGoBP(R26)
	// Record g, then make a pending interrupt visible to it (see the
	// amd64 trampoline: Interrupt repeats its request if the two race).
	MOVD	g, const_vmG(R26)
	MOVWU	const_vmInterrupt(R26), R1
	CBZW	R1, nointr
	MOVD	$const_stackPreempt, R1
	MOVD	R1, const_gStackGuard0(g)
nointr:
	MOVW	ZR, const_vmExitCode(R26)
	SUB	$16, R0
	MOVD	R0, const_vmEntrySP(R26)
	MOVD	R0, RSP
	BL	callin

	// Back from the entry stub (RET) or from a runtime stub (which set SP
	// to EntrySP and jumped to the address stored there). R26 is the
	// vmctx again: generated code keeps it and the stubs run with it.
returned:
	MOVD	const_vmGoSP(R26), R0
	MOVD	const_vmGoBP(R26), R1
	// A host-call or preemption exit parks the activation: its frames and
	// any block stay on the native stack until resume continues it.
	MOVD	const_vmExitSP(R26), R2
	CBNZ	R2, out
	// The outermost activation has no block.
	MOVD	const_vmStackTop(R26), R2
	SUB	$16, R2
	MOVD	RSP, R3
	CMP	R2, R3
	BEQ	out
	ADD	$16, R3
	LDP	0(R3), (R4, R5)
	MOVD	R4, const_vmGoSP(R26)
	MOVD	R5, const_vmGoBP(R26)
	LDP	16(R3), (R4, R5)
	MOVD	R4, const_vmEntrySP(R26)
	MOVD	R5, const_vmExitSP(R26)
	LDP	32(R3), (R4, R5)
	MOVD	R4, const_vmResumePC(R26)
	MOVD	R5, const_vmG(R26)
	ADD	$48, R3, R4
	ADD	$const_vmSavedX19, R26, R5
	MOVD	$10, R6
copyin:
	LDP	(R4), (R7, R8)
	STP	(R7, R8), (R5)
	ADD	$16, R4
	ADD	$16, R5
	SUB	$1, R6
	CBNZ	R6, copyin
out:
	MOVD	R0, RSP
	MOVD	R1, R29
	RET

	// The entry stub is called with LR = returned, which is also stored
	// at the entry SP for the stubs that leave without returning.
callin:
	MOVD	R30, (RSP)
	JMP	(R16)

// func resume(vmctx uintptr)
// The activation's eventual return to enter's code restores this frame's SP
// and FP and returns to resume's caller.
TEXT ·resume(SB), NOSPLIT, $16-8
	MOVD	vmctx+0(FP), R26
	MOVD	g, const_vmG(R26)
	MOVD	RSP, R0
	MOVD	R0, const_vmGoSP(R26)
	MOVD	R29, const_vmGoBP(R26)
	MOVW	ZR, const_vmExitCode(R26)
	MOVD	const_vmResumePC(R26), R16
	MOVD	const_vmExitSP(R26), R0
	MOVD	ZR, const_vmExitSP(R26)
	ADD	$const_vmSavedX19, R26, R1
	LDP	0(R1), (R19, R20)
	LDP	16(R1), (R21, R22)
	LDP	32(R1), (R23, R24)
	MOVD	48(R1), R25
	// x26 (the vmctx) is set; x28 is this goroutine's g.
	LDP	80(R1), (R29, R30)
	FLDPD	96(R1), (F8, F9)
	FLDPD	112(R1), (F10, F11)
	FLDPD	128(R1), (F12, F13)
	FLDPD	144(R1), (F14, F15)
	MOVD	R0, RSP
	// Last: R27 is the assembler's temporary.
	MOVD	64(R1), R27
	JMP	(R16)

// func currentG() uintptr
TEXT ·currentG(SB), NOSPLIT, $0-8
	MOVD	g, R0
	MOVD	R0, ret+0(FP)
	RET

// func flushICache(b []byte)
// Clean the data cache to the point of unification and invalidate the
// instruction cache over b, by the line sizes CTR_EL0 gives (user space may
// read it on Linux), then synchronise this core's fetch.
TEXT ·flushICache(SB), NOSPLIT, $0-24
	MOVD	b_base+0(FP), R0
	MOVD	b_len+8(FP), R1
	CBZ	R1, done
	ADD	R0, R1, R1
	MRS	CTR_EL0, R2
	UBFX	$16, R2, $4, R3
	MOVD	$4, R4
	LSL	R3, R4, R3	// data cache line size
	SUB	$1, R3, R5
	BIC	R5, R0, R6
dloop:
	WORD	$0xd50b7b26	// DC CVAU, X6
	ADD	R3, R6
	CMP	R1, R6
	BLO	dloop
	WORD	$0xd5033b9f	// DSB ISH
	AND	$15, R2, R3
	MOVD	$4, R4
	LSL	R3, R4, R3	// instruction cache line size
	SUB	$1, R3, R5
	BIC	R5, R0, R6
iloop:
	WORD	$0xd50b7526	// IC IVAU, X6
	ADD	R3, R6
	CMP	R1, R6
	BLO	iloop
	WORD	$0xd5033b9f	// DSB ISH
	WORD	$0xd5033fdf	// ISB
done:
	RET
