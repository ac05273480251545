// foreign imports a function no WASI host provides, as programs built for a
// JavaScript embedding do, and calls it only on /call.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((import_module("host"), import_name("missing"))) int missing(int);

int main(void) {
	const char *p = getenv("PATH_INFO");
	if (p && strcmp(p, "/call") == 0) {
		return missing(1);
	}
	printf("Content-Type: text/plain\n\nno foreign call\n");
	return 0;
}
