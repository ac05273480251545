#!/bin/sh
# Rebuilds the CGI test programs checked in beside their sources.
# Needs Debian's clang-16, lld-16, wasi-libc and libclang-rt-16-dev-wasm32.
set -eu
cd "$(dirname "$0")"
CC=${CC:-clang-16}
for src in c/*.c; do
	$CC --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -Wl,--strip-debug -o "${src%.c}.wasm" "$src"
done
for dir in go/*/; do
	name=$(basename "$dir")
	(cd "$dir" && GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "../$name.wasm" .)
done
