;; tiny replica: a stateless counter for replicas. Keeps a count of the `request`s it handled
;; in a mutable global (its instance's memory only; it writes no storage) and answers each
;; with an `inform` whose content is the JSON {"count": n}, so each instance of a replicated
;; agent counts on its own; a `cancel` makes it trap (a failing instance, to be replaced).
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  (global $count (mut i32) (i32.const 0))
  (data (i32.const 600) "{\22count\22:")
  ;;@prelude

  ;; Answers $m with {"count": $n}.
  (func $answer (param $m i32) (param $n i32)
    (local $end i32) (local $start i32) (local $t i32)
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
    ;; cancel (2): trap
    (if (i32.eq (local.get $p) (i32.const 2)) (then unreachable))
    (if (i32.ne (local.get $p) (i32.const 18))
      (then (global.set $heap (i32.const 1024)) (return (i32.const 0))))
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (call $answer (local.get $m) (global.get $count))
    (global.set $heap (i32.const 1024))
    (i32.const 1))
)
