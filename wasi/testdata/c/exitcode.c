/* Exit status: exit(n) with n from argv[1], or return from main. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
	printf("exiting with %s\n", argc > 1 ? argv[1] : "return 7");
	fflush(stdout);
	if (argc > 1)
		exit(atoi(argv[1]));
	return 7;
}
