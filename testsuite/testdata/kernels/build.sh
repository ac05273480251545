#!/bin/sh
# Rebuilds the CPU kernels (*.wasm) checked in beside their sources: freestanding wasm32,
# no libc, each exporting run. -fno-builtin keeps clear and copy loops as loops instead of
# calls to a memset/memcpy that does not exist here. Needs Debian's clang-16 and lld-16.
set -eu
cd "$(dirname "$0")"
CC=${CC:-clang-16}
for src in *.c; do
	$CC --target=wasm32 -O2 -Wall -Werror -nostdlib -fno-builtin \
		-Wl,--no-entry -Wl,--strip-debug -o "${src%.c}.wasm" "$src"
done
