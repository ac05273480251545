// call_indirect through a table of eight functions, the callee chosen by the data:
// indirect branches, signature checks and call overhead.
#include "kernel.h"

#define NOINLINE __attribute__((noinline))

NOINLINE static u64 op0(u64 a, u64 b) { return a + b; }
NOINLINE static u64 op1(u64 a, u64 b) { return a ^ (b * 0x9E3779B97F4A7C15ull); }
NOINLINE static u64 op2(u64 a, u64 b) { return rotl64(a, (u32)b); }
NOINLINE static u64 op3(u64 a, u64 b) { return a * 0xFF51AFD7ED558CCDull + 1; }
NOINLINE static u64 op4(u64 a, u64 b) { return a - (b << 3); }
NOINLINE static u64 op5(u64 a, u64 b) { return (a >> 7) ^ a ^ b; }
NOINLINE static u64 op6(u64 a, u64 b) { return a * 5 + b; }
NOINLINE static u64 op7(u64 a, u64 b) { return ~a + b; }

static u64 (*ops[8])(u64, u64) = {op0, op1, op2, op3, op4, op5, op6, op7};

EXPORT("run") u64 run(u32 n) {
	u64 x = 1;
	for (u32 i = 0; i < n; i++)
		x = ops[(x ^ x >> 29 ^ i) & 7](x, i);
	return x;
}
