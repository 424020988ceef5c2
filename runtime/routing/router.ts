import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";

/** A message accepted by the node, with the id the API assigned to it. */
export interface Delivery {
  message_id: string;
  message: AclMessage;
  /** ISO 8601 time the node accepted it. */
  accepted_at: string;
}

/** Something on this node that takes messages for one agent name. */
export interface LocalEndpoint {
  /** Hands the message over; resolves once it is in the agent's mailbox. */
  deliver(delivery: Delivery, to: AgentIdentifier): Promise<void> | void;
}

/** Where one receiver's copy of a message went. */
export interface RouteOutcome {
  receiver: string;
  status: "delivered";
}

/**
 * Routes messages to the agents that take them. An agent is addressed by its local name
 * (`echo`) or its full name (`echo@<platform>`); both reach the same endpoint.
 *
 * @example
 * ```ts
 * const router = new MessageRouter("node1");
 * router.register("echo", { deliver: (d) => console.log(d.message) });
 * await router.route(delivery); // delivers to echo, or throws AGENT_NOT_FOUND
 * ```
 */
export class MessageRouter {
  readonly #local = new Map<string, LocalEndpoint>();

  constructor(readonly platform: string) {}

  /** Registers a local endpoint under a local name; returns a function that removes it. */
  register(localName: string, endpoint: LocalEndpoint): () => void {
    if (localName.includes("@")) {
      throw new RangeError(`localName must not contain '@': '${localName}'`);
    }
    if (this.#local.has(localName)) {
      throw new ApiError("AGENT_ALREADY_EXISTS", `Agent '${localName}' already exists`, {
        agent: localName,
      });
    }
    this.#local.set(localName, endpoint);
    return () => {
      if (this.#local.get(localName) === endpoint) this.#local.delete(localName);
    };
  }

  /** The local name an identifier refers to, or `undefined` if it names another platform. */
  localName(id: AgentIdentifier | string): string | undefined {
    const name = typeof id === "string" ? id : id.name;
    const at = name.indexOf("@");
    if (at < 0) return name;
    return name.slice(at + 1) === this.platform ? name.slice(0, at) : undefined;
  }

  /** The endpoint for an identifier, if the agent lives on this node. */
  resolve(id: AgentIdentifier | string): LocalEndpoint | undefined {
    const local = this.localName(id);
    return local === undefined ? undefined : this.#local.get(local);
  }

  /**
   * Delivers to every receiver. All receivers are resolved before anything is delivered,
   * so a message with one unknown receiver reaches nobody.
   *
   * @throws {ApiError} `AGENT_NOT_FOUND` naming the first receiver that is not known.
   */
  async route(delivery: Delivery): Promise<RouteOutcome[]> {
    const targets = delivery.message.receivers.map((r) => {
      const ep = this.resolve(r);
      if (!ep) {
        throw new ApiError("AGENT_NOT_FOUND", `Agent '${r.name}' not found`, {
          agent: r.name,
          platform: this.platform,
        });
      }
      return [r, ep] as const;
    });
    const out: RouteOutcome[] = [];
    for (const [r, ep] of targets) {
      await ep.deliver(delivery, r);
      out.push({ receiver: r.name, status: "delivered" });
    }
    return out;
  }
}
