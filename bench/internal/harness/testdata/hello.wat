;; A WASI command that writes "hello, world\n" to stdout; compiled to
;; bin/hello.wasm with `wat2wasm hello.wat -o bin/hello.wasm` (wabt).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, world\n")
  (func (export "_start")
    ;; iovec at 0: base 16, length 13; bytes written stored at 8.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
