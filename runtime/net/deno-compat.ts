/**
 * A Deno compatibility shim that lets a process holding a libp2p node exit.
 *
 * libp2p's peer store takes its locks from `mortice`, which opens a `BroadcastChannel`
 * named "mortice" (to serve lock requests from worker threads) and then calls
 * `channel.unref?.()` so that, in Node, the channel does not keep the process alive.
 * Deno's `BroadcastChannel` has no `unref`, and a channel with a listener keeps Deno's
 * event loop alive forever: the process never exits after `libp2p.stop()`.
 *
 * This shim gives `BroadcastChannel` an `unref` that closes channels named "mortice" (in
 * the main thread nobody else posts lock requests to it; our Workers never use mortice)
 * and does nothing for any other channel. It is installed once, on import.
 * @module
 */

const MORTICE_CHANNEL = "mortice";

interface Unrefable {
  unref?: () => void;
}

/** Installs the shim (idempotent). Exported for tests; importing this module runs it. */
export function installDenoCompat(): void {
  const proto = BroadcastChannel.prototype as BroadcastChannel & Unrefable;
  if (typeof proto.unref === "function") return;
  Object.defineProperty(proto, "unref", {
    configurable: true,
    writable: true,
    value: function unref(this: BroadcastChannel): void {
      if (this.name === MORTICE_CHANNEL) this.close();
    },
  });
}

installDenoCompat();
