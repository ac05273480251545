/* fd_readdir through opendir/readdir: many entries with long names, so
 * the listing spans several calls and cut-off entries; rewinddir,
 * telldir/seekdir cookies. */
#include "check.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define N 300

static int count(DIR *d, unsigned char *seen) {
	int n = 0;
	struct dirent *e;
	memset(seen, 0, N);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int i;
		if (sscanf(e->d_name, "entry-with-a-rather-long-name-to-fill-buffers-%d", &i) != 1 ||
		    i < 0 || i >= N || seen[i] || e->d_type != DT_REG)
			return -1;
		seen[i] = 1;
		n++;
	}
	return n;
}

int main(void) {
	static unsigned char seen[N];
	char name[128];
	CHECK(mkdir("/sandbox/many", 0755) == 0);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "/sandbox/many/entry-with-a-rather-long-name-to-fill-buffers-%d", i);
		int fd = open(name, O_CREAT | O_WRONLY, 0644);
		if (fd < 0 || close(fd) != 0) {
			printf("FAIL create %s\n", name);
			return 1;
		}
	}
	DIR *d = opendir("/sandbox/many");
	CHECK(d != NULL);
	CHECK(count(d, seen) == N);
	rewinddir(d);
	CHECK(count(d, seen) == N);

	rewinddir(d);
	struct dirent *e;
	for (int i = 0; i < 10; i++)
		CHECK((e = readdir(d)) != NULL);
	long pos = telldir(d);
	char want[256];
	CHECK((e = readdir(d)) != NULL);
	strcpy(want, e->d_name);
	for (int i = 0; i < 50; i++)
		readdir(d);
	seekdir(d, pos);
	CHECK((e = readdir(d)) != NULL && strcmp(e->d_name, want) == 0);
	CHECK(closedir(d) == 0);

	d = opendir("/sandbox/sub");
	CHECK(d != NULL);
	int dots = 0, others = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			dots++;
		else
			others++;
	}
	CHECK(dots == 2 && others == 1);
	CHECK(closedir(d) == 0);
	CHECK(opendir("/sandbox/hello.txt") == NULL && errno == ENOTDIR);
	printf("done\n");
	return 0;
}
