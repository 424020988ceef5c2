;; hostile: answers one request with 20000 messages, ignoring refusals, then reports how
;; many were accepted as text content.
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  ;;@prelude
  (func (export "handle-message") (param $m i32) (result i32)
    (local $i i32) (local $ok i32) (local $n i32) (local $start i32)
    (loop $again
      (if (i32.eqz (call $reply (local.get $m) (i32.const 7) (i32.const 0) (i32.const 0) (i32.const 0)))
        (then (local.set $ok (i32.add (local.get $ok) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 20000))))
    (local.set $n (local.get $ok))
    (local.set $start (i32.const 640))
    (loop $digits
      (local.set $start (i32.sub (local.get $start) (i32.const 1)))
      (i32.store8 (local.get $start)
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digits (local.get $n)))
    (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0) (local.get $start)
      (i32.sub (i32.const 640) (local.get $start))))
    (global.set $heap (i32.const 1024))
    (i32.const 1))
)
