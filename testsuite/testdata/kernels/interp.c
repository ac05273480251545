// A register bytecode VM with a dense switch (a br_table) dispatching every instruction.
// The program computes acc = acc*31 + ((i*i ^ i>>3) & 0xffff) for i in [0, n).
#include "kernel.h"

enum { HALT, LOADI, MOV, ADD, SUB, MUL, AND, OR, XOR, SHL, SHR, INC, JLT, JMP, NOP, NEG };

// Each instruction is op, a, b, c; LOADI sets r[a] = b | c<<8, JLT jumps to c if r[a] < r[b].
static unsigned char prog[] = {
	LOADI, 0, 0, 0,    // r0 = i = 0
	LOADI, 2, 0, 0,    // r2 = acc = 0
	LOADI, 3, 31, 0,   // r3 = 31
	LOADI, 4, 3, 0,    // r4 = 3
	LOADI, 5, 255, 255, // r5 = 0xffff
	MUL, 6, 0, 0,      // 5: r6 = i*i
	SHR, 7, 0, 4,      // r7 = i >> 3
	XOR, 6, 6, 7,      // r6 ^= r7
	AND, 6, 6, 5,      // r6 &= 0xffff
	MUL, 2, 2, 3,      // acc *= 31
	ADD, 2, 2, 6,      // acc += r6
	NOP, 0, 0, 0,
	INC, 0, 0, 0,      // i++
	JLT, 0, 1, 5,      // if i < n goto 5 (instruction index)
	HALT, 2, 0, 0,
};

static u64 exec(const unsigned char *p, u64 n) {
	u64 r[8] = {0, n};
	u32 pc = 0;
	for (;;) {
		const unsigned char *in = p + 4 * pc++;
		u32 a = in[1], b = in[2], c = in[3];
		switch (in[0]) {
		case HALT: return r[a];
		case LOADI: r[a] = b | c << 8; break;
		case MOV: r[a] = r[b]; break;
		case ADD: r[a] = r[b] + r[c]; break;
		case SUB: r[a] = r[b] - r[c]; break;
		case MUL: r[a] = r[b] * r[c]; break;
		case AND: r[a] = r[b] & r[c]; break;
		case OR: r[a] = r[b] | r[c]; break;
		case XOR: r[a] = r[b] ^ r[c]; break;
		case SHL: r[a] = r[b] << (r[c] & 63); break;
		case SHR: r[a] = r[b] >> (r[c] & 63); break;
		case INC: r[a]++; break;
		case JLT: if (r[a] < r[b]) pc = c; break;
		case JMP: pc = c; break;
		case NOP: break;
		case NEG: r[a] = -r[b]; break;
		default: __builtin_trap();
		}
	}
}

EXPORT("run") u64 run(u32 n) { return exec(prog, n); }
