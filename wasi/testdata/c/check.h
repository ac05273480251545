/* Tiny check helpers shared by the WASI test programs: every check prints
 * one line, the first failure exits with status 1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                         \
	do {                                                                    \
		if (!(cond)) {                                                      \
			printf("FAIL %s:%d: %s (errno %d: %s)\n", __FILE__, __LINE__,  \
			       #cond, errno, strerror(errno));                         \
			exit(1);                                                        \
		}                                                                   \
		printf("ok %s\n", #cond);                                           \
	} while (0)

/* CHECK_ERR expects expr to fail (return -1 or NULL-ish 0 when ptr) with
 * errno e. */
#define CHECK_ERR(expr, e)                                                  \
	do {                                                                    \
		errno = 0;                                                          \
		long r_ = (long)(expr);                                             \
		if (r_ != -1 || errno != (e)) {                                     \
			printf("FAIL %s:%d: %s = %ld errno %d (%s), want %s\n",         \
			       __FILE__, __LINE__, #expr, r_, errno, strerror(errno),  \
			       #e);                                                     \
			exit(1);                                                        \
		}                                                                   \
		printf("ok %s fails with %s\n", #expr, #e);                         \
	} while (0)
