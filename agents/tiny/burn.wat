;; tiny burn: a stateless agent that does some work per message (for the replica benchmark):
;; each `request` runs 2,000,000 rounds of an integer hash (a few ms of CPU) and is answered
;; with an `inform` carrying no content. It keeps nothing between messages that matters.
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  (global $acc (mut i32) (i32.const 1))
  ;;@prelude

  (func (export "handle-message") (param $m i32) (result i32)
    (local $i i32) (local $h i32)
    (if (i32.ne (i32.load8_u offset=8 (local.get $m)) (i32.const 18))
      (then (global.set $heap (i32.const 1024)) (return (i32.const 0))))
    (local.set $h (global.get $acc))
    (loop $work
      (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $i)) (i32.const 16777619)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $work (i32.lt_u (local.get $i) (i32.const 2000000))))
    (global.set $acc (local.get $h))
    (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0) (i32.const 0) (i32.const 0)))
    (global.set $heap (i32.const 1024))
    (i32.const 1))
)
