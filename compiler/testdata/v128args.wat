;; A call with more v128 arguments than amd64 passes in registers: not
;; supported yet (stack slots are 8 bytes).
(module
  (func $many (export "many") (param i32) (result i32)
    (call $nine (v128.const i64x2 0 0) (v128.const i64x2 0 0) (v128.const i64x2 0 0)
      (v128.const i64x2 0 0) (v128.const i64x2 0 0) (v128.const i64x2 0 0)
      (v128.const i64x2 0 0) (v128.const i64x2 0 0) (v128.const i64x2 0 0)))
  (func $nine (param v128 v128 v128 v128 v128 v128 v128 v128 v128) (result i32)
    (i32.const 0)))
