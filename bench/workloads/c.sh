#!/usr/bin/env bash
# Builds the C workloads (from Debian source packages, and c/kernels.c), each twice from the same
# source: wasm32-wasi (clang-16 + wasi-libc, -O2) and native (gcc -O2).
# Output: $CACHE_DIR/bin/<name>.wasm and $CACHE_DIR/bin/<name>.native.
source "$(dirname "$0")/common.sh"

# build NAME "SOURCES..." "CFLAGS..." ["WASM-ONLY FLAGS AND LIBS..."]
build() {
	local name=$1 srcs=$2 cflags=$3 wasi_extra=${4:-}
	if [ ! -f "$OUT_DIR/$name.wasm" ]; then
		log "building $name.wasm"
		# shellcheck disable=SC2086
		"$WASI_CC" $WASI_CFLAGS $WASI_LDFLAGS $cflags -o "$OUT_DIR/$name.wasm" $srcs $wasi_extra
	fi
	if [ ! -f "$OUT_DIR/$name.native" ]; then
		log "building $name.native"
		# shellcheck disable=SC2086
		"$NATIVE_CC" $NATIVE_CFLAGS $cflags -o "$OUT_DIR/$name.native" $srcs -lm
	fi
}

# wasm-only: emulation libraries from wasi-libc and wasi_compat.{h,c}.
COMPAT="-include $WORKLOADS_DIR/c/wasi_compat.h $WORKLOADS_DIR/c/wasi_compat.c"
EMUL="-D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS -lwasi-emulated-signal -lwasi-emulated-process-clocks"

# kernels: this directory's own program (list walking and sorting, a state
# machine, integer matrices, CRC16), needing no source package.
build kernels "$WORKLOADS_DIR/c/kernels.c" "-w"

# bzip2: the bzip2 program itself, used as a stdin→stdout filter.
bz=$(fetch_source bzip2)
build bzip2 "$(for f in blocksort huffman crctable randtable compress decompress bzlib bzip2; do printf '%s ' "$bz/$f.c"; done)" \
	"-w -D_FILE_OFFSET_BITS=64 -I$bz" "$EMUL $COMPAT"

# zlib: its own test/minigzip.c driver (gzip a stream, or -d to gunzip).
zl=$(fetch_source zlib)
build minigzip "$(for f in adler32 crc32 deflate infback inffast inflate inftrees trees zutil compress uncompr gzclose gzlib gzread gzwrite; do printf '%s ' "$zl/$f.c"; done) $zl/test/minigzip.c" \
	"-w -DHAVE_UNISTD_H -DHAVE_STDARG_H -I$zl"

# lua5.4: the stand-alone interpreter. wasm32-wasi has no setjmp/longjmp, so
# errors abort instead of unwinding: LUAI_THROW/LUAI_TRY are luaconf hooks
# meant to be overridden from the command line. The benchmark scripts never
# raise errors; os.tmpname fails (lua_tmpnam hook). LUA_USE_C89 keeps out POSIX-only calls (popen, mkstemp, dlopen).
lu=$(fetch_source lua5.4)
# Debian's luaconf.h includes a header its debian/rules writes at build time.
mkdir -p "$SRC_DIR/lua5.4/include"
echo '#define DEB_HOST_MULTIARCH "wasm32-wasi"' >"$SRC_DIR/lua5.4/include/lua5.4-deb-multiarch.h"
lua_flags="-w -DLUA_USE_C89 -DLUAI_THROW(L,c)=abort() -DLUAI_TRY(L,c,a)=a -Dluai_jmpbuf=int -DLUA_TMPNAMBUFSIZE=32 -Dlua_tmpnam(b,e)=(e=-1) -include stdlib.h -I$lu/src -I$SRC_DIR/lua5.4/include"
lua_srcs=$(for f in lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes lparser lstate lstring ltable ltm lundump lvm lzio lauxlib lbaselib lcorolib ldblib liolib lmathlib loadlib loslib lstrlib ltablib lutf8lib linit lua; do printf '%s ' "$lu/src/$f.c"; done)
build lua "$lua_srcs" "$lua_flags" "$EMUL $COMPAT -I$WORKLOADS_DIR/c/include"

# sqlite3: the amalgamation made from Debian's source tree (needs tclsh),
# driven by sqlrun.c over an in-memory database. SQLITE_OS_OTHER drops the
# unix VFS (mmap, locking, fchown): sqlrun.c registers a VFS that only
# provides randomness, time and sleep, and temp storage stays in memory.
sq=$(fetch_source sqlite3)
if [ ! -f "$SRC_DIR/sqlite3/build/sqlite3.c" ]; then
	log "making the sqlite3 amalgamation"
	mkdir -p "$SRC_DIR/sqlite3/build"
	(cd "$SRC_DIR/sqlite3/build" && "$sq/configure" --disable-tcl >/dev/null && make -s sqlite3.c >/dev/null)
fi
build sqlite "$SRC_DIR/sqlite3/build/sqlite3.c $WORKLOADS_DIR/c/sqlrun.c" \
	"-w -I$SRC_DIR/sqlite3/build -DSQLITE_OS_OTHER=1 -DSQLITE_THREADSAFE=0 -DSQLITE_TEMP_STORE=3 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_OMIT_WAL -DSQLITE_OMIT_SHARED_CACHE -DSQLITE_DEFAULT_MEMSTATUS=0 -DSQLITE_MAX_MMAP_SIZE=0"
