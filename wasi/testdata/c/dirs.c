/* Directories: mkdir, rmdir, rename, relative paths through chdir. */
#include "check.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
	struct stat st;
	CHECK(mkdir("/sandbox/d1", 0755) == 0);
	CHECK_ERR(mkdir("/sandbox/d1", 0755), EEXIST);
	CHECK(mkdir("/sandbox/d1/d2/", 0755) == 0);
	CHECK_ERR(mkdir("/sandbox/nope/d3", 0755), ENOENT);
	int fd = open("/sandbox/d1/d2/f", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && close(fd) == 0);
	CHECK_ERR(rmdir("/sandbox/d1"), ENOTEMPTY);
	CHECK_ERR(rmdir("/sandbox/d1/d2/f"), ENOTDIR);
	CHECK_ERR(unlink("/sandbox/d1/d2"), EISDIR);
	CHECK_ERR(unlink("/sandbox/d1/d2/f/"), ENOTDIR);
	CHECK(rename("/sandbox/d1/d2/f", "/sandbox/d1/g") == 0);
	CHECK_ERR(stat("/sandbox/d1/d2/f", &st), ENOENT);
	CHECK(stat("/sandbox/d1/g", &st) == 0 && S_ISREG(st.st_mode));
	CHECK(rename("/sandbox/d1/d2", "/sandbox/d1/d3") == 0);
	CHECK(stat("/sandbox/d1/d3", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_ERR(rename("/sandbox/d1/d3", "/sandbox/d1/g"), ENOTDIR);
	CHECK_ERR(rename("/sandbox/d1/g", "/sandbox/d1/d3"), EISDIR);
	CHECK(chdir("/sandbox/d1") == 0);
	CHECK(stat("g", &st) == 0 && S_ISREG(st.st_mode));
	CHECK(stat("./d3/../g", &st) == 0);
	CHECK(unlink("g") == 0);
	CHECK(rmdir("d3") == 0);
	CHECK(chdir("/sandbox") == 0);
	CHECK(rmdir("d1") == 0);
	CHECK_ERR(rmdir("d1"), ENOENT);
	CHECK(stat("sub", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(stat("sub/", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_ERR(stat("hello.txt/", &st), ENOTDIR);
	printf("done\n");
	return 0;
}
