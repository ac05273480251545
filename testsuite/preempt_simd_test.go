package testsuite

import "testing"

// A loop over eight v128 locals (integer and float lanes, shuffles), folded
// into one i64 from every lane: SIMD code keeps all 128 bits of the vector registers (XMM,
// or NEON's v0-v31) live across every instruction.
const simdChecksumModule = `(module
  (func (export "mix") (param $n i32) (result i64)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $e v128) (local $f v128) (local $g v128) (local $h v128)
    (local.set $a (v128.const i32x4 1 2 3 4))
    (local.set $b (v128.const i32x4 0x9e3779b9 0x7f4a7c15 0x85ebca6b 0xc2b2ae35))
    (local.set $c (v128.const i64x2 0x0123456789abcdef 0x0fedcba987654321))
    (local.set $d (v128.const i16x8 1 3 5 7 11 13 17 19))
    (local.set $e (v128.const f32x4 1.5 0.25 3.75 0.125))
    (local.set $f (v128.const f32x4 0.999 1.001 0.5 2.0))
    (local.set $g (v128.const f64x2 0.3 0.7))
    (local.set $h (v128.const f64x2 1.0000001 0.9999999))
    (loop $loop
      (local.set $a (i32x4.add (local.get $a) (local.get $b)))
      (local.set $b (v128.xor (local.get $b) (i32x4.shl (local.get $a) (i32.const 3))))
      (local.set $c (i64x2.add (local.get $c) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $a) (local.get $b))))
      (local.set $d (i16x8.add (local.get $d) (i16x8.mul (local.get $d) (local.get $a))))
      (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (f32x4.convert_i32x4_u (i32x4.shr_u (local.get $a) (i32.const 24)))))
      (local.set $f (f32x4.sqrt (f32x4.add (local.get $f) (v128.const f32x4 0.001 0.002 0.003 0.004))))
      (local.set $g (f64x2.add (f64x2.mul (local.get $g) (local.get $h)) (v128.const f64x2 0.5 0.25)))
      (local.set $h (f64x2.div (local.get $h) (f64x2.add (local.get $g) (v128.const f64x2 1 1))))
      (br_if $loop (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i64.add
      (i64.add (i64.add (i64.xor (i64x2.extract_lane 0 (local.get $a)) (i64.rotl (i64x2.extract_lane 1 (local.get $a)) (i64.const 17))) (i64.xor (i64x2.extract_lane 0 (local.get $b)) (i64.rotl (i64x2.extract_lane 1 (local.get $b)) (i64.const 17))))
               (i64.add (i64.xor (i64x2.extract_lane 0 (local.get $c)) (i64.rotl (i64x2.extract_lane 1 (local.get $c)) (i64.const 17))) (i64.xor (i64x2.extract_lane 0 (local.get $d)) (i64.rotl (i64x2.extract_lane 1 (local.get $d)) (i64.const 17)))))
      (i64.add (i64.add (i64.xor (i64x2.extract_lane 0 (local.get $e)) (i64.rotl (i64x2.extract_lane 1 (local.get $e)) (i64.const 17))) (i64.xor (i64x2.extract_lane 0 (local.get $f)) (i64.rotl (i64x2.extract_lane 1 (local.get $f)) (i64.const 17))))
               (i64.add (i64.xor (i64x2.extract_lane 0 (local.get $g)) (i64.rotl (i64x2.extract_lane 1 (local.get $g)) (i64.const 17))) (i64.xor (i64x2.extract_lane 0 (local.get $h)) (i64.rotl (i64x2.extract_lane 1 (local.get $h)) (i64.const 17))))))))`

// TestPreemptedSIMDSameResult: SIMD code preempted wherever the stops of
// the world find it ends with the result of an undisturbed run.
func TestPreemptedSIMDSameResult(t *testing.T) {
	sameResultUnderPreemption(t, simdChecksumModule)
}
