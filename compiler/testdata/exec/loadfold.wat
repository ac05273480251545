;; A constant on the left of a commutative op or compare whose right
;; operand is a load that instruction selection folds into a memory operand.
(module
  (memory 1)
  (data (i32.const 0) "\f0\0f\00\00\05\00\00\00\ff\ff\ff\ff\ff\ff\ff\ff")
  (func (export "and32") (result i32) i32.const 5 i32.const 0 i32.load i32.and)
  (func (export "or32") (result i32) i32.const 5 i32.const 0 i32.load i32.or)
  (func (export "xor32") (result i32) i32.const 5 i32.const 0 i32.load i32.xor)
  (func (export "eq32") (param i32) (result i32) i32.const 5 local.get 0 i32.load i32.eq)
  (func (export "ne32") (param i32) (result i32) i32.const 5 local.get 0 i32.load i32.ne)
  (func (export "ltu32") (param i32) (result i32) i32.const 5 local.get 0 i32.load i32.lt_u)
  (func (export "and64") (result i64) i64.const 0x1ff i32.const 0 i64.load i64.and)
  (func (export "or64") (result i64) i64.const 0x100000000 i32.const 0 i64.load i64.or)
  (func (export "xor64") (result i64) i64.const -1 i32.const 8 i64.load i64.xor)
  (func (export "eq64") (param i32) (result i32) i64.const -1 local.get 0 i64.load i64.eq)
  (func (export "ne64") (param i32) (result i32) i64.const -1 local.get 0 i64.load i64.ne)
  (func (export "ltu64") (param i32) (result i32) i64.const 5 local.get 0 i64.load i64.lt_u))
