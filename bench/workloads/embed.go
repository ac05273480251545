// Package workloads holds the workload build scripts and sources; Go code
// needs only the wasm2c host, embedded here so the engine can compile it.
package workloads

import _ "embed"

// WASIHost is wasm2c/wasi_host.c: main() and WASI preview1 for wasm2c output.
//
//go:embed wasm2c/wasi_host.c
var WASIHost []byte
