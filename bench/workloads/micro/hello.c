// hello: the smallest complete program; measures instantiate + _start + exit.
#include <stdio.h>

int main(void) {
	puts("hello, world");
	return 0;
}
