;; fib(30) by naive recursion: 1,664,079 calls of $fib, run() = 832040.
;; Measures the cost of a wasm call and return.
(module
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "run") (result i32) (call $fib (i32.const 30))))
