;; A constant on the left of and/or/xor/eq/ne/lt_u with a load on the
;; right: instruction selection swapped the constant into the immediate
;; and left the folded load without a register (regalloc: used before it
;; is defined), at -O0 always.
(module
  (memory 1)
  (data (i32.const 0) "\f0\0f\00\00\05\00\00\00")
  (func (export "f") (result i32) i32.const 5 i32.const 0 i32.load i32.and)
  (func (export "g") (result i32) i32.const 5 i32.const 4 i32.load i32.lt_u)
  (func (export "h") (result i64) i64.const -1 i32.const 0 i64.load i64.xor))
