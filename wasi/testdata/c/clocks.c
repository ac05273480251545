/* Clocks, sleeping, and randomness. */
#include "check.h"
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
	struct timespec a, b, r;
	CHECK(clock_gettime(CLOCK_REALTIME, &a) == 0 && a.tv_sec > 1600000000);
	CHECK(time(NULL) >= a.tv_sec);
	CHECK(clock_getres(CLOCK_REALTIME, &r) == 0 && ns(r) > 0);
	CHECK(clock_getres(CLOCK_MONOTONIC, &r) == 0 && ns(r) > 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	struct timespec d = {.tv_nsec = 20000000};
	CHECK(nanosleep(&d, NULL) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
	CHECK(ns(b) - ns(a) >= 20000000);
	CHECK(usleep(1000) == 0);

	/* absolute sleep: TIMER_ABSTIME maps to an abstime clock subscription */
	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	struct timespec until = a;
	until.tv_nsec += 15000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0 && ns(b) >= ns(until));

	CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a) == 0);
	volatile unsigned x = 0;
	for (unsigned i = 0; i < 3000000; i++)
		x += i * i;
	CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b) == 0 && ns(b) > ns(a));
	CHECK(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b) == 0 && ns(b) > 0);

	unsigned char r1[64], r2[64];
	CHECK(getentropy(r1, sizeof r1) == 0 && getentropy(r2, sizeof r2) == 0);
	CHECK(memcmp(r1, r2, sizeof r1) != 0);
	printf("done\n");
	return 0;
}
