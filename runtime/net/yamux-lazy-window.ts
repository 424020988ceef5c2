/**
 * Yamux that returns receive window in halves, as Go's yamux does.
 *
 * `@chainsafe/libp2p-yamux` answers every data frame it receives with a window-update frame
 * (another socket write on the receiver and another frame for the sender to decrypt and
 * parse), even when almost all of the window is still open. Under the Raft write path every
 * append and every acknowledgement thus cost two frames: window updates were a fifth of a
 * busy leader's socket writes. This wrapper lets an established stream skip the update while
 * more than half of its receive window is still available; the first data frame that leaves
 * half or less sends one update for all that was consumed. Flow control is unchanged (a
 * sender still stops at a closed window and is reopened by the update), and the wire stays
 * plain Yamux. Streams still opening (SYN / ACK flags) or paused are left to the library. It
 * relies on the stream's `sendWindowUpdate`, `state`, `recvWindow` and `recvWindowCapacity`
 * (yamux 8); if they go away the wrapper does nothing and {@link lazyWindowStreams} stays 0
 * (a test checks).
 * @module
 */
import { yamux } from "@chainsafe/libp2p-yamux";

type YamuxFactory = ReturnType<typeof yamux>;

/** `StreamState.Established` of `@chainsafe/libp2p-yamux/stream`. */
const ESTABLISHED = 3;

interface WindowedStream {
  state?: unknown;
  recvWindow?: unknown;
  recvWindowCapacity?: unknown;
  sendWindowUpdate?: () => void;
}

let patched = 0;

/** Streams of this process whose window updates are sent in halves (for tests). */
export function lazyWindowStreams(): number {
  return patched;
}

function lazyWindow<T>(stream: T): T {
  const s = stream as WindowedStream;
  const send = s.sendWindowUpdate;
  if (
    typeof send !== "function" || typeof s.recvWindow !== "number" ||
    typeof s.recvWindowCapacity !== "number"
  ) return stream;
  s.sendWindowUpdate = () => {
    if (
      s.state === ESTABLISHED &&
      (s.recvWindowCapacity as number) > (s.recvWindow as number) / 2
    ) return;
    send.call(stream);
  };
  patched++;
  return stream;
}

/** `yamux()` whose streams send window updates in halves (see the module documentation). */
export function yamuxLazyWindow(): YamuxFactory {
  const make = yamux();
  return () => {
    const factory = make();
    const create = factory.createStreamMuxer.bind(factory);
    factory.createStreamMuxer = (...args: Parameters<typeof create>) => {
      const muxer = create(...args);
      const m = muxer as unknown as { _newStream?: (...a: unknown[]) => unknown };
      const newStream = m._newStream;
      if (typeof newStream === "function") {
        m._newStream = (...a: unknown[]) => lazyWindow(newStream.apply(muxer, a));
      }
      return muxer;
    };
    return factory;
  };
}
