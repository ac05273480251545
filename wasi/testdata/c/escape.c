/* Sandbox escapes that must fail, and refusals: read-only preopen and an
 * fd stripped of a right. No check may ever read "secret". */
#include "check.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static int no_secret(const char *path) {
	char buf[64] = {0};
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	printf("  leaked %s: %zd bytes\n", path, n);
	return strstr(buf, "secret") == NULL;
}

/* raw path_open on the preopen's fd, bypassing libc path handling */
static __wasi_errno_t raw_open(const char *path, __wasi_lookupflags_t lf) {
	__wasi_fd_t fd;
	__wasi_errno_t e = __wasi_path_open(3, lf, path, 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
	if (e == 0)
		close(fd);
	return e;
}

int main(void) {
	struct stat st;
	char buf[64];
	CHECK(no_secret("/sandbox/../outside/secret.txt"));
	CHECK(no_secret("/sandbox/sub/../../outside/secret.txt"));
	CHECK(no_secret("/sandbox/esc_abs"));
	CHECK(no_secret("/sandbox/esc_rel"));
	CHECK(no_secret("/sandbox/esc_dir/secret.txt"));
	CHECK(no_secret("/sandbox/chain1"));
	CHECK(no_secret("/outside/secret.txt"));

	CHECK(raw_open("../outside/secret.txt", 0) == __WASI_ERRNO_NOTCAPABLE);
	CHECK(raw_open("sub/../../outside/secret.txt", 0) == __WASI_ERRNO_NOTCAPABLE);
	CHECK(raw_open("/etc/passwd", 0) == __WASI_ERRNO_NOTCAPABLE);
	CHECK(raw_open("esc_abs", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW) == __WASI_ERRNO_NOTCAPABLE);
	CHECK(raw_open("esc_rel", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW) == __WASI_ERRNO_NOTCAPABLE);
	CHECK(raw_open("esc_dir/secret.txt", 0) == __WASI_ERRNO_NOTCAPABLE);
	CHECK(raw_open("chain1", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW) == __WASI_ERRNO_NOTCAPABLE);
	CHECK(raw_open("esc_abs", 0) == __WASI_ERRNO_LOOP);
	CHECK(raw_open("..", 0) == __WASI_ERRNO_NOTCAPABLE);
	CHECK(raw_open(".", 0) == 0);
	CHECK(raw_open("sub/..", 0) == 0);

	/* stat, link, rename, unlink, mkdir, symlink-follow all stay inside */
	CHECK_ERR(stat("/sandbox/esc_abs", &st), ENOTCAPABLE);
	CHECK_ERR(stat("/sandbox/esc_dir/secret.txt", &st), ENOTCAPABLE);
	CHECK(lstat("/sandbox/esc_abs", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK_ERR(linkat(AT_FDCWD, "/sandbox/esc_abs", AT_FDCWD, "/sandbox/stolen", AT_SYMLINK_FOLLOW), ENOTCAPABLE);
	CHECK_ERR(rename("/sandbox/esc_dir/secret.txt", "/sandbox/stolen"), ENOTCAPABLE);
	CHECK_ERR(unlink("/sandbox/esc_dir/secret.txt"), ENOTCAPABLE);
	CHECK_ERR(mkdir("/sandbox/esc_dir/newdir", 0755), ENOTCAPABLE);
	CHECK_ERR(symlink("x", "/sandbox/esc_dir/newlink"), ENOTCAPABLE);
	CHECK_ERR(open("/sandbox/esc_dir/created", O_CREAT | O_WRONLY, 0644), ENOTCAPABLE);
	/* links out of the preopen are not even made (as Wasmtime refuses them) */
	CHECK_ERR(symlink("../outside/secret.txt", "/sandbox/made_by_guest"), EPERM);
	CHECK_ERR(symlink("sub/../../outside/secret.txt", "/sandbox/made_by_guest"), EPERM);
	CHECK_ERR(symlink("../../outside/secret.txt", "/sandbox/sub/made_by_guest"), EPERM);
	CHECK_ERR(symlink("/etc/passwd", "/sandbox/made_by_guest"), EPERM);
	CHECK(symlink("../hello.txt", "/sandbox/sub/made_by_guest") == 0);
	CHECK(unlink("/sandbox/sub/made_by_guest") == 0);
	CHECK_ERR(truncate("/sandbox/esc_rel", 0), ENOTCAPABLE);
	struct timespec ts[2] = {{.tv_sec = 1}, {.tv_sec = 1}};
	CHECK_ERR(utimensat(AT_FDCWD, "/sandbox/esc_rel", ts, 0), ENOTCAPABLE);
	CHECK(opendir("/sandbox/esc_dir") == NULL);

	/* read-only preopen */
	int fd = open("/ro/ro.txt", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, buf, sizeof buf) == 10);
	CHECK(close(fd) == 0);
	CHECK_ERR(open("/ro/ro.txt", O_WRONLY), EROFS);
	CHECK_ERR(open("/ro/ro.txt", O_RDWR), EROFS);
	CHECK_ERR(open("/ro/new.txt", O_CREAT | O_WRONLY, 0644), EROFS);
	CHECK_ERR(open("/ro/ro.txt", O_RDONLY | O_TRUNC), EROFS);
	CHECK_ERR(unlink("/ro/ro.txt"), EROFS);
	CHECK_ERR(mkdir("/ro/d", 0755), EROFS);
	CHECK_ERR(rename("/ro/ro.txt", "/ro/x"), EROFS);
	CHECK_ERR(rename("/ro/ro.txt", "/sandbox/x"), EROFS);
	CHECK_ERR(symlink("ro.txt", "/ro/l"), EROFS);
	CHECK_ERR(link("/sandbox/hello.txt", "/ro/l"), EROFS);
	CHECK_ERR(utimensat(AT_FDCWD, "/ro/ro.txt", ts, 0), EROFS);
	fd = open("/ro/ro.txt", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERR(futimens(fd, ts), EROFS);
	CHECK(close(fd) == 0);

	/* an fd stripped of a right */
	fd = open("/sandbox/hello.txt", O_RDWR);
	CHECK(fd >= 0);
	__wasi_fdstat_t fs;
	CHECK(__wasi_fd_fdstat_get(fd, &fs) == 0 && (fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
	CHECK(__wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE, 0) == 0);
	__wasi_ciovec_t iov = {.buf = (const uint8_t *)"x", .buf_len = 1};
	__wasi_size_t nw;
	CHECK(__wasi_fd_write(fd, &iov, 1, &nw) == __WASI_ERRNO_NOTCAPABLE);
	CHECK(__wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base, 0) == __WASI_ERRNO_NOTCAPABLE);
	CHECK(read(fd, buf, 5) == 5);
	CHECK(close(fd) == 0);
	printf("done\n");
	return 0;
}
