;; Calls into the host: a (pointer, length) native, a trapping native, one
;; that calls back into wasm.
(module
  (import "env" "sum_bytes" (func $sum (param i32 i32) (result i32)))
  (import "env" "fail" (func $fail (param i32)))
  (import "env" "fill" (func $fill (param i32 i32 i32)))
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\01\02\03\04\05")
  (func (export "sum") (param i32 i32) (result i32) (call $sum (local.get 0) (local.get 1)))
  (func (export "fail") (param i32) (call $fail (local.get 0)))
  (func (export "fill_then_load") (param i32 i32 i32) (result i32)
    (call $fill (local.get 0) (local.get 1) (local.get 2))
    (i32.load8_u (local.get 0)))
  (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "twice") (param i32) (result i32) (call $twice (local.get 0)))
)
