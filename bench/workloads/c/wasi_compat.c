// Definitions for calls wasi-libc lacks; see wasi_compat.h. WASI has no
// processes, owners or permission bits: each fails the way
// C and POSIX allow.
#ifdef __wasi__
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

int fchmod(int fd, mode_t mode) {
	(void)fd, (void)mode;
	errno = ENOSYS;
	return -1;
}

int fchown(int fd, uid_t uid, gid_t gid) {
	(void)fd, (void)uid, (void)gid;
	errno = ENOSYS;
	return -1;
}

int system(const char *cmd) {
	(void)cmd;
	return 0; // "no command processor available"
}

FILE *tmpfile(void) {
	errno = ENOTSUP;
	return NULL;
}
#endif
