// wasi_host.c: main() and the WASI preview1 subset that C programs built
// with wasi-libc import, for modules translated by wabt's wasm2c with
// `-n prog`. Stdio only: there are no preopened directories, so every path
// call fails with ENOTCAPABLE, as it would under any WASI host given no
// --dir. Guest pointers are bounds-checked against the linear memory.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "prog.h"
#include "wasm-rt-impl.h"

enum {
	ERRNO_SUCCESS = 0,
	ERRNO_BADF = 8,
	ERRNO_FAULT = 21,
	ERRNO_INVAL = 28,
	ERRNO_IO = 29,
	ERRNO_NOSYS = 52,
	ERRNO_SPIPE = 70,
	ERRNO_NOTCAPABLE = 76,
};

struct Z_wasi_snapshot_preview1_instance_t {
	wasm_rt_memory_t *mem;
	int argc;
	char **argv;
};

static u32 wasi_errno(int e) {
	switch (e) {
	case EBADF: return ERRNO_BADF;
	case EINVAL: return ERRNO_INVAL;
	case ESPIPE: return ERRNO_SPIPE;
	case EFAULT: return ERRNO_FAULT;
	default: return ERRNO_IO;
	}
}

// mem returns a host pointer to [off, off+len) or NULL when out of bounds.
static u8 *mem(struct Z_wasi_snapshot_preview1_instance_t *w, u32 off, u64 len) {
	if ((u64)off + len > w->mem->size)
		return NULL;
	return w->mem->data + off;
}

static int put32(struct Z_wasi_snapshot_preview1_instance_t *w, u32 off, u32 v) {
	u8 *p = mem(w, off, 4);
	if (p)
		memcpy(p, &v, 4);
	return p != NULL;
}

static int put64(struct Z_wasi_snapshot_preview1_instance_t *w, u32 off, u64 v) {
	u8 *p = mem(w, off, 8);
	if (p)
		memcpy(p, &v, 8);
	return p != NULL;
}

u32 Z_wasi_snapshot_preview1Z_args_sizes_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 argc, u32 size) {
	u32 n = 0;
	for (int i = 0; i < w->argc; i++)
		n += strlen(w->argv[i]) + 1;
	return put32(w, argc, w->argc) && put32(w, size, n) ? ERRNO_SUCCESS : ERRNO_FAULT;
}

u32 Z_wasi_snapshot_preview1Z_args_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 argv, u32 buf) {
	for (int i = 0; i < w->argc; i++) {
		size_t n = strlen(w->argv[i]) + 1;
		u8 *dst = mem(w, buf, n);
		if (!dst || !put32(w, argv + 4 * i, buf))
			return ERRNO_FAULT;
		memcpy(dst, w->argv[i], n);
		buf += n;
	}
	return ERRNO_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_environ_sizes_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 count, u32 size) {
	return put32(w, count, 0) && put32(w, size, 0) ? ERRNO_SUCCESS : ERRNO_FAULT;
}

u32 Z_wasi_snapshot_preview1Z_environ_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 env, u32 buf) {
	(void)w, (void)env, (void)buf;
	return ERRNO_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_clock_time_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 id, u64 precision, u32 out) {
	(void)precision;
	struct timespec ts;
	clockid_t c;
	switch (id) {
	case 0: c = CLOCK_REALTIME; break;
	case 1: c = CLOCK_MONOTONIC; break;
	case 2: c = CLOCK_PROCESS_CPUTIME_ID; break;
	case 3: c = CLOCK_THREAD_CPUTIME_ID; break;
	default: return ERRNO_INVAL;
	}
	if (clock_gettime(c, &ts) != 0)
		return wasi_errno(errno);
	return put64(w, out, (u64)ts.tv_sec * 1000000000u + (u64)ts.tv_nsec) ? ERRNO_SUCCESS : ERRNO_FAULT;
}

u32 Z_wasi_snapshot_preview1Z_fd_close(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd) {
	(void)w;
	return close((int)fd) == 0 ? ERRNO_SUCCESS : wasi_errno(errno);
}

u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 out) {
	struct stat st;
	if (fstat((int)fd, &st) != 0)
		return wasi_errno(errno);
	u8 *p = mem(w, out, 24);
	if (!p)
		return ERRNO_FAULT;
	memset(p, 0, 24);
	// filetype: 2 character device, 4 regular file, 6 socket stream, 0 unknown.
	p[0] = S_ISREG(st.st_mode) ? 4 : S_ISCHR(st.st_mode) ? 2 : S_ISSOCK(st.st_mode) ? 6 : 0;
	u64 all = ~(u64)0;
	memcpy(p + 8, &all, 8);
	memcpy(p + 16, &all, 8);
	return ERRNO_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_fdstat_set_flags(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 flags) {
	(void)w, (void)fd, (void)flags;
	return ERRNO_NOSYS;
}

u32 Z_wasi_snapshot_preview1Z_fd_prestat_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 out) {
	(void)w, (void)fd, (void)out;
	return ERRNO_BADF; // no preopened directories
}

u32 Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 buf, u32 len) {
	(void)w, (void)fd, (void)buf, (void)len;
	return ERRNO_BADF;
}

// iovecs converts guest iovecs (pairs of u32 base, u32 length).
static int iovecs(struct Z_wasi_snapshot_preview1_instance_t *w, u32 iovs, u32 n, struct iovec *out) {
	if (n > 1024)
		return 0;
	for (u32 i = 0; i < n; i++) {
		u32 base, len;
		u8 *e = mem(w, iovs + 8 * i, 8);
		if (!e)
			return 0;
		memcpy(&base, e, 4);
		memcpy(&len, e + 4, 4);
		if (!(out[i].iov_base = mem(w, base, len)))
			return 0;
		out[i].iov_len = len;
	}
	return 1;
}

u32 Z_wasi_snapshot_preview1Z_fd_read(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 iovs, u32 n, u32 nread) {
	struct iovec v[1024];
	if (!iovecs(w, iovs, n, v))
		return ERRNO_FAULT;
	ssize_t got = readv((int)fd, v, (int)n);
	if (got < 0)
		return wasi_errno(errno);
	return put32(w, nread, (u32)got) ? ERRNO_SUCCESS : ERRNO_FAULT;
}

u32 Z_wasi_snapshot_preview1Z_fd_write(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 iovs, u32 n, u32 nwritten) {
	struct iovec v[1024];
	if (!iovecs(w, iovs, n, v))
		return ERRNO_FAULT;
	ssize_t put = writev((int)fd, v, (int)n);
	if (put < 0)
		return wasi_errno(errno);
	return put32(w, nwritten, (u32)put) ? ERRNO_SUCCESS : ERRNO_FAULT;
}

u32 Z_wasi_snapshot_preview1Z_fd_seek(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u64 off, u32 whence, u32 out) {
	if (whence > 2)
		return ERRNO_INVAL;
	// WASI's whence values (set, cur, end) equal Linux's.
	off_t r = lseek((int)fd, (off_t)off, (int)whence);
	if (r < 0)
		return wasi_errno(errno);
	return put64(w, out, (u64)r) ? ERRNO_SUCCESS : ERRNO_FAULT;
}

u32 Z_wasi_snapshot_preview1Z_fd_tell(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 out) {
	return Z_wasi_snapshot_preview1Z_fd_seek(w, fd, 0, 1, out);
}

u32 Z_wasi_snapshot_preview1Z_fd_renumber(struct Z_wasi_snapshot_preview1_instance_t *w, u32 from, u32 to) {
	(void)w;
	if (dup2((int)from, (int)to) < 0)
		return wasi_errno(errno);
	close((int)from);
	return ERRNO_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_path_open(struct Z_wasi_snapshot_preview1_instance_t *w, u32 a, u32 b, u32 c, u32 d, u32 e, u64 f, u64 g, u32 h, u32 i) {
	(void)w, (void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g, (void)h, (void)i;
	return ERRNO_NOTCAPABLE;
}

u32 Z_wasi_snapshot_preview1Z_path_filestat_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 a, u32 b, u32 c, u32 d, u32 e) {
	(void)w, (void)a, (void)b, (void)c, (void)d, (void)e;
	return ERRNO_NOTCAPABLE;
}

u32 Z_wasi_snapshot_preview1Z_path_filestat_set_times(struct Z_wasi_snapshot_preview1_instance_t *w, u32 a, u32 b, u32 c, u32 d, u64 e, u64 f, u32 g) {
	(void)w, (void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g;
	return ERRNO_NOTCAPABLE;
}

u32 Z_wasi_snapshot_preview1Z_path_remove_directory(struct Z_wasi_snapshot_preview1_instance_t *w, u32 a, u32 b, u32 c) {
	(void)w, (void)a, (void)b, (void)c;
	return ERRNO_NOTCAPABLE;
}

u32 Z_wasi_snapshot_preview1Z_path_unlink_file(struct Z_wasi_snapshot_preview1_instance_t *w, u32 a, u32 b, u32 c) {
	(void)w, (void)a, (void)b, (void)c;
	return ERRNO_NOTCAPABLE;
}

u32 Z_wasi_snapshot_preview1Z_path_rename(struct Z_wasi_snapshot_preview1_instance_t *w, u32 a, u32 b, u32 c, u32 d, u32 e, u32 f) {
	(void)w, (void)a, (void)b, (void)c, (void)d, (void)e, (void)f;
	return ERRNO_NOTCAPABLE;
}

void Z_wasi_snapshot_preview1Z_proc_exit(struct Z_wasi_snapshot_preview1_instance_t *w, u32 code) {
	(void)w;
	exit((int)code);
}

int main(int argc, char **argv) {
	static Z_prog_instance_t inst;
	static struct Z_wasi_snapshot_preview1_instance_t wasi;
	wasi.argc = argc;
	wasi.argv = argv;
	wasm_rt_init();
	Z_prog_init_module();
	Z_prog_instantiate(&inst, &wasi);
	wasi.mem = Z_progZ_memory(&inst);
	wasm_rt_trap_t trap = wasm_rt_impl_try();
	if (trap != WASM_RT_TRAP_NONE) {
		fprintf(stderr, "wasm trap: %s\n", wasm_rt_strerror(trap));
		return 134;
	}
	Z_progZ__start(&inst);
	return 0;
}
