/* Regular files: create, write, read, seek, pread/pwrite, append,
 * truncate, allocate, sync, unlink. Runs in the preopen /sandbox. */
#include "check.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
	char buf[64];
	int fd = open("/sandbox/hello.txt", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, buf, sizeof buf) == 12);
	CHECK(memcmp(buf, "hello world\n", 12) == 0);
	CHECK(read(fd, buf, sizeof buf) == 0);
	CHECK(lseek(fd, 6, SEEK_SET) == 6);
	CHECK(read(fd, buf, 5) == 5 && memcmp(buf, "world", 5) == 0);
	CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "hello", 5) == 0);
	CHECK(lseek(fd, 0, SEEK_CUR) == 11);
	CHECK(lseek(fd, -1, SEEK_END) == 11);
	CHECK_ERR(write(fd, "x", 1), EBADF);
	CHECK_ERR(lseek(fd, -100, SEEK_SET), EINVAL);
	CHECK(close(fd) == 0);
	CHECK_ERR(close(fd), EBADF);

	fd = open("/sandbox/new.txt", O_CREAT | O_EXCL | O_RDWR, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, "abcdef", 6) == 6);
	CHECK(pwrite(fd, "XY", 2, 2) == 2);
	CHECK(lseek(fd, 0, SEEK_CUR) == 6);
	CHECK(pread(fd, buf, 6, 0) == 6 && memcmp(buf, "abXYef", 6) == 0);
	CHECK(ftruncate(fd, 3) == 0);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == 3 && S_ISREG(st.st_mode));
	CHECK(posix_fallocate(fd, 0, 100) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 100);
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0);
	CHECK(fsync(fd) == 0);
	CHECK(fdatasync(fd) == 0);
	CHECK(close(fd) == 0);
	CHECK_ERR(open("/sandbox/new.txt", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);

	fd = open("/sandbox/new.txt", O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK(write(fd, "tail", 4) == 4);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 104);
	int fl = fcntl(fd, F_GETFL);
	CHECK((fl & O_APPEND) != 0);
	CHECK(fcntl(fd, F_SETFL, fl & ~O_APPEND) == 0);
	CHECK((fcntl(fd, F_GETFL) & O_APPEND) == 0);
	CHECK(close(fd) == 0);

	fd = open("/sandbox/new.txt", O_RDWR | O_TRUNC);
	CHECK(fd >= 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
	CHECK(close(fd) == 0);

	FILE *f = fopen("/sandbox/stdio.txt", "w");
	CHECK(f != NULL);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "line %d\n", i);
	CHECK(fclose(f) == 0);
	f = fopen("/sandbox/stdio.txt", "r");
	CHECK(f != NULL);
	int n = 0, last = -1;
	while (fscanf(f, "line %d\n", &last) == 1)
		n++;
	CHECK(n == 1000 && last == 999);
	CHECK(fclose(f) == 0);

	CHECK(unlink("/sandbox/stdio.txt") == 0);
	CHECK(unlink("/sandbox/new.txt") == 0);
	CHECK_ERR(unlink("/sandbox/new.txt"), ENOENT);
	CHECK_ERR(open("/sandbox/missing", O_RDONLY), ENOENT);
	CHECK_ERR(open("/sandbox/hello.txt/x", O_RDONLY), ENOTDIR);
	CHECK_ERR(open("/sandbox/sub", O_WRONLY), EISDIR);
	fd = open("/sandbox/sub", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	CHECK_ERR(read(fd, buf, 1), EISDIR);
	CHECK(close(fd) == 0);
	CHECK_ERR(open("/sandbox/hello.txt", O_RDONLY | O_DIRECTORY), ENOTDIR);
	printf("done\n");
	return 0;
}
