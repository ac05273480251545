(module
  (type $two (func (param i32) (result i32 i64)))
  ;; nested blocks with multi-value parameters and results
  (func (param i32) (result i32 i64)
    (local.get 0)
    (block $outer (type $two)
      (block $inner (param i32) (result i32 i64)
        (i64.const 7)
        (br_if $outer (local.get 0))
        (drop)
        (i64.const 8)
        (br $inner))
      (drop)
      (i64.const 9)))

  ;; br_table carrying a value to blocks and to the function
  (func (param i32) (result i32)
    (block $a (result i32)
      (block $b (result i32)
        (block $c (result i32)
          (br_table $a $b $c 0 $b (i32.const 10) (local.get 0)))
        (i32.const 1)
        (i32.add))
      (i32.const 2)
      (i32.add)))

  ;; br_table without values, one target taken twice
  (func (param i32) (result i32)
    (local i32)
    (block $x
      (block $y
        (local.set 1 (i32.const 5))
        (br_table $x $y $x (local.get 0)))
      (local.set 1 (i32.const 6)))
    (local.get 1))

  ;; unreachable code after br, return and unreachable, with nested blocks
  (func (param i32) (result i32)
    (block $b
      (br $b)
      (i32.add)
      (block (loop (if (i32.const 1) (then (nop)) (else (unreachable)))))
      (drop))
    (if (local.get 0)
      (then (return (i32.const 1)) (drop (i32.const 3)))
      (else (unreachable) (i64.const 0) (drop)))
    (i32.const 2))

  ;; both sides of an if leave: the code after it is unreachable
  (func (param i32) (result i32)
    (if (local.get 0) (then (return (i32.const 1))) (else (return (i32.const 2))))
    (i32.const 3))

  ;; br_if to the function's label returns
  (func (param i32) (result i32)
    (br_if 0 (i32.const 4) (local.get 0))
    (drop)
    (i32.const 5))

  ;; a loop with parameters and results, exiting with br_if
  (func (param i32) (result i32)
    (local.get 0)
    (loop $l (param i32) (result i32)
      (i32.sub (i32.const 1))
      (local.tee 0)
      (br_if $l (local.get 0))))

  ;; nested loops carrying locals; the inner one leaves a local untouched
  (func (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $s i64) (local $untouched f64)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (drop (local.get $untouched))
    (local.get $s))

  ;; an infinite loop: the function never returns
  (func (result i32)
    (loop $l (br $l))
    (unreachable))

  ;; an if whose then side branches out of an enclosing block
  (func (param i32) (result i32)
    (local i32)
    (block $out
      (if (local.get 0) (then (local.set 1 (i32.const 1)) (br $out)))
      (local.set 1 (i32.const 2)))
    (local.get 1))
)
