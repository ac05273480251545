#include "check.h"

int main(int argc, char **argv) {
	for (int i = 0; i < argc; i++)
		printf("arg %d: %s\n", i, argv[i]);
	CHECK(argc == 4);
	CHECK(strcmp(argv[2], "with space") == 0);
	CHECK(strcmp(argv[3], "") == 0);
	const char *v = getenv("GREETING");
	CHECK(v != NULL && strcmp(v, "hello=world") == 0);
	CHECK(getenv("EMPTY") != NULL && getenv("EMPTY")[0] == 0);
	CHECK(getenv("MISSING") == NULL);
	printf("done\n");
	return 0;
}
