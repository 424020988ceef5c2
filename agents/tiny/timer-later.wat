;; tiny timer-later (world fipa:agent@0.2.0): as timer.wat, but for a request with text
;; content T it sets a timer due in 3000 ms with tag T, and answers with an inform carrying
;; what set-timer returned (the timer's id, or the error); on-timer logs the tag at info level.
(module
  (import "fipa:agent/messaging@0.2.0" "send-message" (func $send (param i32 i32)))
  (import "fipa:agent/timers@0.2.0" "set-timer" (func $set (param i64 i32 i32 i32)))
  (import "fipa:agent/logging@0.2.0" "log" (func $log (param i32 i32 i32)))
  ;;@prelude
  (func (export "handle-message") (param $m i32) (result i32)
    (call $set (i64.const 3000)
      (i32.load offset=64 (local.get $m)) (i32.load offset=68 (local.get $m)) (i32.const 560))
    (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0)
      (i32.load (i32.const 564)) (i32.load (i32.const 568))))
    (global.set $heap (i32.const 1024))
    (i32.const 1))
  (func (export "on-timer") (param $id i32) (param $id_len i32) (param $tag i32) (param $tag_len i32)
    (call $log (i32.const 2) (local.get $tag) (local.get $tag_len))
    (global.set $heap (i32.const 1024)))
)
