(module
  (func (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (result i32) (return_call 0 (i32.const 1)))
  (func (result i32) (return_call 0 (i32.const 2)))
)
