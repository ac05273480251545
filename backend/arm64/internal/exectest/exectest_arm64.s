// A minimal harness that runs generated code in tests of backend/arm64,
// standing in for the runtime: it enters with the vmctx in x26 on a
// native stack, and turns the trap, preempt and host-call stubs into
// returns. It uses vmctx header words 136-176 and 216 as scratch.

#include "textflag.h"

// func Call(entry, vmctx, stack uintptr) uint64
TEXT ·Call(SB), NOSPLIT|NOFRAME, $0-32
	MOVD	entry+0(FP), R0
	MOVD	vmctx+8(FP), R1
	MOVD	stack+16(FP), R2
	MOVD	RSP, R3
	MOVD	R3, 136(R1)
	MOVD	R29, 144(R1)
	MOVD	R30, 152(R1)
	MOVD	R26, 160(R1)
	MOVD	R1, R26
	MOVD	R2, RSP
	CALL	(R0)
	MOVD	136(R26), R3
	MOVD	R3, RSP
	MOVD	144(R26), R29
	MOVD	152(R26), R30
	MOVD	160(R26), R26
	MOVD	ZR, ret+24(FP)
	RET

// leave returns from callNative with the exit code in R0.
// The native x29 is kept at 176 for inspection.
TEXT leave<>(SB), NOSPLIT|NOFRAME, $0
	MOVD	R29, 176(R26)
	MOVD	136(R26), R3
	MOVD	R3, RSP
	MOVD	144(R26), R29
	MOVD	152(R26), R30
	MOVD	160(R26), R26
	MOVD	R0, 32(RSP)
	RET

// Entered by a jump with the trap PC in x16.
TEXT ·trapStub(SB), NOSPLIT|NOFRAME, $0
	MOVD	R16, 216(R26)
	MOVD	$1, R0
	B	leave<>(SB)

// Entered by a jump with the resume PC in x16.
TEXT ·preemptStub(SB), NOSPLIT|NOFRAME, $0
	MOVD	R16, 168(R26)
	MOVD	$2, R0
	B	leave<>(SB)

TEXT ·hostCallStub(SB), NOSPLIT|NOFRAME, $0
	MOVD	R16, 168(R26)
	MOVD	$3, R0
	B	leave<>(SB)

// func StubAddrs() (trap, preempt, host uintptr)
TEXT ·StubAddrs(SB), NOSPLIT, $0-24
	MOVD	$·trapStub(SB), R0
	MOVD	R0, trap+0(FP)
	MOVD	$·preemptStub(SB), R0
	MOVD	R0, preempt+8(FP)
	MOVD	$·hostCallStub(SB), R0
	MOVD	R0, host+16(FP)
	RET
