#!/usr/bin/env bash
# Builds Go standard-library test binaries for wasip1/wasm and for the host.
# The host side uses -tags purego so both run the same (non-assembly) Go code.
# Output: $CACHE_DIR/bin/go-<name>.wasm and go-<name>.native.
source "$(dirname "$0")/common.sh"

GO=${GO:-go}
for pkg in crypto/sha256 sort strconv regexp encoding/json; do
	name=go-${pkg//\//-}
	if [ ! -f "$OUT_DIR/$name.wasm" ]; then
		log "building $name.wasm"
		GOOS=wasip1 GOARCH=wasm "$GO" test -c -o "$OUT_DIR/$name.wasm" "$pkg"
	fi
	if [ ! -f "$OUT_DIR/$name.native" ]; then
		log "building $name.native"
		CGO_ENABLED=0 "$GO" test -c -tags purego -o "$OUT_DIR/$name.native" "$pkg"
	fi
done
