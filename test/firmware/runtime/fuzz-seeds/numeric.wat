(module
  (func (export "ints") (result i64)
    (i64.add
      (i64.extend_i32_s (i32.add (i32.clz (i32.const 1)) (i32.popcnt (i32.rotl (i32.const -7) (i32.const 3)))))
      (i64.rem_s (i64.mul (i64.const 0x7fffffffffff) (i64.extend16_s (i64.const 0x8001))) (i64.const -3))))
  (func (export "floats") (result f64)
    (f64.add (f64.promote_f32 (f32.nearest (f32.div (f32.const 7) (f32.sqrt (f32.const 2)))))
             (f64.min (f64.copysign (f64.const 1.5) (f64.const -0)) (f64.floor (f64.const -2.5)))))
  (func (export "convert") (result i32)
    (i32.add (i32.trunc_sat_f32_s (f32.const 3e9)) (i32.trunc_f64_u (f64.const 4e9))))
  (func (export "trap") (result i32) (i32.trunc_f32_s (f32.const nan))))
