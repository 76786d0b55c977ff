;; The product's app: reads the product's sensor through its own native, runs the model on each
;; reading through a second native, and keeps the outputs in its memory for the firmware to read.
;; Built by CMake with wat2wasm (Debian package wabt); an AssemblyScript app imports the same way
;; (`@external("product", "sensor_read") declare function sensorRead(i: i32): i32`).
(module
  (import "product" "sensor_read" (func $sensor_read (param i32) (result i32)))
  (import "product" "model_infer" (func $model_infer (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)

  ;; One input byte at 0x100 (the model takes one int8), the outputs from 0x200.
  (global $input i32 (i32.const 0x100))
  (global $outputs (export "outputs") i32 (i32.const 0x200))

  ;; Runs the model on readings 0..n-1; returns how many outputs it wrote at `outputs`.
  (func (export "run") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (global.get $input) (call $sensor_read (local.get $i)))
        (drop (call $model_infer
          (global.get $input) (i32.const 1)
          (i32.add (global.get $outputs) (local.get $i)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $i))

  ;; A runaway loop: the firmware's fuel budget stops it.
  (func (export "spin")
    (loop $forever (br $forever))))
