/**
 * TCP connections whose frames of one turn reach the socket in one write.
 *
 * Every Yamux frame (a Raft append, its acknowledgement, a window update, a stream's open
 * or close) becomes one encrypted Noise frame and one `socket.write` of `@libp2p/tcp`.
 * Under Deno's Node compatibility a socket write costs tens of microseconds whatever its
 * size (`writeBuffer` was a busy Raft leader's top CPU entry), and a node often writes
 * several frames to one peer in the same turn (a frame and its stream's close, an answer
 * and a window update, frames of several streams). This wrapper corks the connection's
 * socket (`net.Socket.cork()`, Node's documented way to batch writes) at its first write of
 * a turn and uncorks it in a microtask: what was written meanwhile goes out as one
 * `writev`, in order, before anything else runs. Nothing waits longer than the current
 * turn, back-pressure is unchanged (`write` still reports a full buffer), and a closing
 * or reset socket flushes or drops as before. It relies on the connection's `socket` (the
 * `net.Socket` of `@libp2p/tcp` 11) and `sendData`; if either goes away the wrapper does
 * nothing and {@link corkedConnections} stays at 0 (a test checks).
 * @module
 */

interface CorkableSocket {
  cork?: () => void;
  uncork?: () => void;
  destroyed?: boolean;
}

interface SocketConnection {
  socket?: CorkableSocket;
  sendData?: (data: unknown) => unknown;
}

interface Encrypter {
  secureInbound(connection: unknown, ...rest: never[]): Promise<unknown>;
  secureOutbound(connection: unknown, ...rest: never[]): Promise<unknown>;
}

let corked = 0;

/** Connections of this process whose writes are corked per turn (for tests). */
export function corkedConnections(): number {
  return corked;
}

/**
 * Corks `connection`'s socket at its first write of a turn and uncorks it in a microtask
 * (see the module documentation). Returns `connection`, unchanged if it has no such socket.
 */
export function corkPerTurn<T>(connection: T): T {
  const conn = connection as SocketConnection;
  const socket = conn.socket;
  const sendData = conn.sendData;
  if (
    typeof sendData !== "function" || typeof socket?.cork !== "function" ||
    typeof socket.uncork !== "function"
  ) return connection;
  let pending = false;
  const uncork = () => {
    pending = false;
    socket.uncork!();
  };
  conn.sendData = (data) => {
    if (!pending && socket.destroyed !== true) {
      pending = true;
      socket.cork!();
      queueMicrotask(uncork);
    }
    return sendData.call(conn, data);
  };
  corked++;
  return connection;
}

/**
 * A connection encrypter (e.g. `noise()`) whose raw connections are first given to
 * {@link corkPerTurn}, so every write of the connection, handshake and encrypted frames, is
 * corked per turn.
 */
export function corkWrites<C, E extends Encrypter>(make: (components: C) => E) {
  return (components: C): E => {
    const enc = make(components);
    const inbound = enc.secureInbound.bind(enc);
    const outbound = enc.secureOutbound.bind(enc);
    enc.secureInbound =
      ((connection: unknown, ...rest: never[]) => inbound(corkPerTurn(connection), ...rest)) as E[
        "secureInbound"
      ];
    enc.secureOutbound =
      ((connection: unknown, ...rest: never[]) => outbound(corkPerTurn(connection), ...rest)) as E[
        "secureOutbound"
      ];
    return enc;
  };
}
