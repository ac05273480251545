// randmem: random read-modify-write over 64 MiB: cache and TLB misses, and
// the cost of each engine's bounds checking on loads and stores.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define WORDS (16 << 20) // 64 MiB of uint32

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 10000000;
	uint32_t *m = calloc(WORDS, sizeof *m);
	if (!m)
		return 1;
	uint32_t x = 2463534242u, sum = 0;
	for (long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		uint32_t j = x & (WORDS - 1);
		m[j] += x;
		sum += m[(j * 31) & (WORDS - 1)];
	}
	printf("ops %ld sum %u\n", n, sum);
	return 0;
}
