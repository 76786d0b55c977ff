(module
  (func (export "run") (result i32) (local $i i32) (local $s i32)
    (loop $l
      (block $d (block $c (block $b (block $a
        (br_table $a $b $c $d $a $b $c (i32.rem_u (local.get $i) (i32.const 9))))
        (local.set $s (i32.add (local.get $s) (i32.const 1))))
        (local.set $s (i32.add (local.get $s) (i32.const 10))))
        (local.set $s (i32.add (local.get $s) (i32.const 100))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 50))))
    (local.get $s)))
