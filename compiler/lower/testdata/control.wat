(module
  ;; locals carried around a loop
  (func $sum (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $top
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (local.get $acc))

  ;; if/else merging a local and a value
  (func $max (param i64 i64) (result i64)
    (local i64)
    (if (result i64) (i64.gt_s (local.get 0) (local.get 1))
      (then (local.set 2 (i64.const 1)) (local.get 0))
      (else (local.get 1))))

  ;; if without else, with parameters
  (func $inc_if (param i32 i32) (result i32)
    (local.get 0)
    (local.get 1)
    (if (param i32) (result i32)
      (then (i32.const 1) (i32.add))))
)
