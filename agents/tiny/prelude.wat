  ;; --- shared by the tiny and hostile agents (agents/build/wat.ts splices it in) ---
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

  (func $realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $need i32)
    (local.set $p
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (local.set $need
      (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then
        (if (i32.eq
              (memory.grow (i32.add (i32.shr_u (local.get $need) (i32.const 16)) (i32.const 1)))
              (i32.const -1))
          (then unreachable))))
    (if (local.get $old)
      (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
    (local.get $p))

  (func (export "init"))
  (func (export "run") (result i32) (i32.const 0))
  (func (export "shutdown"))

  ;; Sends `performative` to the sender of request $m with content ($tag: 0 text, 1 json;
  ;; $ptr, $len), in reply to it. Returns the result tag of send-message (0 ok, 1 err).
  (func $reply (param $m i32) (param $performative i32) (param $tag i32) (param $ptr i32)
    (param $len i32) (result i32)
    (memory.fill (i32.const 256) (i32.const 0) (i32.const 176))
    (i32.store8 offset=8 (i32.const 256) (local.get $performative))
    (if (i32.eqz (i32.load8_u offset=12 (local.get $m))) (then (return (i32.const 1))))
    (i32.store offset=40 (i32.const 256) (i32.add (local.get $m) (i32.const 16)))
    (i32.store offset=44 (i32.const 256) (i32.const 1))
    (i32.store8 offset=56 (i32.const 256) (i32.const 1))
    (i32.store8 offset=60 (i32.const 256) (local.get $tag))
    (i32.store offset=64 (i32.const 256) (local.get $ptr))
    (i32.store offset=68 (i32.const 256) (local.get $len))
    ;; conversation-id and in-reply-to := the request's conversation-id and reply-with
    (memory.copy (i32.const 376) (i32.add (local.get $m) (i32.const 120)) (i32.const 12))
    (memory.copy (i32.const 400) (i32.add (local.get $m) (i32.const 132)) (i32.const 12))
    (call $send (i32.const 256) (i32.const 512))
    (i32.load8_u (i32.const 512)))
  ;; --- end of prelude ---
