import { type EventFilter, matches, type NodeEvent } from "./types.ts";

/** A listener of events. It must not throw; if it does, the error is reported and ignored. */
export type EventListener = (event: NodeEvent) => void;

/**
 * An in-process publish/subscribe bus. Publishing is synchronous and cheap when nobody
 * listens, so hot paths may publish freely.
 *
 * @example
 * ```ts
 * const bus = new EventBus("node1");
 * const off = bus.subscribe({ events: ["agent.*"] }, (e) => console.log(e.type));
 * bus.publish({ type: "agent.deployed", agent_id: "echo" });
 * off();
 * ```
 */
export class EventBus {
  readonly #subs = new Map<number, { filter: EventFilter; listener: EventListener }>();
  #next = 1;

  constructor(readonly node: string, readonly now: () => Date = () => new Date()) {}

  /** Whether anyone listens (publishers may skip building costly events). */
  get active(): boolean {
    return this.#subs.size > 0;
  }

  /**
   * Publishes an event, stamping `timestamp` and `node` when missing (only when a
   * subscriber's filter takes it: filters never look at either).
   */
  publish(event: Omit<NodeEvent, "timestamp"> & { timestamp?: string }): void {
    if (this.#subs.size === 0) return;
    let e: NodeEvent | undefined;
    for (const { filter, listener } of this.#subs.values()) {
      if (!matches(e ?? event as NodeEvent, filter)) continue;
      if (e === undefined) {
        e = { ...event, timestamp: event.timestamp ?? this.now().toISOString() } as NodeEvent;
        e.node ??= this.node;
      }
      try {
        listener(e);
      } catch (err) {
        console.error(`event listener failed on ${e.type}: ${(err as Error).message}`);
      }
    }
  }

  /** Subscribes; returns the function that unsubscribes. */
  subscribe(filter: EventFilter, listener: EventListener): () => void {
    const id = this.#next++;
    this.#subs.set(id, { filter, listener });
    return () => void this.#subs.delete(id);
  }
}
