(module
  ;; i32: binary ops fold into the first operand; comparisons and tests are summed
  (func (param i32 i32) (result i32 i32)
    (i32.add (i32.rotr (i32.rotl (i32.shr_u (i32.shr_s (i32.shl (i32.xor (i32.or (i32.and (i32.rem_u (i32.rem_s (i32.div_u (i32.div_s (i32.mul (i32.sub (i32.add (local.get 0) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (i32.extend16_s (i32.extend8_s (i32.popcnt (i32.ctz (i32.clz (local.get 0)))))))
    (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.const 0) (i32.eq (local.get 0) (local.get 1))) (i32.ne (local.get 0) (local.get 1))) (i32.lt_s (local.get 0) (local.get 1))) (i32.lt_u (local.get 0) (local.get 1))) (i32.gt_s (local.get 0) (local.get 1))) (i32.gt_u (local.get 0) (local.get 1))) (i32.le_s (local.get 0) (local.get 1))) (i32.le_u (local.get 0) (local.get 1))) (i32.ge_s (local.get 0) (local.get 1))) (i32.ge_u (local.get 0) (local.get 1))) (i32.eqz (local.get 0))))
  ;; i64: binary ops fold into the first operand; comparisons and tests are summed
  (func (param i64 i64) (result i64 i32)
    (i64.add (i64.rotr (i64.rotl (i64.shr_u (i64.shr_s (i64.shl (i64.xor (i64.or (i64.and (i64.rem_u (i64.rem_s (i64.div_u (i64.div_s (i64.mul (i64.sub (i64.add (local.get 0) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (i64.extend32_s (i64.extend16_s (i64.extend8_s (i64.popcnt (i64.ctz (i64.clz (local.get 0))))))))
    (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.const 0) (i64.eq (local.get 0) (local.get 1))) (i64.ne (local.get 0) (local.get 1))) (i64.lt_s (local.get 0) (local.get 1))) (i64.lt_u (local.get 0) (local.get 1))) (i64.gt_s (local.get 0) (local.get 1))) (i64.gt_u (local.get 0) (local.get 1))) (i64.le_s (local.get 0) (local.get 1))) (i64.le_u (local.get 0) (local.get 1))) (i64.ge_s (local.get 0) (local.get 1))) (i64.ge_u (local.get 0) (local.get 1))) (i64.eqz (local.get 0))))
  ;; f32: binary ops fold into the first operand; comparisons and tests are summed
  (func (param f32 f32) (result f32 i32)
    (f32.add (f32.copysign (f32.max (f32.min (f32.div (f32.mul (f32.sub (f32.add (local.get 0) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (f32.nearest (f32.trunc (f32.floor (f32.ceil (f32.sqrt (f32.neg (f32.abs (local.get 0)))))))))
    (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.const 0) (f32.eq (local.get 0) (local.get 1))) (f32.ne (local.get 0) (local.get 1))) (f32.lt (local.get 0) (local.get 1))) (f32.gt (local.get 0) (local.get 1))) (f32.le (local.get 0) (local.get 1))) (f32.ge (local.get 0) (local.get 1))))
  ;; f64: binary ops fold into the first operand; comparisons and tests are summed
  (func (param f64 f64) (result f64 i32)
    (f64.add (f64.copysign (f64.max (f64.min (f64.div (f64.mul (f64.sub (f64.add (local.get 0) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (local.get 1)) (f64.nearest (f64.trunc (f64.floor (f64.ceil (f64.sqrt (f64.neg (f64.abs (local.get 0)))))))))
    (i32.add (i32.add (i32.add (i32.add (i32.add (i32.add (i32.const 0) (f64.eq (local.get 0) (local.get 1))) (f64.ne (local.get 0) (local.get 1))) (f64.lt (local.get 0) (local.get 1))) (f64.gt (local.get 0) (local.get 1))) (f64.le (local.get 0) (local.get 1))) (f64.ge (local.get 0) (local.get 1))))
  (func (result i32 i64 f32 f64)
    (i32.const -7) (i64.const 0x7fffffffffffffff) (f32.const -0x1.8p+1) (f64.const nan:0x4000000000001))
  (func (result f32 f64) (f32.const inf) (f64.const -0))
)
