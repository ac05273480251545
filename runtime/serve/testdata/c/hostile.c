// hostile misbehaves in the way PATH_INFO names, for the isolation tests.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char head[] = "Content-Type: text/plain\n\n";

// deep recurses until the native stack runs out. The call goes through a
// volatile pointer so that the compiler cannot turn it into a loop, and no
// local lives in linear memory, so the shadow stack stays put.
static int deep(int n);
static int (*volatile deepp)(int) = deep;
static int deep(int n) {
	if (n < 0) return 0; // never: n only grows until the stack is gone
	return deepp(n + 1) ^ n;
}

int main(void) {
	const char *p = getenv("PATH_INFO");
	if (!p) p = "";
	if (strcmp(p, "/loop") == 0) {
		volatile unsigned long i = 0;
		for (;;) i++;
	}
	if (strcmp(p, "/oob") == 0) {
		*(volatile int *)0xfffffff0u = 1;
	}
	if (strcmp(p, "/stack") == 0) {
		return deep(0);
	}
	if (strcmp(p, "/grow") == 0) {
		// Grow to the cap, touch every page, then give up.
		while (__builtin_wasm_memory_grow(0, 16) != (size_t)-1) {
			size_t pages = __builtin_wasm_memory_size(0);
			((volatile char *)0)[pages * 65536 - 1] = 1;
		}
		abort();
	}
	if (strcmp(p, "/flood") == 0) {
		// 100 MiB, far over any response limit.
		static char buf[65536];
		memset(buf, 'x', sizeof buf);
		write(1, head, sizeof head - 1);
		for (int i = 0; i < 1600; i++) write(1, buf, sizeof buf);
		return 0;
	}
	if (strcmp(p, "/read") == 0) {
		// Waits for the whole body, which a stalled client never sends.
		char buf[4096];
		long n = 0;
		ssize_t r;
		while ((r = read(0, buf, sizeof buf)) > 0) n += r;
		printf("%sread %ld bytes\n", head, n);
		return 0;
	}
	if (strcmp(p, "/cut") == 0 || strcmp(p, "/early") == 0) {
		// The status goes out (forced by more body than a server holds
		// back), then a trap: the response must be cut, not completed.
		// With only a little output, nothing went out yet and the trap
		// gets its error status.
		static char part[80 << 10];
		memset(part, 'p', sizeof part);
		write(1, head, sizeof head - 1);
		write(1, part, strcmp(p, "/cut") == 0 ? sizeof part : 8);
		*(volatile int *)0xfffffff0u = 1;
	}
	if (strcmp(p, "/exit") == 0) {
		fprintf(stderr, "hostile: giving up\n");
		exit(3);
	}
	if (strcmp(p, "/garbage") == 0) {
		printf("this is not a CGI header\n\n");
		return 0;
	}
	printf("%sunknown behaviour %s\n", head, p);
	return 0;
}
