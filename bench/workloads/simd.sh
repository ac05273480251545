#!/usr/bin/env bash
# Builds the SIMD workloads, each twice from the same source: wasm32-wasi
# autovectorised to 128-bit SIMD (clang-16 -O3 -msimd128) and native with the
# matching x86 level (gcc -O3 -march=x86-64-v2: SSE up to 4.2, no AVX).
# simd/*.c are the kernels; zlib's minigzip is rebuilt the same way as
# minigzip-simd. Output: $CACHE_DIR/bin/simd-<name>.{wasm,native}.
source "$(dirname "$0")/common.sh"

SIMD_WASI_CFLAGS="--target=wasm32-wasi --sysroot=$WASI_SYSROOT -O3 -msimd128"
SIMD_NATIVE_CFLAGS="-O3 -march=x86-64-v2"

# build NAME NEWEST-INPUT "SOURCES..." "CFLAGS..."; rebuilds when NEWEST-INPUT
# is newer than the output.
build() {
	local name=$1 newest=$2 srcs=$3 cflags=$4
	if [ ! -f "$OUT_DIR/$name.wasm" ] || [ "$newest" -nt "$OUT_DIR/$name.wasm" ]; then
		log "building $name.wasm"
		# shellcheck disable=SC2086
		"$WASI_CC" $SIMD_WASI_CFLAGS $WASI_LDFLAGS $cflags -o "$OUT_DIR/$name.wasm" $srcs
	fi
	if [ ! -f "$OUT_DIR/$name.native" ] || [ "$newest" -nt "$OUT_DIR/$name.native" ]; then
		log "building $name.native"
		# shellcheck disable=SC2086
		"$NATIVE_CC" $SIMD_NATIVE_CFLAGS $cflags -o "$OUT_DIR/$name.native" $srcs -lm
	fi
}

for src in "$WORKLOADS_DIR"/simd/*.c; do
	build "simd-$(basename "$src" .c)" "$src" "$src" ""
done

zl=$(fetch_source zlib)
build simd-minigzip "$zl" "$(for f in adler32 crc32 deflate infback inffast inflate inftrees trees zutil compress uncompr gzclose gzlib gzread gzwrite; do printf '%s ' "$zl/$f.c"; done) $zl/test/minigzip.c" \
	"-w -DHAVE_UNISTD_H -DHAVE_STDARG_H -I$zl"
