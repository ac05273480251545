;; memory.init of an active data segment after instantiation: the segment
;; was dropped, so a non-empty range traps (spec 2.0, 4.5.4).
(module
  (import "fuzzing-support" "log-i32" (func $log (param i32)))
  (memory 1)
  (data (i32.const 0) "abcd")
  (func (export "init") (result i32)
    (call $log (i32.const 1))
    (memory.init 0 (i32.const 100) (i32.const 0) (i32.const 4))
    (i32.load (i32.const 100))))
