/**
 * A tiny forwarding agent for the agent-to-agent benchmark: it passes every `request` on to
 * one fixed agent, with `reply-to` set to the original sender (unless the request had one),
 * so that an echo behind it answers the original sender directly:
 * client → forwarder → echo → client.
 * @module
 */
import { buildWatComponent } from "../../agents/build/mod.ts";

/**
 * WAT of the forwarder. The canonical ABI layout of `acl-message` is the one
 * `agents/tiny/echo.wat` documents (176 bytes: receivers at 40, reply-to at 48, sender
 * option at 12 with its agent-id at 16); an `agent-id` is 24 bytes (name, addresses,
 * resolvers). The target's name sits at 600, its agent-id at 640.
 */
function forwarderWat(target: string): string {
  const name = new TextEncoder().encode(target);
  if (name.length === 0 || name.length > 40) throw new RangeError("target name: 1..40 bytes");
  const escaped = [...name].map((b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
  return `(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 600) "${escaped}")

  (func $realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $need i32)
    (local.set $p
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (local.set $need
      (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then
        (if (i32.eq
              (memory.grow (i32.add (i32.shr_u (local.get $need) (i32.const 16)) (i32.const 1)))
              (i32.const -1))
          (then unreachable))))
    (if (local.get $old)
      (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
    (local.get $p))

  (func (export "init"))
  (func (export "run") (result i32) (i32.const 0))
  (func (export "shutdown"))

  (func (export "handle-message") (param $m i32) (result i32)
    (if (i32.ne (i32.load8_u offset=8 (local.get $m)) (i32.const 18))
      (then (global.set $heap (i32.const 1024)) (return (i32.const 0))))
    ;; a copy of the request, with no message-id (the host assigns a fresh one)
    (memory.copy (i32.const 256) (local.get $m) (i32.const 176))
    (i64.store (i32.const 256) (i64.const 0))
    ;; receivers := [target]
    (i32.store (i32.const 640) (i32.const 600))
    (i32.store (i32.const 644) (i32.const ${name.length}))
    (i64.store (i32.const 648) (i64.const 0))
    (i64.store (i32.const 656) (i64.const 0))
    (i32.store offset=40 (i32.const 256) (i32.const 640))
    (i32.store offset=44 (i32.const 256) (i32.const 1))
    ;; reply-to := the request's reply-to if it has one, else [its sender]
    (if (i32.eqz (i32.load offset=52 (local.get $m)))
      (then
        (if (i32.load8_u offset=12 (local.get $m))
          (then
            (i32.store offset=48 (i32.const 256) (i32.add (local.get $m) (i32.const 16)))
            (i32.store offset=52 (i32.const 256) (i32.const 1))))))
    (call $send (i32.const 256) (i32.const 512))
    (global.set $heap (i32.const 1024))
    (i32.const 1))
)`;
}

/** Builds the forwarder component that passes requests on to the agent named `target`. */
export async function forwarderBytes(target: string): Promise<Uint8Array> {
  return await buildWatComponent(forwarderWat(target));
}
