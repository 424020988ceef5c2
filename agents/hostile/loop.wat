;; hostile: never returns from handle-message.
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  ;;@prelude
  (func (export "handle-message") (param $m i32) (result i32)
    (loop $forever (br $forever))
    (i32.const 1))
)
