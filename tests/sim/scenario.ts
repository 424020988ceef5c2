import {
  type AutopilotPolicy,
  createRng,
  decideAutopilot,
  type MemberHealth,
  RaftError,
  type RaftNode,
  type Rng,
} from "../../runtime/raft/mod.ts";
import { SimCluster } from "./cluster.ts";
import type { Op } from "./history.ts";
import { checkLinearizable } from "./linearizability.ts";

/**
 * A randomized run of a simulated cluster, entirely determined by its seed: clients issue
 * puts and linearizable gets while a nemesis partitions the network, crashes and restarts
 * nodes, changes membership, transfers leadership, and the network loses, duplicates and
 * delays messages; logs are compacted into snapshots often. Then the faults stop and the run
 * checks liveness (a leader is elected and a write commits), convergence of all members, and
 * linearizability of the client history. Safety invariants are checked at every step.
 * @module
 */

/** Time units per tick. */
const TICK = 4;
/** Ticks of chaos. */
const CHAOS_TICKS = 500;
/** Ticks allowed, after healing, for a write to commit. */
const LIVENESS_TICKS = 100;
/** Ticks allowed, after that, for all members to converge. */
const CONVERGE_TICKS = 250;
/** Ticks of silence after which the autopilot replaces a voter. */
const DEAD_TICKS = 25;
/** Ticks after which a client gives up on an operation. */
const CLIENT_TIMEOUT = 40;
const CLIENTS = 5;
const KEYS = ["x", "y", "z"];

/** A failed run: the message names the seed and how to reproduce it. */
export class SimFailure extends Error {
  /** @param seed the run's seed; `reason` what went wrong; `trace` recent nemesis events */
  constructor(readonly seed: number, reason: string, trace: readonly string[]) {
    super(
      `seed ${seed}: ${reason}\n  reproduce: SEED=${seed} deno test -A tests/sim/\n` +
        `  last events:\n    ${trace.slice(-25).join("\n    ")}`,
    );
    this.name = "SimFailure";
  }
}

/** Variants of a run, for tests that prove the checks catch bugs. */
export interface ScenarioVariant {
  /** Serve gets from the local state machine without ReadIndex (not linearizable). */
  unsafeLocalReads?: boolean;
  /** Count replicas of previous-term entries to commit them (unsafe). */
  unsafeCommitPreviousTerm?: boolean;
  /** Let the leader count its own entries before they are durable (unsafe when pipelined). */
  unsafeCountUnpersistedSelf?: boolean;
  /** Force pipelined saves on or off (default: chosen by the seed, on in 3 of 4 runs). */
  pipeline?: boolean;
  /**
   * Membership by autopilot (default: chosen by the seed, in 3 of 10 runs): learners from
   * the start, no random changes; the leader replaces voters silent for a while, crashes hit
   * promotions, and removed nodes return (from their old storage) and are added back as
   * learners. Restarted nodes hold their campaign until they hear from a leader.
   */
  autopilot?: boolean;
  /** Save commit-index-only hard states lazily, as the driver (default: by seed, 3 in 4). */
  lazyCommit?: boolean;
  /** Bad variant: learners get uncommitted entries marked as committed. */
  unsafeLearnerCommitAll?: boolean;
  /** Ticks between a leader's appends to its learners (default: drawn from the seed). */
  learnerPaceTicks?: number;
  /** Bad variant: a restarted node takes its whole stored log as committed. */
  unsafeRestoreCommitAsLast?: boolean;
  /** Bad variant: append responses go out before the save they acknowledge (pipelined). */
  unsafeEarlyAcks?: boolean;
}

/** What a run did. */
export interface ScenarioReport {
  /** The seed. */
  seed: number;
  /** Founding voters. */
  nodes: number;
  /** Client operations and how many succeeded. */
  ops: number;
  /** Successful operations. */
  okOps: number;
  /** Highest committed index. */
  committed: number;
  /** Leaders checked (one per term won). */
  leaders: number;
  /** Membership changes applied. */
  confChanges: number;
  /** Whether membership was run by the autopilot. */
  autopilot: boolean;
  /** What the autopilot did (zeros without it). */
  autopilotEvents: { promote: number; remove: number; returned: number; crashes: number };
  /** Linearizability search states. */
  explored: number;
  /** Messages sent per type. */
  messages: Record<string, number>;
}

interface Client {
  id: number;
  op: Op | null;
  node: string | null;
  deadline: number;
  leaderGuess: string | null;
}

/**
 * Runs the scenario for `seed`.
 * @throws {SimFailure} on any safety, liveness, convergence or linearizability failure
 */
export function runScenario(seed: number, variant: ScenarioVariant = {}): ScenarioReport {
  const setup = createRngFor(seed);
  const nodes = setup.chance(0.5) ? 3 : 5;
  const pipelineDraw = setup.chance(0.75);
  const pipeline = variant.pipeline ?? pipelineDraw;
  const cluster = new SimCluster({
    seed,
    raft: {
      electionTicks: 10,
      heartbeatTicks: setup.chance(0.7) ? 1 : 3,
      maxEntriesPerMessage: setup.pick([1, 3, 64]),
      maxInflight: setup.pick([1, 4, 64]),
      preVote: setup.chance(0.9),
      checkQuorum: setup.chance(0.6),
      unsafeCommitPreviousTerm: variant.unsafeCommitPreviousTerm,
      unsafeCountUnpersistedSelf: variant.unsafeCountUnpersistedSelf,
      unsafeLearnerCommitAll: variant.unsafeLearnerCommitAll,
      // Learners' appends paced (as the cluster runs them: 1) in two runs of three; drawn from
      // the seed, not the setup stream, so every other draw of a seed stays as it was.
      learnerPaceTicks: variant.learnerPaceTicks ?? [0, 1, 3][seed % 3],
    },
    faults: {
      loss: setup.pick([0, 0.01, 0.05, 0.1]),
      duplicate: setup.pick([0, 0.02, 0.05]),
      delay: [1, setup.pick([3, 6, 12])],
      longDelayChance: setup.pick([0, 0.01, 0.03]),
      longDelay: 60,
    },
    compactEvery: setup.pick([4, 8, 25, 1000]),
    unsafeLocalReads: variant.unsafeLocalReads,
    pipeline,
  });
  const autopilot = variant.autopilot ?? setup.chance(0.3);
  const learnerCount = autopilot ? 2 + setup.int(3) : 0;
  cluster.holdCampaignOnRestart = autopilot;
  cluster.lazyCommit = variant.lazyCommit ?? setup.chance(0.75);
  cluster.unsafeRestoreCommitAsLast = variant.unsafeRestoreCommitAsLast ?? false;
  cluster.unsafeEarlyAcks = variant.unsafeEarlyAcks ?? false;
  const policy: AutopilotPolicy = {
    targetVoters: nodes,
    deadAfterMs: DEAD_TICKS * TICK,
    healthyWithinMs: 6 * TICK,
    maxLagEntries: 3,
  };
  const rng = cluster.rng;
  const trace: string[] = [];
  const log = (s: string) => {
    trace.push(`t=${Math.floor(cluster.now / TICK)} ${s}`);
    if (trace.length > 200) trace.splice(0, 100);
  };
  const fail = (reason: string): never => {
    throw new SimFailure(seed, reason, trace);
  };

  const founders = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  const learners0 = Array.from({ length: learnerCount }, (_, i) => `n${nodes + i + 1}`);
  let nextId = nodes + learnerCount + 1;
  cluster.addFounders(founders, learners0);
  const offsets = new Map<string, number>();
  const offsetOf = (id: string) => {
    if (!offsets.has(id)) offsets.set(id, rng.int(TICK));
    return offsets.get(id)!;
  };
  const restartAt = new Map<string, number>();
  const toRetire = new Set<string>();
  let confChanges = 0;
  let lastConfIndex = 0;

  const members = (): { voters: string[]; learners: string[] } => {
    const c = cluster.lastConf?.entry.conf;
    return c ?? { voters: founders, learners: learners0 };
  };

  const clients: Client[] = Array.from({ length: CLIENTS }, (_, id) => ({
    id,
    op: null,
    node: null,
    deadline: 0,
    leaderGuess: null,
  }));
  let ctxSeq = 0;

  // Autopilot: when each node was removed and may return; when the current leader began.
  const returnAt = new Map<string, number>();
  const returned = new Set<string>();
  let leaderKey = "";
  let leaderSince = 0;
  let leaderless = 0;
  const apEvents = { promote: 0, remove: 0, returned: 0, crashes: 0 };

  const runUnit = () => {
    if (autopilot && cluster.now % TICK === 0) releaseHeld();
    if (pipeline) cluster.flushSaves(0.5);
    cluster.deliverDue();
    for (const n of cluster.nodes.values()) {
      if (n.alive && (cluster.now + offsetOf(n.id)) % TICK === 0) n.tick();
    }
    cluster.deliverDue();
    // Retire nodes whose removal committed.
    if (cluster.lastConf && cluster.lastConf.index > lastConfIndex) {
      lastConfIndex = cluster.lastConf.index;
      confChanges++;
      const ch = cluster.lastConf.entry.change;
      log(`conf applied @${lastConfIndex}: ${ch.type} ${ch.node}`);
      if (ch.type === "removeNode") toRetire.add(ch.node);
      if (ch.type === "addLearner") {
        returned.delete(ch.node);
        if (cluster.removed.has(ch.node)) {
          // Re-added while stopped (heard from just before): it comes back as a learner.
          returnAt.delete(ch.node);
          toRetire.delete(ch.node);
          cluster.unretire(ch.node);
          log(`return ${ch.node} (re-added while stopped)`);
        }
      }
    }
    for (const id of [...toRetire]) {
      if (returned.has(id)) toRetire.delete(id);
    }
    for (const id of toRetire) {
      if (!cluster.removed.has(id)) {
        cluster.retire(id);
        restartAt.delete(id);
        log(`retire ${id}`);
        if (autopilot && returnAt.size + returned.size < 3) {
          returnAt.set(id, tickNow() + 10 + rng.int(60));
        }
      }
    }
    cluster.now++;
  };

  const tickNow = () => Math.floor(cluster.now / TICK);

  const serveClients = (issue: boolean) => {
    for (const c of clients) {
      if (c.op && c.op.status !== "pending") c.op = null;
      if (c.op && tickNow() >= c.deadline) {
        const n = c.node ? cluster.nodes.get(c.node) : undefined;
        if (n) n.abandon(c.op);
        else cluster.history.unknown(c.op);
        c.op = null;
      }
      if (c.op || !issue || !rng.chance(0.4)) continue;
      const key = rng.pick(KEYS);
      const live = cluster.liveIds().filter((id) => !cluster.removed.has(id));
      if (live.length === 0) continue;
      if (rng.chance(0.5)) {
        const value = `c${c.id}-${cluster.history.ops.length}`;
        const op = cluster.history.invoke(c.id, "put", key, value);
        const target = c.leaderGuess && rng.chance(0.8) ? c.leaderGuess : rng.pick(live);
        startOp(c, op, target);
      } else {
        const op = cluster.history.invoke(c.id, "get", key);
        const target = c.leaderGuess && rng.chance(0.3) ? c.leaderGuess : rng.pick(live);
        startOp(c, op, target);
      }
    }
  };

  const startOp = (c: Client, op: Op, target: string) => {
    const n = cluster.nodes.get(target);
    if (!n?.alive) {
      cluster.history.fail(op); // connection refused: never reached a node
      c.leaderGuess = null;
      return;
    }
    c.op = op;
    c.node = target;
    c.deadline = tickNow() + CLIENT_TIMEOUT;
    if (op.kind === "put") {
      const hint = n.put(op);
      if (op.status === "fail") c.leaderGuess = hint;
      else c.leaderGuess = target;
    } else {
      n.get(op, `r${ctxSeq++}`);
    }
  };

  const nemesis = () => {
    const live = cluster.liveIds().filter((id) => !cluster.removed.has(id));
    const leader = cluster.leader();
    // Restarts that are due.
    for (const [id, at] of [...restartAt]) {
      if (tickNow() >= at) {
        restartAt.delete(id);
        cluster.restart(id);
        log(`restart ${id}`);
      }
    }
    if (rng.chance(0.03)) {
      const shuffled = shuffle(rng, live);
      const cut = 1 + rng.int(Math.max(1, shuffled.length - 1));
      if (leader && rng.chance(0.5)) {
        cluster.net.isolate(leader.id, [...cluster.nodes.keys()]);
        log(`isolate leader ${leader.id}`);
      } else {
        const side = shuffled.slice(0, cut);
        cluster.net.partition([side]);
        log(`partition [${side}] | rest`);
      }
    }
    if (rng.chance(0.004) && live.length >= 2) {
      const [a, b] = shuffle(rng, live);
      cluster.net.cut(a, b);
      log(`cut ${a} -> ${b}`);
    }
    if (rng.chance(0.04)) {
      cluster.net.heal();
      log("heal");
    }
    if (rng.chance(0.02) && live.length > 0) {
      // Half of the crashes are quick process restarts, the others longer outages.
      const victim = leader && rng.chance(0.4) ? leader.id : rng.pick(live);
      cluster.crash(victim);
      const outage = rng.chance(0.5) ? 1 + rng.int(3) : 5 + rng.int(autopilot ? 80 : 40);
      restartAt.set(victim, tickNow() + outage);
      log(`crash ${victim}`);
    }
    if (autopilot) autopilotStep();
    else if (leader?.raft && rng.chance(0.03)) confChange(leader.raft);
    if (leader?.raft && rng.chance(0.01)) {
      const to = rng.pick(leader.raft.conf.voters);
      try {
        leader.raft.transferLeadership(to);
        leader.process();
        log(`transfer ${leader.id} -> ${to}`);
      } catch (e) {
        if (!(e instanceof RaftError)) throw e;
      }
    }
  };

  /** Held nodes campaign again once no leader was seen for a while (the shell's release). */
  const releaseHeld = () => {
    leaderless = cluster.leader() ? 0 : leaderless + 1;
    if (leaderless < 3 * 10) return;
    for (const n of cluster.nodes.values()) {
      if (n.raft?.campaignHeld) {
        n.raft.releaseCampaign();
        log(`release ${n.id}`);
      }
    }
  };

  /** The leader's autopilot round, as `runtime/cluster/autopilot.ts` runs it. */
  const autopilotStep = () => {
    for (const [id, at] of [...returnAt]) {
      if (tickNow() < at) continue;
      returnAt.delete(id);
      returned.add(id);
      toRetire.delete(id);
      cluster.unretire(id);
      log(`return ${id} (old storage, campaign held)`);
      apEvents.returned++;
    }
    const leader = cluster.leader();
    const raft = leader?.raft;
    if (!leader || !raft) return;
    const key = `${leader.id}/${raft.term}`;
    if (key !== leaderKey) {
      leaderKey = key;
      leaderSince = cluster.now;
    }
    const st = raft.status();
    const pending = st.confIndex > st.commitIndex;
    // A returned node asks to join: the leader adds it back as a learner.
    for (const id of returned) {
      if (pending || st.conf.voters.includes(id) || st.conf.learners.includes(id)) continue;
      try {
        raft.proposeConfChange({ type: "addLearner", node: id });
        leader.process();
        log(`propose addLearner ${id} (returned)`);
      } catch (e) {
        if (!(e instanceof RaftError)) throw e;
      }
      return;
    }
    const health: Record<string, MemberHealth> = {};
    for (const id of [...st.conf.voters, ...st.conf.learners]) {
      if (id === leader.id) continue;
      const heard = Math.max(leader.heard.get(id) ?? leaderSince, leaderSince);
      health[id] = { silentMs: cluster.now - heard, match: st.progress?.[id]?.match ?? 0 };
    }
    const outsiders: Record<string, number> = {};
    for (const n of cluster.nodes.values()) {
      const heard = leader.heard.get(n.id);
      const inConf = st.conf.voters.includes(n.id) || st.conf.learners.includes(n.id);
      if (!inConf && !cluster.removed.has(n.id) && heard !== undefined) {
        outsiders[n.id] = cluster.now - heard;
      }
    }
    const d = decideAutopilot({
      leader: leader.id,
      conf: st.conf,
      commitIndex: st.commitIndex,
      changePending: pending,
      health,
      outsiders,
    }, policy);
    if (!d) return;
    try {
      raft.proposeConfChange(d.change);
      leader.process();
      log(`autopilot ${d.change.type} ${d.change.node}: ${d.reason}`);
      if (d.change.type === "addVoter") apEvents.promote++;
      else if (d.change.type === "removeNode") apEvents.remove++;
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      return;
    }
    if (d.change.type === "addVoter" && rng.chance(0.3)) {
      // A crash in the middle of the promotion: the leader or the promoted learner.
      const victim = rng.chance(0.5) ? leader.id : d.change.node;
      cluster.crash(victim);
      restartAt.set(victim, tickNow() + 1 + rng.int(30));
      log(`crash ${victim} during promotion`);
      apEvents.crashes++;
    }
  };

  const confChange = (raft: RaftNode) => {
    const { voters, learners } = raft.conf;
    const choice = rng.int(3);
    try {
      if (choice === 0 && voters.length + learners.length < 7) {
        const id = `n${nextId}`;
        raft.proposeConfChange({ type: "addLearner", node: id });
        nextId++;
        cluster.addJoiner(id);
        log(`propose addLearner ${id}`);
      } else if (choice === 1 && learners.length > 0) {
        const id = rng.pick(learners);
        raft.proposeConfChange({ type: "addVoter", node: id });
        log(`propose addVoter ${id}`);
      } else if (choice === 2 && (voters.length > 3 || learners.length > 0)) {
        const pool = voters.length > 3 ? [...voters, ...learners] : learners;
        const id = rng.pick(pool);
        raft.proposeConfChange({ type: "removeNode", node: id });
        log(`propose removeNode ${id}`);
      }
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
    cluster.leader()?.process();
  };

  try {
    // Chaos.
    const chaosEnd = CHAOS_TICKS * TICK;
    while (cluster.now < chaosEnd) {
      if (cluster.now % TICK === 0) {
        nemesis();
        serveClients(true);
      }
      runUnit();
    }

    // Heal: no more faults, everyone up.
    cluster.net.heal();
    cluster.net.faults = { loss: 0, duplicate: 0, delay: [1, 3], longDelayChance: 0, longDelay: 0 };
    for (const id of restartAt.keys()) if (!cluster.removed.has(id)) cluster.restart(id);
    restartAt.clear();
    for (const n of cluster.nodes.values()) {
      if (!cluster.removed.has(n.id) && !n.alive) cluster.restart(n.id);
    }
    log("heal all, restart all");

    // Liveness: a leader is elected and a write commits.
    const probeClient: Client = { id: 99, op: null, node: null, deadline: 0, leaderGuess: null };
    const livenessEnd = cluster.now + LIVENESS_TICKS * TICK;
    let committed = false;
    while (!committed) {
      if (cluster.now >= livenessEnd) {
        fail(`liveness: no write committed within ${LIVENESS_TICKS} ticks after healing`);
      }
      if (cluster.now % TICK === 0) {
        serveClients(false);
        if (probeClient.op?.status === "ok") committed = true;
        else if (probeClient.op && probeClient.op.status !== "pending") probeClient.op = null;
        if (probeClient.op && tickNow() >= probeClient.deadline) {
          cluster.nodes.get(probeClient.node!)?.abandon(probeClient.op);
          probeClient.op = null;
        }
        const leader = cluster.leader();
        if (!committed && !probeClient.op && leader) {
          const op = cluster.history.invoke(99, "put", "x", `probe-${cluster.now}`);
          probeClient.op = op;
          probeClient.node = leader.id;
          probeClient.deadline = tickNow() + 20;
          leader.put(op);
        }
      }
      runUnit();
    }

    // Convergence: every member applies everything the leader committed.
    const convergeEnd = cluster.now + CONVERGE_TICKS * TICK;
    for (;;) {
      const leader = cluster.leader();
      const { voters, learners } = members();
      const ids = [...voters, ...learners].filter((id) => cluster.nodes.has(id));
      if (leader?.raft) {
        const target = leader.raft.commitIndex;
        const done = ids.every((id) => {
          const r = cluster.node(id).raft;
          return r !== null && r.appliedIndex === target && r.commitIndex === target;
        });
        if (done) {
          const prints = new Set(ids.map((id) => cluster.node(id).sm.fingerprint()));
          if (prints.size !== 1) fail(`convergence: members applied to ${target} but differ`);
          break;
        }
      }
      if (cluster.now >= convergeEnd) {
        const st = ids.map((id) => {
          const r = cluster.node(id).raft;
          return r
            ? `${id}:${r.role}/t${r.term} c${r.commitIndex} a${r.appliedIndex}`
            : `${id}:down`;
        });
        fail(
          `convergence: members did not catch up within ${CONVERGE_TICKS} ticks: ${st.join(" ")}`,
        );
      }
      if (cluster.now % TICK === 0) serveClients(false);
      runUnit();
    }
    for (const c of [...clients, probeClient]) {
      if (c.op?.status === "pending") cluster.history.unknown(c.op);
    }

    const result = checkLinearizable(cluster.history.ops);
    if (!result.ok) {
      const ops = result.ops!.map((o) =>
        `${o.kind}(${o.value}) c${o.client} [${o.invoke},${o.complete ?? "?"}] ${o.status}`
      );
      fail(
        `linearizability: key ${result.key} history is not linearizable:\n    ${
          ops.join("\n    ")
        }`,
      );
    }
    const ops = cluster.history.ops;
    return {
      seed,
      nodes,
      ops: ops.length,
      okOps: ops.filter((o) => o.status === "ok").length,
      committed: cluster.checker.maxCommitted,
      leaders: cluster.checker.checks.leaders,
      confChanges,
      autopilot,
      autopilotEvents: apEvents,
      explored: result.explored,
      messages: cluster.net.stats.byType,
    };
  } catch (e) {
    if (e instanceof SimFailure) throw e;
    throw new SimFailure(seed, `${(e as Error).name}: ${(e as Error).message}`, trace);
  }
}

function createRngFor(seed: number): Rng {
  // A separate stream for the run's parameters, so that they do not shift the rest.
  return createRng((seed ^ 0x9e3779b9) >>> 0);
}

function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
