/* poll() and select() over stdin, files and timeouts (poll_oneoff). */
#include "check.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

static long long mono(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
	long long t0 = mono();
	CHECK(poll(NULL, 0, 30) == 0);
	CHECK(mono() - t0 >= 30000000);

	int fd = open("/sandbox/hello.txt", O_RDONLY);
	CHECK(fd >= 0);
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
	CHECK(poll(p, 2, -1) == 2);
	CHECK((p[0].revents & POLLIN) != 0 && (p[1].revents & POLLIN) != 0);
	char buf[16];
	CHECK(read(0, buf, sizeof buf) == 5 && memcmp(buf, "input", 5) == 0);

	struct pollfd w = {.fd = 1, .events = POLLOUT};
	CHECK(poll(&w, 1, 1000) == 1 && (w.revents & POLLOUT) != 0);

	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	struct timeval tv = {.tv_sec = 1};
	CHECK(select(fd + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(fd, &rd));
	struct timeval short_tv = {.tv_usec = 20000};
	t0 = mono();
	CHECK(select(0, NULL, NULL, NULL, &short_tv) == 0);
	CHECK(mono() - t0 >= 20000000);

	struct pollfd bad = {.fd = 99, .events = POLLIN};
	CHECK(poll(&bad, 1, 0) == 1 && (bad.revents & POLLNVAL) != 0);
	CHECK(close(fd) == 0);
	printf("done\n");
	return 0;
}
