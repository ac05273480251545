// echo answers with the request body, as JSON when the request says it is:
// the "JSON echo" route of the load benchmark.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[1 << 20];

int main(void) {
	size_t n = 0;
	for (;;) {
		ssize_t r = read(0, buf + n, sizeof buf - n);
		if (r < 0) return 1;
		if (r == 0 || n + r == sizeof buf) { n += r; break; }
		n += r;
	}
	const char *ct = getenv("CONTENT_TYPE");
	if (!ct || !*ct) ct = "application/octet-stream";
	char head[256];
	int h = 0;
	h += snprintf(head + h, sizeof head - h, "Content-Type: %.100s\nContent-Length: %zu\n\n", ct, n);
	write(1, head, h);
	for (size_t off = 0; off < n;) {
		ssize_t w = write(1, buf + off, n - off);
		if (w <= 0) return 1;
		off += w;
	}
	return 0;
}
