;; tiny bidder: a contract-net participant. It answers a `cfp` with a `propose` whose
;; content is its price as text, and an `accept-proposal` with an `inform` "done"; it takes
;; a `reject-proposal` silently. The price is the number at the end of the local name it
;; is called by (`tb-37@node` → "37"; 50 when the name has none), so a deployment picks
;; each bidder's price by naming it. Small enough to run hundreds (benchmarks).
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  (data (i32.const 700) "done")
  ;;@prelude

  ;; The number at the end of the local part of receivers[0].name (digits before '@').
  (func $price (param $m i32) (result i32)
    (local $id i32) (local $p i32) (local $end i32) (local $b i32) (local $n i32)
    (if (i32.eqz (i32.load offset=44 (local.get $m))) (then (return (i32.const 50))))
    (local.set $id (i32.load offset=40 (local.get $m)))
    (local.set $p (i32.load (local.get $id)))
    (local.set $end (i32.add (local.get $p) (i32.load offset=4 (local.get $id))))
    (block $done
      (loop $chars
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $b (i32.load8_u (local.get $p)))
        (br_if $done (i32.eq (local.get $b) (i32.const 64)))
        (if (i32.and (i32.ge_u (local.get $b) (i32.const 48)) (i32.le_u (local.get $b) (i32.const 57)))
          (then
            (local.set $n
              (i32.add (i32.mul (local.get $n) (i32.const 10)) (i32.sub (local.get $b) (i32.const 48)))))
          (else (local.set $n (i32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $chars)))
    (if (result i32) (local.get $n) (then (local.get $n)) (else (i32.const 50))))

  (func (export "handle-message") (param $m i32) (result i32)
    (local $perf i32) (local $n i32) (local $start i32)
    (local.set $perf (i32.load8_u offset=8 (local.get $m)))
    ;; cfp (3): propose (12) with the price as text
    (if (i32.eq (local.get $perf) (i32.const 3))
      (then
        (local.set $n (call $price (local.get $m)))
        (local.set $start (i32.const 640))
        (loop $digits
          (local.set $start (i32.sub (local.get $start) (i32.const 1)))
          (i32.store8 (local.get $start)
            (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
          (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
          (br_if $digits (local.get $n)))
        (drop (call $reply (local.get $m) (i32.const 12) (i32.const 0) (local.get $start)
          (i32.sub (i32.const 640) (local.get $start))))
        (global.set $heap (i32.const 1024))
        (return (i32.const 1))))
    ;; accept-proposal (0): inform (7) "done"
    (if (i32.eqz (local.get $perf))
      (then
        (drop (call $reply (local.get $m) (i32.const 7) (i32.const 0) (i32.const 700) (i32.const 4)))
        (global.set $heap (i32.const 1024))
        (return (i32.const 1))))
    (global.set $heap (i32.const 1024))
    ;; reject-proposal (17): nothing to do; anything else is not understood
    (i32.eq (local.get $perf) (i32.const 17)))
)
