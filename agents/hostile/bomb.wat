;; hostile: grows its memory a megabyte at a time until refused, then traps.
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  ;;@prelude
  (func (export "handle-message") (param $m i32) (result i32)
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    unreachable)
)
