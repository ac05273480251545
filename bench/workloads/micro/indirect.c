// indirect: calls through a table of function pointers chosen at run time
// (call_indirect in wasm, with its signature check).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint32_t (*op)(uint32_t, uint32_t);

static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_sub(uint32_t a, uint32_t b) { return a - b; }
static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ b; }
static uint32_t op_mul(uint32_t a, uint32_t b) { return a * (b | 1); }
static uint32_t op_rol(uint32_t a, uint32_t b) { return (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)); }
static uint32_t op_and(uint32_t a, uint32_t b) { return a & (b | 0x0f0f0f0f); }
static uint32_t op_or(uint32_t a, uint32_t b) { return a | (b & 0xf0f0f0f0); }
static uint32_t op_shr(uint32_t a, uint32_t b) { return a >> (b & 7); }

// volatile keeps the compiler from proving which function is called.
static op volatile table[8] = {op_add, op_sub, op_xor, op_mul, op_rol, op_and, op_or, op_shr};

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 50000000;
	uint32_t acc = 1, x = 88172645u;
	for (long i = 0; i < n; i++) {
		x = x * 1664525u + 1013904223u;
		acc = table[x >> 29](acc, x) + 1;
	}
	printf("calls %ld acc %u\n", n, acc);
	return 0;
}
