;; hostile: tries to send to secret@n1, which its manifest does not allow, then tells the
;; requester "denied" or "sent".
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  (data (i32.const 700) "secret@n1")
  (data (i32.const 720) "denied")
  (data (i32.const 730) "sent")
  ;;@prelude
  (func (export "handle-message") (param $m i32) (result i32)
    ;; message at 800: inform to [agent-id at 1000 = {name: "secret@n1", [], []}]
    (memory.fill (i32.const 800) (i32.const 0) (i32.const 176))
    (memory.fill (i32.const 1000) (i32.const 0) (i32.const 24))
    (i32.store8 offset=8 (i32.const 800) (i32.const 7))
    (i32.store offset=0 (i32.const 1000) (i32.const 700))
    (i32.store offset=4 (i32.const 1000) (i32.const 9))
    (i32.store offset=40 (i32.const 800) (i32.const 1000))
    (i32.store offset=44 (i32.const 800) (i32.const 1))
    (call $send (i32.const 800) (i32.const 540))
    (if (i32.load8_u (i32.const 540))
      (then (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0) (i32.const 720) (i32.const 6))))
      (else (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0) (i32.const 730) (i32.const 4)))))
    (global.set $heap (i32.const 1024))
    (i32.const 1))
)
