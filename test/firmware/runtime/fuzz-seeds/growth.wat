(module
  (memory 0 4)
  (table 0 8 externref)
  (func (export "run") (result i32) (local $n i32)
    (loop $l
      (drop (memory.grow (i32.const 1)))
      (drop (table.grow 0 (ref.null extern) (i32.const 3)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $n) (i32.const 6))))
    (i32.add (memory.size) (table.size 0))))
