(module
  (table $t 2 funcref)
  (table $x 3 externref)
  (elem $e func $f)
  (elem $dcl declare func $f)
  (func $f)
  ;; reference and table instructions
  (func (param $i i32) (param $r externref) (result i32)
    (table.set $t (local.get $i) (ref.func $f))
    (table.set $x (local.get $i) (local.get $r))
    (drop (table.get $t (local.get $i)))
    (drop (table.grow $x (ref.null extern) (i32.const 2)))
    (table.fill $x (local.get $i) (local.get $r) (i32.const 1))
    (table.copy $t $t (i32.const 0) (local.get $i) (i32.const 1))
    (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 1))
    (elem.drop $e)
    (drop (select (result externref) (local.get $r) (ref.null extern) (local.get $i)))
    (i32.add
      (i32.add (table.size $t) (table.size $x))
      (ref.is_null (table.get $x (local.get $i)))))
  ;; untyped select, drop, nop
  (func (param i32 f64 f64) (result f64)
    nop
    (select (local.get 1) (local.get 2) (local.get 0)))
)
