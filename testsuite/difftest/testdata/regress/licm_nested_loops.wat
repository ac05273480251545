;; licm in the second -O2 round indexed past its value marks (index out of
;; range): an inner loop whose header carries a value got a new preheader
;; with parameters, which an enclosing loop then walked. Found by wasm-opt
;; -ttf, reduced with wasm-reduce.
(module
 (type $f32_f32_i64_=>_i32 (func (param f32 f32 i64) (result i32)))
 (type $f64_=>_i32 (func (param f64) (result i32)))
 (global $global$0 (mut i32) (i32.const 64))
 (global $global$1 (mut i32) (i32.const 10))
 (table $0 5 5 funcref)
 (func $0 (export "f") (param $0 f32) (param $1 f32) (param $2 i64) (result i32)
  (local $3 i32)
  (loop $label$1
   (if
    (global.get $global$1)
    (unreachable)
   )
   (loop $label$3
    (drop
     (block $label$4 (result i32)
      (global.set $global$1
       (i32.const 0)
      )
      (loop $label$5 (result i32)
       (global.set $global$1
        (i32.sub
         (global.get $global$1)
         (i32.const 1)
        )
       )
       (global.set $global$0
        (local.get $3)
       )
       (local.tee $3
        (i32.const 1)
       )
      )
     )
    )
    (br_if $label$3
     (call_indirect (type $f64_=>_i32)
      (f64.const 0)
      (i32.const 2)
     )
    )
   )
   (br $label$1)
  )
  (unreachable)
 )
)
