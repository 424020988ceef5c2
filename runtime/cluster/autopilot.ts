import { type TimerHandle, type Timers, UNREF_TIMERS } from "../async/mod.ts";
import type { Logger } from "../log/mod.ts";
import {
  type AutopilotDecision,
  type AutopilotPolicy,
  type ClusterStatus,
  type ConfChange,
  decideAutopilot,
  type MemberHealth,
} from "../raft/mod.ts";

/**
 * The shell around {@link decideAutopilot}: it keeps the health view (when this node last
 * heard from each member), and on the leader, every `intervalMs`, asks the pure decision for
 * the next membership change and makes it, one at a time.
 * @module
 */

/** What the autopilot needs from the cluster. */
export interface AutopilotDeps {
  /** This node's id. */
  id: string;
  /** The Raft status as this node sees it. */
  status(): ClusterStatus;
  /** Proposes a membership change and resolves once it is applied here. */
  confChange(change: ConfChange): Promise<unknown>;
  /** Ids of the nodes registered in the directory (members, and those removed while away). */
  registered(): string[];
  /** Called after a learner became a voter (to update its directory record). */
  promoted(node: string): Promise<unknown>;
  log: Logger;
  /** Voters to keep, silence that makes a voter dead, etc. */
  policy: AutopilotPolicy;
  /** How often the leader reconsiders (default 250 ms). */
  intervalMs?: number;
  /** Timers (default: unref'd real timers). */
  timers?: Timers;
  /** Milliseconds clock (default `performance.now`). */
  now?: () => number;
}

/** Keeps the voter count on the leader; see {@link decideAutopilot}. */
export class Autopilot {
  readonly #deps: AutopilotDeps;
  readonly #lastHeard = new Map<string, number>();
  readonly #now: () => number;
  readonly #timers: Timers;
  #leaderSince: number | null = null;
  #timer: TimerHandle | undefined;
  #busy = false;
  #idle: Promise<void> = Promise.resolve();

  /** @param deps see {@link AutopilotDeps} */
  constructor(deps: AutopilotDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => performance.now());
    this.#timers = deps.timers ?? UNREF_TIMERS;
  }

  /** Records that a frame from member `id` arrived just now. */
  heard(id: string): void {
    this.#lastHeard.set(id, this.#now());
  }

  /** Starts the periodic rounds. */
  start(): void {
    this.#timer ??= this.#timers.every(() => this.round(), this.#deps.intervalMs ?? 250);
  }

  /** Stops the rounds and waits for a change in progress. */
  async stop(): Promise<void> {
    this.#timers.clear(this.#timer);
    this.#timer = undefined;
    await this.#idle;
  }

  /**
   * The health of every other member as this node sees it: silence counts from the later
   * of the last frame heard and the moment this node became leader.
   */
  health(status = this.#deps.status()): Record<string, MemberHealth> {
    const now = this.#now();
    const since = this.#leaderSince ?? now;
    const out: Record<string, MemberHealth> = {};
    for (const id of [...status.members.voters, ...status.members.learners]) {
      if (id === this.#deps.id) continue;
      const heard = Math.max(this.#lastHeard.get(id) ?? since, since);
      out[id] = { silentMs: Math.round(now - heard), match: status.matchIndex[id] ?? 0 };
    }
    return out;
  }

  /** The change the leader would make now (null on a follower). */
  decide(): AutopilotDecision {
    const s = this.#deps.status();
    if (s.role !== "leader") {
      this.#leaderSince = null;
      return null;
    }
    this.#leaderSince ??= this.#now();
    const now = this.#now();
    const outsiders: Record<string, number> = {};
    for (const id of this.#deps.registered()) {
      const heard = this.#lastHeard.get(id);
      const inConf = s.members.voters.includes(id) || s.members.learners.includes(id);
      if (!inConf && heard !== undefined) outsiders[id] = Math.round(now - heard);
    }
    return decideAutopilot({
      leader: this.#deps.id,
      conf: s.members,
      commitIndex: s.commitIndex,
      changePending: s.confPending,
      health: this.health(s),
      outsiders,
    }, this.#deps.policy);
  }

  /** One round: decide and, on the leader, make the change (skipped while one runs). */
  round(): void {
    if (this.#busy) return;
    const d = this.decide();
    if (!d) return;
    this.#busy = true;
    this.#idle = this.#apply(d).finally(() => {
      this.#busy = false;
    });
  }

  async #apply(d: NonNullable<AutopilotDecision>): Promise<void> {
    const { log } = this.#deps;
    const { type, node } = d.change;
    try {
      log.info(`autopilot: ${type} ${node}`, { reason: d.reason });
      await this.#deps.confChange(d.change);
      if (type === "addVoter") await this.#deps.promoted(node);
    } catch (e) {
      // Lost leadership, a change raced in, a timeout: the next round decides again.
      log.debug("autopilot change failed", { type, node, error: String(e) });
    }
  }
}
