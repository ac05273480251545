;; Tail calls decode and validate (with the tail-call feature) but do not
;; compile yet.
(module
  (func $tail (export "tail") (param i32) (result i32)
    (return_call $next (local.get 0)))
  (func $next (param i32) (result i32)
    (local.get 0)))
