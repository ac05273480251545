// Runs a WASI command module under Node's node:wasi and records how long
// compilation, instantiation and _start took (V8's default tiering: the
// compile phase is the baseline tier; optimized tier-up happens during run).
//
// usage: node node_runner.mjs TIMING.json MODULE.wasm STDIN|"" STDOUT [ARG...]
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WASI } from 'node:wasi';

const [timingPath, wasmPath, stdinPath, stdoutPath, ...args] = process.argv.slice(2);
const bytes = readFileSync(wasmPath);

const t0 = performance.now();
const module = await WebAssembly.compile(bytes);
const t1 = performance.now();

const stdin = openSync(stdinPath || '/dev/null', 'r');
const stdout = openSync(stdoutPath, 'w');
const wasi = new WASI({
  version: 'preview1',
  args: [basename(wasmPath), ...args],
  env: {},
  stdin,
  stdout,
  stderr: 2,
  returnOnExit: true,
});
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const t2 = performance.now();
const exit = wasi.start(instance);
const t3 = performance.now();
// The guest may already have closed them through fd_close.
for (const fd of [stdout, stdin]) {
  try { closeSync(fd); } catch {}
}

writeFileSync(timingPath, JSON.stringify({
  compile_ms: t1 - t0,
  instantiate_ms: t2 - t1,
  run_ms: t3 - t2,
  exit,
}));
