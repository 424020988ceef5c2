;; tiny keys: stores under any key. A `request` whose text content is K stores "v" under K and
;; answers "stored", or the host's error when the store was refused (e.g. a key too long); a
;; `query-ref` whose text content is K answers the value under K, or "missing".
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  (import "fipa:agent/storage@0.1.0" "store" (func $store (param i32 i32 i32 i32 i32)))
  (import "fipa:agent/storage@0.1.0" "load" (func $load (param i32 i32 i32)))
  (data (i32.const 700) "v")
  (data (i32.const 710) "stored")
  (data (i32.const 730) "missing")
  ;;@prelude
  (func (export "handle-message") (param $m i32) (result i32)
    (local $ptr i32) (local $len i32) (local $p i32)
    (local.set $p (i32.load8_u offset=8 (local.get $m)))
    (local.set $ptr (i32.load offset=64 (local.get $m)))
    (local.set $len (i32.load offset=68 (local.get $m)))
    ;; request (18): store "v" under the content
    (if (i32.eq (local.get $p) (i32.const 18))
      (then
        (call $store (local.get $ptr) (local.get $len) (i32.const 700) (i32.const 1) (i32.const 560))
        (if (i32.load8_u (i32.const 560))
          (then (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0)
            (i32.load (i32.const 564)) (i32.load (i32.const 568)))))
          (else (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0) (i32.const 710) (i32.const 6)))))
        (global.set $heap (i32.const 1024))
        (return (i32.const 1))))
    ;; query-ref (15): the value under the content
    (if (i32.eq (local.get $p) (i32.const 15))
      (then
        (call $load (local.get $ptr) (local.get $len) (i32.const 560))
        (if (i32.load8_u (i32.const 560))
          (then (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0) (i32.const 730) (i32.const 7))))
          (else (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0)
            (i32.load (i32.const 564)) (i32.load (i32.const 568))))))
        (global.set $heap (i32.const 1024))
        (return (i32.const 1))))
    (global.set $heap (i32.const 1024))
    (i32.const 0))
)
