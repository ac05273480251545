// stream writes a body of QUERY_STRING "n=BYTES" bytes (default 1 MiB) in
// 16 KiB pieces, each sent as the program writes it: byte i of the body is
// 'a' + i % 26.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char piece[16384];

int main(void) {
	long n = 1 << 20;
	const char *q = getenv("QUERY_STRING");
	if (q && strncmp(q, "n=", 2) == 0) n = atol(q + 2);
	char head[128];
	int h = snprintf(head, sizeof head, "Content-Type: application/octet-stream\nContent-Length: %ld\n\n", n);
	write(1, head, h);
	for (long off = 0; off < n;) {
		long k = n - off < (long)sizeof piece ? n - off : (long)sizeof piece;
		for (long i = 0; i < k; i++) piece[i] = 'a' + (off + i) % 26;
		if (write(1, piece, k) != k) return 1;
		off += k;
	}
	return 0;
}
