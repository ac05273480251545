#!/usr/bin/env bash
# Builds every workload into $BENCH_CACHE (default bench/.cache). Idempotent:
# existing outputs are kept; delete the cache directory to rebuild.
source "$(dirname "$0")/common.sh"
need_tools
"$WORKLOADS_DIR/c.sh"
"$WORKLOADS_DIR/gostd.sh"
"$WORKLOADS_DIR/micro.sh"
"$WORKLOADS_DIR/simd.sh"
"$WORKLOADS_DIR/compile.sh"
log "done: $OUT_DIR"
