// env prints its environment and the length of its standard input, one
// "NAME=value" per line, for the handler contract's tests.
#include <stdio.h>
#include <unistd.h>

extern char **environ;

int main(void) {
	char buf[4096];
	long body = 0;
	ssize_t r;
	while ((r = read(0, buf, sizeof buf)) > 0) body += r;
	fprintf(stderr, "env: read %ld bytes\n", body);
	printf("Status: 201 Created\nContent-Type: text/plain\nX-Program: env\n\n");
	for (char **e = environ; *e; e++) printf("%s\n", *e);
	printf("BODY=%ld\n", body);
	return 0;
}
