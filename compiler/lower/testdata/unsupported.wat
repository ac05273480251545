(module
  (func (param i32) (result i32)
    (i32x4.extract_lane 0 (i32x4.splat (local.get 0))))
  (func (param v128))
  (func (local v128))
  (func (result i32) (return_call 0 (i32.const 1)))
  (func (drop (block (result v128) (unreachable))))
  ;; SIMD in unreachable code is still SIMD
  (func (unreachable) (drop (v128.const i64x2 0 0)))
)
