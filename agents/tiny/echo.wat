;; tiny echo: answers every `request` with an `inform` carrying the same content.
;;
;; Written by hand against the canonical ABI layout of `acl-message` (176 bytes, align 4):
;;   0 message-id  8 performative  12 sender (option<agent-id>: tag, agent-id at +4)
;;   40 receivers  48 reply-to  56 content (option<content>, 16 bytes)
;;   72 language  84 encoding  96 ontology  108 protocol  120 conversation-id
;;   132 reply-with  144 in-reply-to  156 reply-by (option<string>, 12 bytes each)
;;   168 user-params
;; The reply is built at 256..432 and points into the request for shared strings and
;; lists; the heap (cabi_realloc, a bump allocator) starts at 1024 and is reset after
;; every call, since nothing outlives a call.
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
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

  (func (export "handle-message") (param $m i32) (result i32)
    (local $r i32)
    ;; only requests (performative 18) are answered
    (if (i32.ne (i32.load8_u offset=8 (local.get $m)) (i32.const 18))
      (then (global.set $heap (i32.const 1024)) (return (i32.const 0))))
    (local.set $r (i32.const 256))
    (memory.fill (local.get $r) (i32.const 0) (i32.const 176))
    ;; performative: inform (7)
    (i32.store8 offset=8 (local.get $r) (i32.const 7))
    ;; receivers: the request's reply-to if any, else its sender
    (if (i32.load offset=52 (local.get $m))
      (then
        (i32.store offset=40 (local.get $r) (i32.load offset=48 (local.get $m)))
        (i32.store offset=44 (local.get $r) (i32.load offset=52 (local.get $m))))
      (else
        (if (i32.load8_u offset=12 (local.get $m))
          (then
            (i32.store offset=40 (local.get $r) (i32.add (local.get $m) (i32.const 16)))
            (i32.store offset=44 (local.get $r) (i32.const 1)))
          (else (global.set $heap (i32.const 1024)) (return (i32.const 0))))))
    ;; content, language, encoding, ontology, protocol, conversation-id: bytes 56..132
    (memory.copy
      (i32.add (local.get $r) (i32.const 56)) (i32.add (local.get $m) (i32.const 56))
      (i32.const 76))
    ;; in-reply-to := the request's reply-with
    (memory.copy
      (i32.add (local.get $r) (i32.const 144)) (i32.add (local.get $m) (i32.const 132))
      (i32.const 12))
    (call $send (local.get $r) (i32.const 512))
    (global.set $heap (i32.const 1024))
    (i32.const 1))
)
