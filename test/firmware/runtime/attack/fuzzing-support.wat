;; The "fuzzing-support" module that binaryen's `wasm-opt -ttf` modules import, the same
;; bytes on both sides of the differential test: V8 imports its exports, wasmcu-vm --repl
;; registers it. Every log call folds a tag and the value's bits into an FNV-1a hash and
;; counts; NaNs are logged as the canonical NaN (their payload and sign are
;; implementation-defined, the spec allows either).
(module
  (global $hash (export "hash") (mut i32) (i32.const 0x811c9dc5))
  (global $count (export "count") (mut i32) (i32.const 0))
  (func $mix (param $v i32)
    (global.set $hash (i32.mul (i32.xor (global.get $hash) (local.get $v)) (i32.const 0x01000193))))
  (func $tag (param $t i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (call $mix (local.get $t)))
  (func (export "log-i32") (param $x i32)
    (call $tag (i32.const 1)) (call $mix (local.get $x)))
  (func (export "log-i64") (param $x i64)
    (call $tag (i32.const 2))
    (call $mix (i32.wrap_i64 (local.get $x)))
    (call $mix (i32.wrap_i64 (i64.shr_u (local.get $x) (i64.const 32)))))
  (func (export "log-f32") (param $x f32)
    (call $tag (i32.const 3))
    (call $mix (select (i32.const 0x7fc00000) (i32.reinterpret_f32 (local.get $x)) (f32.ne (local.get $x) (local.get $x)))))
  (func (export "log-f64") (param $x f64)
    (local $b i64)
    (call $tag (i32.const 4))
    (local.set $b (select (i64.const 0x7ff8000000000000) (i64.reinterpret_f64 (local.get $x)) (f64.ne (local.get $x) (local.get $x))))
    (call $mix (i32.wrap_i64 (local.get $b)))
    (call $mix (i32.wrap_i64 (i64.shr_u (local.get $b) (i64.const 32))))))
