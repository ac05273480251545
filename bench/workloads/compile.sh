#!/usr/bin/env bash
# Modules that are only compiled, never run (they import host functions
# beyond WASI): CRuby 3.4 with its standard library, from the npm package
# @ruby/3.4-wasm-wasi (dist/ruby+stdlib.wasm, 30.6 MB), fetched with npm.
source "$(dirname "$0")/common.sh"

RUBY_PKG=@ruby/3.4-wasm-wasi
RUBY_VERSION=2.10.1
RUBY_SHA256=4b814fc9d13505ea5b4c1f3bd3a7cc7ccca137f551196b9b21f0a7caf9cc5878

out="$OUT_DIR/ruby.wasm"
if [ ! -f "$out" ]; then
	command -v npm >/dev/null || { log "ruby: npm is missing (apt-get install npm); skipped"; exit 0; }
	dir="$SRC_DIR/ruby-npm"
	rm -rf "$dir" && mkdir -p "$dir"
	log "ruby: npm pack $RUBY_PKG@$RUBY_VERSION"
	(cd "$dir" && npm pack --silent "$RUBY_PKG@$RUBY_VERSION" >/dev/null)
	tar -xzf "$dir"/*.tgz -C "$dir" package/dist/ruby+stdlib.wasm
	echo "$RUBY_SHA256  $dir/package/dist/ruby+stdlib.wasm" | sha256sum -c --quiet -
	mv "$dir/package/dist/ruby+stdlib.wasm" "$out"
	rm -rf "$dir"
fi
