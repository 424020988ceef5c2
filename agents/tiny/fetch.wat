;; tiny fetch (world fipa:agent@0.2.0): for a request whose text content is a URL, GETs it
;; with http.fetch and answers an inform carrying the response body as text, or a failure
;; carrying the error the node returned (a host not granted, a timeout, a limit).
(module
  (import "fipa:agent/messaging@0.2.0" "send-message" (func $send (param i32 i32)))
  ;; fetch(request { method, url, headers, body: option<list<u8>> }) -> result<response, string>
  (import "fipa:agent/http@0.2.0" "fetch"
    (func $fetch (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  ;;@prelude
  (func (export "handle-message") (param $m i32) (result i32)
    (call $fetch
      (i32.const 0) (i32.const 0)
      (i32.load offset=64 (local.get $m)) (i32.load offset=68 (local.get $m))
      (i32.const 0) (i32.const 0)
      (i32.const 0) (i32.const 0) (i32.const 0)
      (i32.const 600))
    (if (i32.load8_u (i32.const 600))
      (then (drop (call $reply (local.get $m) (i32.const 6) (i32.const 0)
        (i32.load (i32.const 604)) (i32.load (i32.const 608)))))
      (else (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0)
        (i32.load (i32.const 616)) (i32.load (i32.const 620))))))
    (global.set $heap (i32.const 1024))
    (i32.const 1))
  (func (export "on-timer") (param i32 i32 i32 i32))
)
