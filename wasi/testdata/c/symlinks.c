/* Symlinks and hard links inside the sandbox. */
#include "check.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
	char buf[256];
	struct stat st;
	ssize_t n = readlink("/sandbox/link_in", buf, sizeof buf);
	CHECK(n == 9 && memcmp(buf, "hello.txt", 9) == 0);
	CHECK(readlink("/sandbox/link_in", buf, 4) == 4 && memcmp(buf, "hell", 4) == 0);
	CHECK_ERR(readlink("/sandbox/hello.txt", buf, sizeof buf), EINVAL);
	CHECK_ERR(readlink("/sandbox/none", buf, sizeof buf), ENOENT);

	CHECK(symlink("sub/inner.txt", "/sandbox/s1") == 0);
	CHECK_ERR(symlink("x", "/sandbox/s1"), EEXIST);
	CHECK(lstat("/sandbox/s1", &st) == 0 && S_ISLNK(st.st_mode));
	int fd = open("/sandbox/s1", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, buf, sizeof buf) == 6 && memcmp(buf, "inner\n", 6) == 0);
	CHECK(close(fd) == 0);
	CHECK_ERR(open("/sandbox/s1", O_RDONLY | O_NOFOLLOW), ELOOP);

	CHECK(symlink("s1", "/sandbox/s2") == 0);
	CHECK(stat("/sandbox/s2", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 6);
	CHECK(symlink("s3", "/sandbox/s3") == 0);
	CHECK_ERR(stat("/sandbox/s3", &st), ELOOP);
	CHECK(symlink("missing", "/sandbox/dangling") == 0);
	CHECK_ERR(stat("/sandbox/dangling", &st), ENOENT);
	CHECK(lstat("/sandbox/dangling", &st) == 0);
	fd = open("/sandbox/dangling", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && close(fd) == 0);
	CHECK(stat("/sandbox/missing", &st) == 0 && S_ISREG(st.st_mode));

	CHECK(symlink("sub", "/sandbox/subl") == 0);
	CHECK(stat("/sandbox/subl/inner.txt", &st) == 0);
	CHECK(unlink("/sandbox/subl") == 0);
	CHECK(stat("/sandbox/sub/inner.txt", &st) == 0);

	CHECK(link("/sandbox/hello.txt", "/sandbox/hard") == 0);
	CHECK(stat("/sandbox/hello.txt", &st) == 0 && st.st_nlink == 2);
	CHECK_ERR(link("/sandbox/hello.txt", "/sandbox/hard"), EEXIST);
	CHECK_ERR(link("/sandbox/sub", "/sandbox/hard2"), EPERM);
	CHECK(unlink("/sandbox/hard") == 0);
	CHECK(stat("/sandbox/hello.txt", &st) == 0 && st.st_nlink == 1);

	CHECK(linkat(AT_FDCWD, "/sandbox/link_in", AT_FDCWD, "/sandbox/hard_nofollow", 0) == 0);
	CHECK(lstat("/sandbox/hard_nofollow", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(linkat(AT_FDCWD, "/sandbox/link_in", AT_FDCWD, "/sandbox/hard_follow", AT_SYMLINK_FOLLOW) == 0);
	CHECK(lstat("/sandbox/hard_follow", &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 2);

	CHECK(rename("/sandbox/s1", "/sandbox/s1moved") == 0);
	CHECK(readlink("/sandbox/s1moved", buf, sizeof buf) == 13);
	CHECK(unlink("/sandbox/s1moved") == 0);
	CHECK(lstat("/sandbox/sub/inner.txt", &st) == 0);
	printf("done\n");
	return 0;
}
