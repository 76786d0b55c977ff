;; Call stacks at a trap: a division three calls deep, a recursion deeper
;; than the frames a store keeps, a trapping native called from wasm.
(module
  (import "env" "fail" (func $fail (param i32)))                                    ;; 0
  (func $leaf (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))     ;; 1
  (func $middle (param i32) (result i32) (nop) (call $leaf (local.get 0)))          ;; 2
  (func (export "deep") (param i32) (result i32) (call $middle (local.get 0)))      ;; 3
  (func $down (export "down") (param i32) (result i32)                              ;; 4
    (if (result i32) (i32.eqz (local.get 0))
      (then (unreachable))
      (else (call $down (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "native") (param i32) (nop) (call $fail (local.get 0)))             ;; 5
)
