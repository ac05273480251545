#!/bin/sh
# Rebuilds the CPU kernels (*.wasm) checked in beside their sources: freestanding wasm32,
# no libc, each exporting run. -fno-builtin keeps clear and copy loops as loops instead of
# calls to a memset/memcpy that does not exist here. The kernels in SIMD are also built with
# -msimd128 (NAME.simd.wasm): clang vectorizes their loops with v128 operations. Needs
# Debian's clang-16 and lld-16.
set -eu
cd "$(dirname "$0")"
CC=${CC:-clang-16}
SIMD="blur matmul qsort sieve"
for src in *.c; do
	$CC --target=wasm32 -O2 -Wall -Werror -nostdlib -fno-builtin \
		-Wl,--no-entry -Wl,--strip-debug -o "${src%.c}.wasm" "$src"
done
for k in $SIMD; do
	$CC --target=wasm32 -O2 -msimd128 -Wall -Werror -nostdlib -fno-builtin \
		-Wl,--no-entry -Wl,--strip-debug -o "$k.simd.wasm" "$k.c"
done
