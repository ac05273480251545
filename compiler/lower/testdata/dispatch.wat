;; A state machine in the shape Go's wasm code has: one loop around a
;; br_table on the resume point $pc. A branch back to the loop with a
;; constant $pc jumps straight to that case; the one with a computed $pc
;; goes through the dispatch.
(module
  (func (param $pc i32) (param $n i32) (result i32)
    (local $sum i32)
    (loop $top
      (block $default
        (block $c2
          (block $c1
            (block $c0
              (br_table $c0 $c1 $c2 $default (local.get $pc)))
            ;; case 0: start counting
            (local.set $sum (i32.const 0))
            (local.set $pc (i32.const 1))
            (br $top))
          ;; case 1: loop while n > 0
          (if (i32.eqz (local.get $n))
            (then (local.set $pc (i32.const 2)) (br $top)))
          (local.set $sum (i32.add (local.get $sum) (local.get $n)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (local.set $pc (i32.const 1))
          (br $top))
        ;; case 2: done
        (return (local.get $sum)))
      ;; default: a computed resume point
      (local.set $pc (i32.and (local.get $n) (i32.const 1)))
      (br $top))
    (unreachable))
)
