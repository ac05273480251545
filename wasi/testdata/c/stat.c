/* stat, fstat, lstat, fstatat and timestamps (utimensat, futimens). */
#include "check.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(void) {
	struct stat st, st2;
	CHECK(stat("/sandbox/hello.txt", &st) == 0);
	CHECK(S_ISREG(st.st_mode) && st.st_size == 12 && st.st_nlink == 1);
	CHECK(st.st_ino != 0);
	int fd = open("/sandbox/hello.txt", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(fstat(fd, &st2) == 0 && st2.st_ino == st.st_ino && st2.st_dev == st.st_dev);
	CHECK(close(fd) == 0);
	CHECK(stat("/sandbox/sub", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(stat("/sandbox", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(lstat("/sandbox/link_in", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(stat("/sandbox/link_in", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 12);
	CHECK_ERR(stat("/sandbox/nothing", &st), ENOENT);

	int dfd = open("/sandbox/sub", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK(fstatat(dfd, "inner.txt", &st, 0) == 0 && st.st_size == 6);
	/* a directory fd is a capability for what is beneath it only */
	CHECK_ERR(fstatat(dfd, "../hello.txt", &st, 0), ENOTCAPABLE);

	struct timespec ts[2] = {{.tv_sec = 1000000000, .tv_nsec = 5}, {.tv_sec = 1234567890, .tv_nsec = 123456789}};
	CHECK(utimensat(dfd, "inner.txt", ts, 0) == 0);
	CHECK(fstatat(dfd, "inner.txt", &st, 0) == 0);
	CHECK(st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 5);
	CHECK(st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 123456789);
	struct timespec omit[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_sec = 42, .tv_nsec = 0}};
	CHECK(utimensat(dfd, "inner.txt", omit, 0) == 0);
	CHECK(fstatat(dfd, "inner.txt", &st, 0) == 0 && st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 42);
	CHECK(close(dfd) == 0);

	fd = open("/sandbox/hello.txt", O_RDWR);
	CHECK(fd >= 0);
	CHECK(futimens(fd, ts) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 1234567890);
	CHECK(close(fd) == 0);

	/* lstat times of the link itself, not its target */
	CHECK(utimensat(AT_FDCWD, "/sandbox/link_in", ts, AT_SYMLINK_NOFOLLOW) == 0);
	CHECK(lstat("/sandbox/link_in", &st) == 0 && st.st_mtim.tv_sec == 1234567890);
	printf("done\n");
	return 0;
}
