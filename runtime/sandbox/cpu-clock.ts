/**
 * The per-call CPU limit (`limits.cpu_ms_per_call`), as a pure decision over two injected
 * clocks: the wall clock and the calling thread's CPU time.
 *
 * Reading a thread's CPU time costs ~20 µs (`process.threadCpuUsage()`, a kernel read), a
 * wall-clock read ~0.2 µs, and CPU time never runs faster than wall time. So the fuel
 * refill only compares the wall clock with {@link CallClock.deadline}; once the wall clock
 * passes it, {@link CallClock.check} reads the CPU time and either stops the call or moves the
 * deadline by the CPU time still left. A call within its limit in wall time never reads the
 * CPU clock, and calls that start within a tenth of their limit of the last reading (of any
 * agent on the same thread, {@link CpuReading}) share it: the wall time since that reading is
 * counted as CPU time the call did not use, so an agent is never charged for its neighbours'
 * work, and may use up to a tenth more than its limit.
 *
 * Past {@link wallBackstopMs} of wall time a call stops whatever its CPU time: a thread
 * starved of CPU or asleep does not hold its Worker forever.
 */

/** The two clocks a {@link CallClock} reads, in milliseconds. */
export interface CallClocks {
  /** Monotonic wall time (`performance.now()`). */
  wallMs(): number;
  /** CPU time (user + system) of the calling thread. */
  cpuMs(): number;
}

/** Why a call was stopped: over its CPU time, or over the wall-time backstop. */
export type CallOverrun = "cpu" | "wall";

/**
 * The wall time a call with a CPU limit of `cpuMs` may take at most, asleep or starved of
 * CPU included: ten times its CPU limit, and at least its limit plus two seconds. The node's
 * watchdog stops a Worker whose call runs past this plus its grace.
 */
export function wallBackstopMs(cpuMs: number): number {
  return Math.max(10 * cpuMs, cpuMs + 2000);
}

/** A reading of the thread's CPU time is reused for calls starting within this share of their limit. */
const REUSE_SHARE = 0.1;

/**
 * The last reading of a thread's CPU time, shared by the {@link CallClock}s of the agents
 * that run on that thread (one call at a time), so that calls of many agents in a row share it.
 */
export class CpuReading {
  /** Wall time (ms) of the reading. */
  at = -Infinity;
  /** The thread's CPU time (ms) then. */
  cpuMs = 0;
}

/** The CPU limit of one call at a time on one thread. Pure: time comes from {@link CallClocks}. */
export class CallClock {
  /** Wall time (ms) at which the running call must next be checked; Infinity between calls. */
  deadline = Infinity;
  /** Set when the running call was stopped, and why. */
  overrun: CallOverrun | undefined;
  #cpuAtStart = 0;
  #limitMs = 0;
  #startedAt = 0;
  #backstopAt = Infinity;

  constructor(
    private readonly clocks: CallClocks,
    private readonly reading: CpuReading = new CpuReading(),
  ) {}

  /** Starts a call that may use `cpuMs` of CPU time. */
  start(cpuMs: number): void {
    const now = this.clocks.wallMs();
    if (now - this.reading.at > cpuMs * REUSE_SHARE) this.#read(now);
    // At most this much CPU time had been used when the call started.
    this.#cpuAtStart = this.reading.cpuMs + (now - this.reading.at);
    this.#limitMs = cpuMs;
    this.#startedAt = now;
    this.#backstopAt = now + wallBackstopMs(cpuMs);
    this.deadline = now + cpuMs;
    this.overrun = undefined;
  }

  /** Ends the running call. */
  end(): void {
    this.deadline = Infinity;
  }

  /**
   * Whether the running call must stop; call it once the wall clock passed {@link deadline}.
   * When it may go on, moves {@link deadline} by the CPU time it has left.
   */
  check(): boolean {
    if (this.overrun) return true;
    const now = this.clocks.wallMs();
    if (now >= this.#backstopAt) return this.#stop("wall");
    this.#read(now);
    const used = this.reading.cpuMs - this.#cpuAtStart;
    if (used >= this.#limitMs) return this.#stop("cpu");
    this.deadline = Math.min(now + this.#limitMs - used, this.#backstopAt);
    return false;
  }

  /** Wall time (ms) a sleep of the running call may last until: the backstop. */
  get sleepLimit(): number {
    return this.#backstopAt;
  }

  /** Marks the running call as over its wall-time backstop (a sleep asked to go past it). */
  stopForWall(): void {
    this.#stop("wall");
  }

  /** Why the running call stopped, in words naming its limits. */
  describe(): string {
    const wall = Math.round(this.clocks.wallMs() - this.#startedAt);
    return this.overrun === "wall"
      ? `call ran ${wall} ms of wall time, past the backstop of ` +
        `${wallBackstopMs(this.#limitMs)} ms for a CPU limit of ${this.#limitMs} ms`
      : `call used more than ${this.#limitMs} ms of CPU time (in ${wall} ms of wall time)`;
  }

  #read(now: number): void {
    this.reading.cpuMs = this.clocks.cpuMs();
    this.reading.at = now;
  }

  #stop(why: CallOverrun): true {
    this.overrun = why;
    return true;
  }
}
