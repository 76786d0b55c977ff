;; Imports everything linking.wat exports.
(module
  (import "lib" "mem" (memory 1))
  (import "lib" "tab" (table 2 funcref))
  (import "lib" "counter" (global $counter (mut i32)))
  (import "lib" "answer" (global $answer i32))
  (import "lib" "add" (func $add (param i32 i32) (result i32)))
  (type $binop (func (param i32 i32) (result i32)))
  (func (export "use_all") (result i32)
    (i32.store (i32.const 8) (i32.const 7))
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (call_indirect (type $binop) (call $add (global.get $answer) (i32.const 1)) (i32.const 0) (i32.const 0)))
)
