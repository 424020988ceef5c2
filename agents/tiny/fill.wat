;; tiny fill: a request whose text content is a decimal number N stores N keys in one call
;; (key i is four letters, i in base 26 from "aaaa"; its value is i, 4 bytes little-endian)
;; and answers "stored" ("store-failed" when a store is refused); content "?N" loads the N
;; keys back and answers "ok" when each holds its index, else "missing".
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  (import "fipa:agent/storage@0.1.0" "store" (func $store (param i32 i32 i32 i32 i32)))
  (import "fipa:agent/storage@0.1.0" "load" (func $load (param i32 i32 i32)))
  (data (i32.const 700) "stored")
  (data (i32.const 710) "ok")
  (data (i32.const 720) "missing")
  (data (i32.const 730) "store-failed")
  ;;@prelude

  ;; Writes the key of $i (four letters) at 800 and its value at 810.
  (func $key (param $i i32)
    (local $at i32) (local $v i32)
    (i32.store (i32.const 810) (local.get $i))
    (local.set $v (local.get $i))
    (local.set $at (i32.const 803))
    (loop $letters
      (i32.store8 (local.get $at)
        (i32.add (i32.const 97) (i32.rem_u (local.get $v) (i32.const 26))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 26)))
      (local.set $at (i32.sub (local.get $at) (i32.const 1)))
      (br_if $letters (i32.ge_u (local.get $at) (i32.const 800)))))

  (func $answer (param $m i32) (param $ptr i32) (param $len i32) (result i32)
    (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0) (local.get $ptr) (local.get $len)))
    (global.set $heap (i32.const 1024))
    (i32.const 1))

  (func (export "handle-message") (param $m i32) (result i32)
    (local $ptr i32) (local $len i32) (local $n i32) (local $i i32) (local $check i32)
    (local $at i32) (local $base i32)
    ;; what the host allocated for the message stays; each load's value is dropped after use
    (local.set $base (global.get $heap))
    (local.set $ptr (i32.load offset=64 (local.get $m)))
    (local.set $len (i32.load offset=68 (local.get $m)))
    (if (i32.gt_u (local.get $len) (i32.const 0))
      (then
        (if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 63))
          (then (local.set $check (i32.const 1)) (local.set $at (i32.const 1))))))
    (block $parsed
      (loop $digits
        (br_if $parsed (i32.ge_u (local.get $at) (local.get $len)))
        (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 10))
          (i32.sub (i32.load8_u (i32.add (local.get $ptr) (local.get $at))) (i32.const 48))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $digits)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $key (local.get $i))
        (if (local.get $check)
          (then
            (call $load (i32.const 800) (i32.const 4) (i32.const 560))
            (if (i32.load8_u (i32.const 560))
              (then (return (call $answer (local.get $m) (i32.const 720) (i32.const 7)))))
            (if (i32.ne (i32.load (i32.load (i32.const 564))) (local.get $i))
              (then (return (call $answer (local.get $m) (i32.const 720) (i32.const 7)))))
            (global.set $heap (local.get $base)))
          (else
            (call $store (i32.const 800) (i32.const 4) (i32.const 810) (i32.const 4) (i32.const 560))
            (if (i32.load8_u (i32.const 560))
              (then (return (call $answer (local.get $m) (i32.const 730) (i32.const 12)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (if (local.get $check)
      (then (return (call $answer (local.get $m) (i32.const 710) (i32.const 2)))))
    (call $answer (local.get $m) (i32.const 700) (i32.const 6)))
)
