// Sieve of Eratosthenes over a byte array in linear memory: strided byte stores,
// sequential byte loads. Returns the sum of the primes below n.
#include "kernel.h"

#define MAX (1 << 24)
static unsigned char composite[MAX];

EXPORT("run") u64 run(u32 n) {
	if (n > MAX)
		n = MAX;
	for (u32 i = 0; i < n; i++)
		composite[i] = 0;
	u64 sum = 0;
	for (u32 i = 2; i < n; i++) {
		if (composite[i])
			continue;
		sum += i;
		for (u64 j = (u64)i * i; j < n; j += i)
			composite[j] = 1;
	}
	return sum;
}
