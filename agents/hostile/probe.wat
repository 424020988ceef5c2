;; hostile: looks for an environment, preopened directories and a TCP socket, and tells
;; the requester what it found: "env=N dirs=M tcp=err:CC" (CC: the socket error code) or
;; "env=N dirs=M tcp=!ok:00" when it got a socket.
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  (import "wasi:cli/environment@0.2.0" "get-environment" (func $env (param i32)))
  (import "wasi:filesystem/preopens@0.2.0" "get-directories" (func $dirs (param i32)))
  (import "wasi:sockets/tcp-create-socket@0.2.0" "create-tcp-socket"
    (func $tcp (param i32 i32)))
  (data (i32.const 700) "env=0 dirs=0 tcp=err:00")
  ;;@prelude
  (func $digit (param $at i32) (param $n i32)
    (i32.store8 (local.get $at)
      (i32.add (i32.const 48) (select (local.get $n) (i32.const 9) (i32.lt_u (local.get $n) (i32.const 9))))))
  (func (export "handle-message") (param $m i32) (result i32)
    (local $code i32)
    (call $env (i32.const 560))
    (call $digit (i32.const 704) (i32.load (i32.const 564)))
    (call $dirs (i32.const 560))
    (call $digit (i32.const 711) (i32.load (i32.const 564)))
    (call $tcp (i32.const 0) (i32.const 560))
    (if (i32.load8_u (i32.const 560))
      (then
        (local.set $code (i32.load8_u (i32.const 564)))
        (i32.store8 (i32.const 721) (i32.add (i32.const 48) (i32.div_u (local.get $code) (i32.const 10))))
        (i32.store8 (i32.const 722) (i32.add (i32.const 48) (i32.rem_u (local.get $code) (i32.const 10)))))
      (else (i32.store (i32.const 717) (i32.const 0x3a6b6f21))))
    (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0) (i32.const 700) (i32.const 23)))
    (global.set $heap (i32.const 1024))
    (i32.const 1))
)
