;; Found by the generator's SIMD modules (seed 377): at -O2, loop-invariant
;; code motion hoisted a v128.bitselect of three constants (one known only
;; once the if's block parameter was resolved) out of the loop, with clones
;; of the constants that kept only their low halves: the upper two lanes
;; stored at 996 were zeros.
(module
  (memory (export "memory") 1)
  (global $g (mut v128) (v128.const i64x2 1 2))
  (func (export "run") (param $n i32)
    (loop $l
      (v128.store (i32.const 996)
        (v128.bitselect
          (v128.const i32x4 0xfffffffe 0xffffffff 0x80000000 0x00000000)
          (if (result v128) (i32.const 0)
            (then (global.get $g))
            (else (v128.const i32x4 0x7fc00000 0x4f800000 0x4f800000 0xff800000)))
          (v128.const i32x4 0xc0200000 0xd01502f9 0x3f000000 0x3f000000)))
      (br_if $l (i32.lt_u (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 3))))))
