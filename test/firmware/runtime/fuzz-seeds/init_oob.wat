(module
  (memory 1)
  (table 1 funcref)
  (func $f)
  (elem (i32.const 0) $f)
  (data (i32.const 0) "ok")
  (data (i32.const 65535) "no")
  (func (export "run") (result i32) (i32.load8_u (i32.const 0))))
