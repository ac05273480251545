// memcpy: bulk copies and fills over a 16 MiB buffer (memory.copy/fill or
// libc loops, whichever the toolchain emits).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE (16 << 20)

int main(int argc, char **argv) {
	long rounds = argc > 1 ? atol(argv[1]) : 100;
	uint8_t *a = malloc(SIZE), *b = malloc(SIZE);
	if (!a || !b)
		return 1;
	memset(a, 1, SIZE);
	uint64_t sum = 0;
	for (long r = 0; r < rounds; r++) {
		memset(a + (r & 4095), (int)r, SIZE / 2);
		memcpy(b, a, SIZE);
		memmove(b + 1, b, SIZE - 1);
		sum += b[(r * 7919) % SIZE] + a[(r * 104729) % SIZE];
	}
	printf("rounds %ld sum %llu\n", rounds, (unsigned long long)sum);
	return 0;
}
