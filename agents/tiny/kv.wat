;; tiny kv: for a request with text content "?" answers the value stored under "k";
;; for any other text content stores it under "k" first, then answers what it loads back
;; ("store-failed" when the store is refused, e.g. over the quota).
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  (import "fipa:agent/storage@0.1.0" "store" (func $store (param i32 i32 i32 i32 i32)))
  (import "fipa:agent/storage@0.1.0" "load" (func $load (param i32 i32 i32)))
  (data (i32.const 700) "k")
  (data (i32.const 710) "store-failed")
  (data (i32.const 730) "missing")
  ;;@prelude
  (func (export "handle-message") (param $m i32) (result i32)
    (local $ptr i32) (local $len i32)
    (local.set $ptr (i32.load offset=64 (local.get $m)))
    (local.set $len (i32.load offset=68 (local.get $m)))
    (if (i32.eqz (i32.and (i32.eq (local.get $len) (i32.const 1))
                          (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 63))))
      (then
        (call $store (i32.const 700) (i32.const 1) (local.get $ptr) (local.get $len) (i32.const 560))
        (if (i32.load8_u (i32.const 560))
          (then
            (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0) (i32.const 710) (i32.const 12)))
            (global.set $heap (i32.const 1024))
            (return (i32.const 1))))))
    (call $load (i32.const 700) (i32.const 1) (i32.const 560))
    (if (i32.load8_u (i32.const 560))
      (then (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0) (i32.const 730) (i32.const 7))))
      (else (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0)
        (i32.load (i32.const 564)) (i32.load (i32.const 568))))))
    (global.set $heap (i32.const 1024))
    (i32.const 1))
)
