// cat: copies stdin to stdout in 64 KiB blocks: fd_read/fd_write throughput.
#include <stdio.h>
#include <unistd.h>

static char buf[1 << 16];

int main(void) {
	ssize_t n;
	while ((n = read(0, buf, sizeof buf)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(1, buf + off, (size_t)(n - off));
			if (w <= 0)
				return 1;
			off += w;
		}
	}
	return n < 0 ? 1 : 0;
}
