;; A known number of branch sites: 1 (br_if) + 3 (br_table: 2 targets and
;; the default) + 1 (if) + 1 (else) = 6 side-table entries.
(module
  (func (export "pick") (param i32) (result i32)
    (block $a (block $b
      (br_if $a (i32.eqz (local.get 0)))
      (br_table $a $b $a (local.get 0))))
    (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2))))
)
