#!/usr/bin/env bash
# Builds the micro-benchmarks in micro/*.c for wasm32-wasi and natively.
source "$(dirname "$0")/common.sh"

for src in "$WORKLOADS_DIR"/micro/*.c; do
	name=micro-$(basename "$src" .c)
	if [ ! -f "$OUT_DIR/$name.wasm" ] || [ "$src" -nt "$OUT_DIR/$name.wasm" ]; then
		log "building $name.wasm"
		# shellcheck disable=SC2086
		"$WASI_CC" $WASI_CFLAGS $WASI_LDFLAGS -o "$OUT_DIR/$name.wasm" "$src"
	fi
	if [ ! -f "$OUT_DIR/$name.native" ] || [ "$src" -nt "$OUT_DIR/$name.native" ]; then
		log "building $name.native"
		# shellcheck disable=SC2086
		"$NATIVE_CC" $NATIVE_CFLAGS -o "$OUT_DIR/$name.native" "$src"
	fi
done
