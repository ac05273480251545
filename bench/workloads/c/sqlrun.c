// sqlrun: executes the SQL read from stdin against an in-memory SQLite
// database and prints every result row as '|'-separated text.
//
// SQLite is built with SQLITE_OS_OTHER (no unix VFS: no mmap, locks or file
// ownership calls, which wasi-libc lacks), so this file supplies the OS layer:
// a VFS that opens no files and provides deterministic randomness and time,
// keeping outputs identical across engines.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"

static int memOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *outFlags) {
	(void)vfs, (void)name, (void)f, (void)flags, (void)outFlags;
	return SQLITE_CANTOPEN;
}

static int memDelete(sqlite3_vfs *vfs, const char *name, int syncDir) {
	(void)vfs, (void)name, (void)syncDir;
	return SQLITE_IOERR_DELETE;
}

static int memAccess(sqlite3_vfs *vfs, const char *name, int flags, int *res) {
	(void)vfs, (void)name, (void)flags;
	*res = 0;
	return SQLITE_OK;
}

static int memFullPathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
	(void)vfs;
	sqlite3_snprintf(n, out, "%s", name);
	return SQLITE_OK;
}

static int memRandomness(sqlite3_vfs *vfs, int n, char *out) {
	(void)vfs;
	static unsigned int state = 12345;
	for (int i = 0; i < n; i++) {
		state = state * 1103515245u + 12345u;
		out[i] = (char)(state >> 16);
	}
	return n;
}

static int memSleep(sqlite3_vfs *vfs, int us) {
	(void)vfs;
	return us;
}

static int memCurrentTime(sqlite3_vfs *vfs, double *t) {
	(void)vfs;
	*t = 2460000.5; // a fixed Julian day: outputs must not depend on the clock
	return SQLITE_OK;
}

static int memGetLastError(sqlite3_vfs *vfs, int n, char *buf) {
	(void)vfs, (void)n, (void)buf;
	return 0;
}

static sqlite3_vfs memVfs = {
	.iVersion = 1,
	.szOsFile = sizeof(sqlite3_file),
	.mxPathname = 512,
	.zName = "memonly",
	.xOpen = memOpen,
	.xDelete = memDelete,
	.xAccess = memAccess,
	.xFullPathname = memFullPathname,
	.xRandomness = memRandomness,
	.xSleep = memSleep,
	.xCurrentTime = memCurrentTime,
	.xGetLastError = memGetLastError,
};

int sqlite3_os_init(void) { return sqlite3_vfs_register(&memVfs, 1); }
int sqlite3_os_end(void) { return SQLITE_OK; }

static int printRow(void *arg, int n, char **vals, char **cols) {
	(void)arg, (void)cols;
	for (int i = 0; i < n; i++) {
		if (i > 0)
			putchar('|');
		fputs(vals[i] ? vals[i] : "NULL", stdout);
	}
	putchar('\n');
	return 0;
}

int main(void) {
	size_t cap = 1 << 16, len = 0;
	char *sql = malloc(cap);
	size_t got;
	while (sql && (got = fread(sql + len, 1, cap - len - 1, stdin)) > 0) {
		len += got;
		if (cap - len < 2)
			sql = realloc(sql, cap *= 2);
	}
	if (!sql) {
		fputs("sqlrun: out of memory\n", stderr);
		return 1;
	}
	sql[len] = 0;

	sqlite3 *db;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
		fprintf(stderr, "sqlrun: open: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	char *err = NULL;
	if (sqlite3_exec(db, sql, printRow, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "sqlrun: %s\n", err);
		return 1;
	}
	sqlite3_close(db);
	free(sql);
	return 0;
}
