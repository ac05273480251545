# Shared settings for the workload build scripts. Sourced, not executed.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORKLOADS_DIR="$BENCH_DIR/workloads"
CACHE_DIR=${BENCH_CACHE:-$BENCH_DIR/.cache}
SRC_DIR="$CACHE_DIR/src"
OUT_DIR="$CACHE_DIR/bin"

WASI_CC=${WASI_CC:-clang-16}
WASI_SYSROOT=${WASI_SYSROOT:-/usr}
WASI_CFLAGS="--target=wasm32-wasi --sysroot=$WASI_SYSROOT -O2"
WASI_LDFLAGS="--target=wasm32-wasi --sysroot=$WASI_SYSROOT -fuse-ld=lld -Wl,--stack-first -Wl,-z,stack-size=1048576"
NATIVE_CC=${NATIVE_CC:-gcc}
NATIVE_CFLAGS="-O2"

mkdir -p "$SRC_DIR" "$OUT_DIR"

log() { echo "workloads: $*" >&2; }

# need_tools installs the Debian toolchain once; a no-op when it is present.
need_tools() {
	local missing=()
	command -v clang-16 >/dev/null || missing+=(clang-16)
	command -v wasm-ld-16 >/dev/null || missing+=(lld-16)
	[ -f /usr/lib/wasm32-wasi/libc.a ] || missing+=(wasi-libc)
	[ -d /usr/lib/llvm-16/lib/clang/16/lib/wasi ] || missing+=(libclang-rt-16-dev-wasm32)
	command -v gcc >/dev/null || missing+=(gcc)
	command -v tclsh >/dev/null || missing+=(tcl)
	command -v dpkg-source >/dev/null || missing+=(dpkg-dev)
	command -v wasm-interp >/dev/null || missing+=(wabt)
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
}

# ensure_deb_src adds deb-src entries mirroring the existing deb entries (same
# URIs and suites), once.
ensure_deb_src() {
	local f=/etc/apt/sources.list.d/wasiaot-bench-src.sources
	if grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ || grep -qs '^deb-src' /etc/apt/sources.list; then
		return
	fi
	log "adding deb-src entries ($f)"
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$f"
	else
		grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' >/etc/apt/sources.list.d/wasiaot-bench-src.list
	fi
	apt-get update -qq
}

# fetch_source PKG unpacks Debian's source package PKG under $SRC_DIR/PKG and
# prints the unpacked directory.
fetch_source() {
	local pkg=$1 dir="$SRC_DIR/$1"
	if [ ! -f "$dir/.done" ]; then
		ensure_deb_src
		rm -rf "$dir" && mkdir -p "$dir"
		log "apt-get source $pkg"
		# The newest version listed (often a security update) may be missing
		# from the mirror: fall back to the other versions apt knows.
		local v ok=
		for v in "" $(apt-cache showsrc "$pkg" | awk '/^Version:/{print $2}' | sort -u); do
			rm -rf "${dir:?}"/*
			if (cd "$dir" && apt-get source -qq "$pkg${v:+=$v}" >/dev/null 2>&1); then ok=1; break; fi
			log "apt-get source $pkg${v:+=$v} failed; trying the other versions apt lists"
		done
		[ -n "$ok" ] || { log "apt-get source $pkg failed"; return 1; }
		touch "$dir/.done"
	fi
	find "$dir" -mindepth 1 -maxdepth 1 -type d | head -n1
}

wasi_cc() { "$WASI_CC" $WASI_CFLAGS "$@"; }
wasi_link() { "$WASI_CC" $WASI_LDFLAGS "$@"; }
