;; tiny counter: keeps a count in a mutable global (in memory) and the same count in its
;; storage (key "n", 4 bytes little-endian). Each `request` increments both and is answered
;; with an `inform` whose content is the JSON {"count": n} (the count in memory); a
;; `query-ref` is answered with {"count": n} for the count in storage, a `query-if` with the
;; count in memory (neither changes anything). After a crash both
;; must agree: memory and storage come back from the same checkpoint.
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  (import "fipa:agent/storage@0.1.0" "store" (func $store (param i32 i32 i32 i32 i32)))
  (import "fipa:agent/storage@0.1.0" "load" (func $load (param i32 i32 i32)))
  (global $count (mut i32) (i32.const 0))
  (data (i32.const 600) "{\22count\22:")
  (data (i32.const 660) "n")
  ;;@prelude

  ;; The count in storage (0 when there is none yet).
  (func $stored (result i32)
    (call $load (i32.const 660) (i32.const 1) (i32.const 560))
    (if (result i32) (i32.load8_u (i32.const 560))
      (then (i32.const 0))
      (else (i32.load (i32.load (i32.const 564))))))

  ;; Answers $m with {"count": $n}.
  (func $answer (param $m i32) (param $n i32)
    (local $end i32) (local $start i32) (local $t i32)
    ;; digits of the count, written backwards from 640, then copied after the prefix
    (local.set $end (i32.const 640))
    (local.set $start (i32.const 640))
    (loop $digits
      (local.set $start (i32.sub (local.get $start) (i32.const 1)))
      (i32.store8 (local.get $start)
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digits (local.get $n)))
    (local.set $t (i32.sub (local.get $end) (local.get $start)))
    (memory.copy (i32.const 609) (local.get $start) (local.get $t))
    (i32.store8 (i32.add (i32.const 609) (local.get $t)) (i32.const 125))
    (drop (call $reply (local.get $m) (i32.const 7) (i32.const 1) (i32.const 600)
      (i32.add (local.get $t) (i32.const 10)))))

  (func (export "handle-message") (param $m i32) (result i32)
    (local $p i32)
    (local.set $p (i32.load8_u offset=8 (local.get $m)))
    ;; query-ref (15): the count in storage
    (if (i32.eq (local.get $p) (i32.const 15))
      (then
        (call $answer (local.get $m) (call $stored))
        (global.set $heap (i32.const 1024))
        (return (i32.const 1))))
    ;; query-if (14): the count in memory
    (if (i32.eq (local.get $p) (i32.const 14))
      (then
        (call $answer (local.get $m) (global.get $count))
        (global.set $heap (i32.const 1024))
        (return (i32.const 1))))
    (if (i32.ne (local.get $p) (i32.const 18))
      (then (global.set $heap (i32.const 1024)) (return (i32.const 0))))
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.store (i32.const 650) (i32.add (call $stored) (i32.const 1)))
    (call $store (i32.const 660) (i32.const 1) (i32.const 650) (i32.const 4) (i32.const 560))
    (call $answer (local.get $m) (global.get $count))
    (global.set $heap (i32.const 1024))
    (i32.const 1))
)
