#include "textflag.h"

// func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL subleaf+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv0() (eax, edx uint32)
TEXT ·xgetbv0(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// func lzcnt32(x uint32) uint32
// CPUs without LZCNT execute its encoding as BSR, so the result tells
// whether the instruction exists; the tests use it to check detection.
TEXT ·lzcnt32(SB), NOSPLIT, $0-12
	MOVL x+0(FP), AX
	LZCNTL AX, AX
	MOVL AX, ret+8(FP)
	RET
