;; Exports of every kind, for another instance to import.
(module
  (memory (export "mem") 1 4)
  (table (export "tab") 2 funcref)
  (global (export "counter") (mut i32) (i32.const 100))
  (global (export "answer") i32 (i32.const 42))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (elem (i32.const 0) $add)
  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
)
