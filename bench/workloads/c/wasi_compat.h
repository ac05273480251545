// Declarations for POSIX calls that bzip2.c uses only in file mode (the
// benchmarks use it as a stdin→stdout filter) and that wasi-libc lacks.
// Definitions, with system() and tmpfile() for lua's os/io libraries, are
// in wasi_compat.c; all of them fail.
#ifndef WASI_COMPAT_H
#define WASI_COMPAT_H
#ifdef __wasi__
#include <sys/types.h>
int fchmod(int fd, mode_t mode);
int fchown(int fd, uid_t uid, gid_t gid);
#endif
#endif
