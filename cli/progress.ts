/** Spinner frames. */
export const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** `1.5 MiB`-style size. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** `850 ms`, `4.2 s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** A progress bar: `[########----------]  42%  1.1 MiB/2.6 MiB`. Pure. */
export function renderBar(done: number, total: number, width = 24): string {
  const f = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const full = Math.round(f * width);
  const pct = `${Math.floor(f * 100)}%`.padStart(4);
  return `[${"#".repeat(full)}${"-".repeat(width - full)}] ${pct}  ` +
    `${formatBytes(done)}/${formatBytes(total)}`;
}

/** A spinner line: `⠹ waiting for the reply  1.2 s`. Pure. */
export function renderSpinner(label: string, frame: number, elapsedMs: number): string {
  return `${SPINNER[frame % SPINNER.length]} ${label}  ${formatDuration(elapsedMs)}`;
}

/** What a {@link Progress} writes to and how it tells time. */
export interface ProgressSink {
  write(text: string): void;
  /** Whether the output is a terminal (progress is only drawn on one). */
  tty: boolean;
  now(): number;
  /** Calls `fn` every `ms`; returns the function that stops it. */
  every(fn: () => void, ms: number): () => void;
}

/** A sink on stderr with the real clock. */
export function stderrSink(): ProgressSink {
  const enc = new TextEncoder();
  return {
    write: (t) => void Deno.stderr.writeSync(enc.encode(t)),
    tty: Deno.stderr.isTerminal(),
    now: () => performance.now(),
    every: (fn, ms) => {
      const id = setInterval(fn, ms);
      return () => clearInterval(id);
    },
  };
}

/**
 * The progress display of long operations, on one line of a terminal: a bar for uploads,
 * a spinner with the elapsed time for waits. Draws nothing when disabled or when the
 * output is not a terminal, so piped output stays clean.
 */
export class Progress {
  #frame = 0;
  #label = "";
  #started = 0;
  #stop: (() => void) | undefined;
  #drawn = false;

  constructor(readonly sink: ProgressSink, readonly enabled: boolean) {}

  get #on(): boolean {
    return this.enabled && this.sink.tty;
  }

  #draw(line: string): void {
    this.sink.write(`\r\x1b[2K${line}`);
    this.#drawn = true;
  }

  /** Shows a bar for `done` of `total` bytes. */
  bar(label: string, done: number, total: number): void {
    if (!this.#on) return;
    this.#stopSpinner();
    this.#draw(`${label}  ${renderBar(done, total)}`);
  }

  /** Shows a spinner with `label` and the time since this call, until the next update. */
  spin(label: string): void {
    if (!this.#on) return;
    this.#stopSpinner();
    this.#label = label;
    this.#started = this.sink.now();
    const tick = () =>
      this.#draw(renderSpinner(this.#label, this.#frame++, this.sink.now() - this.#started));
    tick();
    this.#stop = this.sink.every(tick, 100);
  }

  #stopSpinner(): void {
    this.#stop?.();
    this.#stop = undefined;
  }

  /** Stops and clears the line. */
  clear(): void {
    this.#stopSpinner();
    if (this.#drawn) this.sink.write("\r\x1b[2K");
    this.#drawn = false;
  }
}
