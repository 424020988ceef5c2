/**
 * Which instance of an agent takes a message while two versions run side by side, pure: a
 * conversation stays with the instance it started on (conversation id → side), and only new
 * conversations are split by weight. The split is deterministic (an error-diffusion
 * counter): of any run of new conversations under one weight, the new version gets the
 * weight's share to within one conversation, so the shares hold at every stage, however
 * few conversations it sees.
 * @module
 */

/** The two sides: the version that ran before, and the one being deployed. */
export type Side = "stable" | "next";

/** How many conversations each side was given since the weight was last set. */
export interface SplitCounts {
  stable: number;
  next: number;
}

/** Most conversations remembered; the oldest are forgotten first. */
export const MAX_AFFINITIES = 100_000;

/** Splits new conversations by weight and keeps each conversation on its side. */
export class TrafficSplit {
  #weight: number;
  #credit = 0;
  #sides = new Map<string, Side>();
  #counts: SplitCounts = { stable: 0, next: 0 };

  /** A split giving `weight` percent of new conversations to the next version. */
  constructor(weight: number, readonly maxAffinities = MAX_AFFINITIES) {
    this.#weight = clamp(weight);
  }

  /** The next version's share of new conversations, percent. */
  get weight(): number {
    return this.#weight;
  }

  /** Changes the weight (for new conversations only); counts start again. */
  setWeight(weight: number): void {
    this.#weight = clamp(weight);
    this.#credit = 0;
    this.#counts = { stable: 0, next: 0 };
  }

  /** New conversations per side since the weight was set. */
  counts(): SplitCounts {
    return { ...this.#counts };
  }

  /**
   * The side of a message of conversation `id` (`undefined`: a message outside any
   * conversation, split like a new one and not remembered).
   */
  pick(id: string | undefined): Side {
    if (id !== undefined) {
      const known = this.#sides.get(id);
      if (known) return known;
    }
    this.#credit += this.#weight;
    let side: Side = "stable";
    if (this.#credit >= 100) {
      this.#credit -= 100;
      side = "next";
    }
    this.#counts[side]++;
    if (id !== undefined) {
      this.#sides.set(id, side);
      if (this.#sides.size > this.maxAffinities) {
        this.#sides.delete(this.#sides.keys().next().value!);
      }
    }
    return side;
  }

  /** The side conversation `id` was given, if it was (and is still remembered); no change. */
  sideOf(id: string): Side | undefined {
    return this.#sides.get(id);
  }

  /** Forgets the conversations of one side (its instance is gone: they go to the other). */
  forget(side: Side): void {
    for (const [id, s] of this.#sides) if (s === side) this.#sides.delete(id);
  }
}

function clamp(w: number): number {
  return Math.min(100, Math.max(0, w));
}
