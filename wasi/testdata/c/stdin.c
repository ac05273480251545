/* Copies stdin to stdout with odd-sized reads; the byte count and a
 * checksum go to stderr. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
	static char buf[7919];
	unsigned long long total = 0, sum = 0;
	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n < 0) {
			perror("read");
			return 1;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 31 + (unsigned char)buf[i];
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(1, buf + off, n - off);
			if (w <= 0) {
				perror("write");
				return 1;
			}
			off += w;
		}
		total += n;
	}
	fprintf(stderr, "%llu bytes, sum %llu\n", total, sum);
	return 0;
}
