// hostcall: N calls to clock_gettime, which wasi-libc forwards to the host's
// clock_time_get import: the cost of leaving guest code and coming back.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	long monotonic = 0;
	struct timespec prev = {0, 0}, now;
	for (long i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > prev.tv_sec || (now.tv_sec == prev.tv_sec && now.tv_nsec >= prev.tv_nsec))
			monotonic++;
		prev = now;
	}
	printf("calls %ld monotonic %ld\n", n, monotonic);
	return 0;
}
