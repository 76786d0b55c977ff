;; Traps in a known function at a known instruction.
(module
  (memory 1)
  (func $first (export "first") (result i32) (i32.const 1))
  (func (export "boom") (nop) (nop) (unreachable))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "oob") (param i32) (result i32) (i32.load offset=4 (local.get 0)))
)
