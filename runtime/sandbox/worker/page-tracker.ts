import { CHECKPOINT_PAGE_BYTES, type PageDelta } from "../checkpoint-delta.ts";

/**
 * Finds the pages of one linear memory that changed since the last checkpoint by keeping
 * a copy of the memory as it was then and comparing page by page (a word compare that
 * stops at the first difference, so clean pages cost one pass and dirty ones less).
 * Pure apart from the copy it keeps; the caller owns the memory.
 */
export class PageTracker {
  #base: Uint8Array = new Uint8Array(0);

  /**
   * The pages that differ from the last checkpoint (all non-zero pages when `full`), and
   * takes `memory` as the new base. Zero pages come back as `bytes: null`.
   */
  diff(memory: Uint8Array, full: boolean): PageDelta[] {
    const out: PageDelta[] = [];
    const pages = Math.ceil(memory.length / CHECKPOINT_PAGE_BYTES);
    const base = this.#base;
    for (let n = 0; n < pages; n++) {
      const start = n * CHECKPOINT_PAGE_BYTES;
      const end = Math.min(start + CHECKPOINT_PAGE_BYTES, memory.length);
      if (!full && samePage(memory, base, start, end)) continue;
      const zero = isZero(memory, start, end);
      if (full && zero) continue;
      out.push({ n, bytes: zero ? null : memory.slice(start, end) });
    }
    if (!full && base.length === memory.length) {
      for (const p of out) {
        const at = p.n * CHECKPOINT_PAGE_BYTES;
        if (p.bytes) base.set(p.bytes, at);
        else base.fill(0, at, Math.min(at + CHECKPOINT_PAGE_BYTES, base.length));
      }
    } else {
      this.#base = memory.slice();
    }
    return out;
  }

  /** Forgets the base: the next diff compares against zeros (a fresh instance). */
  reset(): void {
    this.#base = new Uint8Array(0);
  }
}

function isZero(b: Uint8Array, start: number, end: number): boolean {
  if ((start & 3) === 0 && ((end - start) & 3) === 0) {
    const w = new Int32Array(b.buffer, b.byteOffset + start, (end - start) >> 2);
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
    return true;
  }
  for (let i = start; i < end; i++) if (b[i] !== 0) return false;
  return true;
}

/** Whether `a` and `b` hold the same bytes in [start, end); past `b`'s end counts as zero. */
function samePage(a: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  if (start >= b.length) return isZero(a, start, end);
  if (end > b.length) {
    for (let i = start; i < b.length; i++) if (a[i] !== b[i]) return false;
    return isZero(a, b.length, end);
  }
  if ((start & 3) === 0 && ((end - start) & 3) === 0) {
    const wa = new Int32Array(a.buffer, a.byteOffset + start, (end - start) >> 2);
    const wb = new Int32Array(b.buffer, b.byteOffset + start, (end - start) >> 2);
    for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return false;
    return true;
  }
  for (let i = start; i < end; i++) if (a[i] !== b[i]) return false;
  return true;
}
