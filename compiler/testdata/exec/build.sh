#!/bin/sh
# Rebuilds the .wasm file next to every .wat file here (needs wabt's wat2wasm).
set -e
cd "$(dirname "$0")"
for wat in *.wat; do
	wat2wasm -o "${wat%.wat}.wasm" "$wat"
done
