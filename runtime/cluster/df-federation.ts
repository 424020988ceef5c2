import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import {
  type FederatedAnswer,
  type FederatedSearch,
  federatedSearchInform,
  type FederationContext,
  isAlreadyRegistered,
  readFederatedAnswer,
  registrationRequest,
  SearchIdMemory,
  searchRequestTo,
} from "../ams/mod.ts";
import { backoffDelay, type TimerHandle, type Timers, UNREF_TIMERS } from "../async/mod.ts";
import type { DfAgentDescription } from "../directory/mod.ts";
import type { Logger } from "../log/mod.ts";
import { newMessageId } from "../routing/mod.ts";

/** Where this DF stands with a DF it federates with (registers with). */
export interface FederationStatus {
  /** The other DF's name, e.g. `df@other-platform`. */
  df: string;
  addresses: string[];
  /** `joining`: the register request is under way or will be retried; `registered`: done. */
  state: "joining" | "registered";
  /** Why the last attempt failed, while `joining`. */
  last_error?: string;
  /** Attempts made so far. */
  attempts: number;
}

/** Options of {@link DfFederation}. */
export interface DfFederationOptions {
  /** This platform's DF (`df@<platform>` with the platform's MTP addresses). */
  self: () => AgentIdentifier;
  /** Routes a message; rejects when it cannot be delivered. */
  send: (m: AclMessage) => Promise<void>;
  /** How long a federated DF has to answer a search or a register, ms. */
  timeoutMs: number;
  log: Logger;
  timers?: Timers;
  /** Milliseconds now (for search-id expiry); default `Date.now`. */
  now?: () => number;
}

/** Retries of a register with a federated DF: 1 s doubling up to a minute. */
const JOIN_RETRY = { initialDelayMs: 1000, factor: 2, maxDelayMs: 60_000 };

/**
 * The shell of DF federation (SC00023): registers this platform's DF with other DFs (and
 * retries until it is registered), propagates searches to federated DFs with a time bound
 * and merges their results, and remembers served search ids (loop detection). Answers of
 * federated DFs reach it through {@link offer}, matched by conversation id; the decisions
 * are the pure functions of `ams/federation.ts`.
 */
export class DfFederation {
  readonly #opts: DfFederationOptions;
  readonly #timers: Timers;
  readonly #now: () => number;
  readonly #ids = new SearchIdMemory({ ttlMs: 10 * 60_000, max: 10_000 });
  /** Lower-cased DF name → its status. */
  readonly #parents = new Map<string, { id: AgentIdentifier; status: FederationStatus }>();
  /** Conversation id → what waits for its answer. */
  readonly #waiting = new Map<string, (m: AclMessage) => void>();
  readonly #retries = new Set<TimerHandle>();
  #closed = false;

  constructor(opts: DfFederationOptions) {
    this.#opts = opts;
    this.#timers = opts.timers ?? UNREF_TIMERS;
    this.#now = opts.now ?? Date.now;
  }

  /** What the pure DF handler needs for the next message. */
  context(): FederationContext {
    return {
      parents: [...this.#parents.values()].map((p) => p.id),
      seen: (id) => this.#ids.has(id, this.#now()),
      freshSearchId: `${this.#opts.self().name}-${crypto.randomUUID()}`,
    };
  }

  /** Remembers a served search id. */
  served(searchId: string): void {
    this.#ids.remember(searchId, this.#now());
  }

  /**
   * Takes an answer of a federated DF (by its conversation id); `false` when the message
   * belongs to no conversation of the federation.
   */
  offer(msg: AclMessage): boolean {
    if (msg.performative === "request" || msg.performative === "subscribe") return false;
    const cid = msg.conversation_id;
    const waiter = cid === undefined ? undefined : this.#waiting.get(cid);
    if (waiter === undefined) return false;
    waiter(msg);
    return true;
  }

  /** The DFs this DF registers with, and how far it got. */
  list(): FederationStatus[] {
    return [...this.#parents.values()].map((p) => structuredClone(p.status));
  }

  /**
   * Asks one federated DF and resolves with its final answer, or a failure after the time
   * bound (an `agree` keeps waiting within the same bound).
   */
  #ask(msg: AclMessage): Promise<FederatedAnswer> {
    const cid = msg.conversation_id!;
    const { promise, resolve } = Promise.withResolvers<FederatedAnswer>();
    const done = (a: FederatedAnswer) => {
      this.#timers.clear(timer);
      this.#waiting.delete(cid);
      resolve(a);
    };
    const timer = this.#timers.set(
      () => done({ kind: "failed", reason: `no answer within ${this.#opts.timeoutMs} ms` }),
      this.#opts.timeoutMs,
    );
    this.#waiting.set(cid, (m) => {
      if (isAlreadyRegistered(m)) return done({ kind: "done", results: [] });
      const a = readFederatedAnswer(m);
      if (a.kind !== "agreed") done(a);
    });
    this.#opts.send(msg).catch((e) => done({ kind: "failed", reason: (e as Error).message }));
    return promise;
  }

  #requestIds(): { conversation_id: string; reply_with: string } {
    const id = newMessageId();
    return { conversation_id: `df-federation-${id}`, reply_with: id };
  }

  /**
   * Propagates a search to its targets, waits for their answers (each within the time
   * bound), and returns the final `inform` with the merged results.
   */
  async search(plan: FederatedSearch): Promise<AclMessage> {
    const self = this.#opts.self();
    const answers = await Promise.all(
      plan.targets.map((to) => this.#ask(searchRequestTo(self, to, plan, this.#requestIds()))),
    );
    const remote: DfAgentDescription[][] = [];
    answers.forEach((a, i) => {
      if (a.kind === "done") remote.push(a.results);
      else {
        this.#opts.log.info("federated DF search got no results", {
          df: plan.targets[i].name,
          reason: a.kind === "failed" ? a.reason : a.kind,
        });
      }
    });
    return federatedSearchInform(plan, remote);
  }

  /**
   * Registers this DF with `parent` (a DF of another platform, JADE's included) and keeps
   * it among the federated DFs; a failed attempt is retried in the background (1 s
   * doubling up to a minute). An `already-registered` failure counts as registered.
   * Resolves with the status after the first attempt.
   */
  async join(parent: AgentIdentifier): Promise<FederationStatus> {
    const key = parent.name.toLowerCase();
    let entry = this.#parents.get(key);
    if (entry === undefined) {
      entry = {
        id: parent,
        status: {
          df: parent.name,
          addresses: [...parent.addresses],
          state: "joining",
          attempts: 0,
        },
      };
      this.#parents.set(key, entry);
    } else {
      entry.id = parent;
      entry.status.addresses = [...parent.addresses];
    }
    await this.#attempt(key);
    return structuredClone(this.#parents.get(key)!.status);
  }

  async #attempt(key: string): Promise<void> {
    const entry = this.#parents.get(key);
    if (entry === undefined || this.#closed) return;
    const msg = registrationRequest(this.#opts.self(), entry.id, this.#requestIds());
    entry.status.attempts++;
    const a = await this.#ask(msg);
    if (a.kind === "done") {
      entry.status.state = "registered";
      delete entry.status.last_error;
      this.#opts.log.info("DF federated", { with: entry.id.name });
      return;
    }
    entry.status.state = "joining";
    entry.status.last_error = a.kind === "failed" ? a.reason : a.kind;
    this.#opts.log.warn("DF federation: register failed, will retry", {
      with: entry.id.name,
      reason: entry.status.last_error,
    });
    if (this.#closed) return;
    const h = this.#timers.set(() => {
      this.#retries.delete(h);
      void this.#attempt(key);
    }, backoffDelay(JOIN_RETRY, entry.status.attempts));
    this.#retries.add(h);
  }

  /** Stops retrying; pending asks end at their time bound. */
  close(): void {
    this.#closed = true;
    for (const h of this.#retries) this.#timers.clear(h);
    this.#retries.clear();
  }
}
