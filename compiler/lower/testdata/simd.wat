(module
  (memory 1)
  (global $g (mut v128) (v128.const i32x4 1 2 3 4))
  ;; v128 through params, locals, lanes and arithmetic
  (func (param i32) (result i32)
    (i32x4.extract_lane 3 (i32x4.add (i32x4.splat (local.get 0)) (global.get $g))))
  (func (param v128 v128) (result v128)
    (local v128)
    (local.set 2 (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 (local.get 0) (local.get 1)))
    (v128.bitselect (local.get 2) (local.get 0) (local.get 1)))
  ;; a v128 block result and a v128 loop parameter
  (func (param i32) (result v128)
    (block (result v128)
      (v128.const i64x2 7 -1)
      (br_if 0 (local.get 0))
      (drop)
      (f64x2.splat (f64.const 1.5))))
  ;; memory: loads, splats, lanes, stores
  (func (param i32)
    (v128.store offset=16 (local.get 0)
      (v128.load32_lane offset=4 2 (local.get 0)
        (v128.load8x8_s (local.get 0))))
    (v128.store16_lane 7 (local.get 0) (v128.load32_zero (local.get 0))))
  ;; calls with v128 arguments and results; global.set
  (func (result v128)
    (global.set $g (call 1 (v128.const i32x4 0 0 0 0) (global.get $g)))
    (global.get $g))
  ;; SIMD in unreachable code
  (func (unreachable) (drop (v128.const i64x2 0 0)))
)
