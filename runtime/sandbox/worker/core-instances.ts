import {
  FUEL_EXPORT,
  GLOBAL_EXPORT_PREFIX,
  hookModuleBytes,
  HOOKS_EXPORT,
  MEMORY_EXPORT_PREFIX,
} from "../instrument/mod.ts";
import type { InstanceState } from "../snapshot.ts";
import { CallClock, type CallClocks, CpuReading } from "../cpu-clock.ts";
import process from "node:process";

/** Fuel handed out per refill: loop iterations between two wall-clock reads. */
export const FUEL_QUANTUM = 20_000;

let hookModule: WebAssembly.Module | undefined;

/** The clocks of the Worker's thread: `performance.now()` and the thread's own CPU time. */
export const threadClocks: CallClocks = {
  wallMs: () => performance.now(),
  cpuMs: () => {
    const u = process.threadCpuUsage();
    return (u.user + u.system) / 1000;
  },
};

/** The last reading of this Worker thread's CPU time, shared by its agents' budgets. */
const threadReading = new CpuReading();

/** Per-agent budget the hooks of its instrumented instances enforce. */
export class Budget {
  /** The running call's CPU limit (see `cpu-clock.ts`). */
  readonly clock: CallClock;
  /** Set when a `memory.grow` was refused for the memory cap. */
  memoryRefused = false;
  readonly instances: CoreInstance[] = [];

  constructor(readonly memoryCap: number, clocks: CallClocks = threadClocks) {
    this.clock = new CallClock(clocks, clocks === threadClocks ? threadReading : new CpuReading());
  }

  /** Set when the running call was stopped for its CPU limit or its wall-time backstop. */
  get cpuExceeded(): boolean {
    return this.clock.overrun !== undefined;
  }

  /** Bytes of linear memory across the agent's instances. */
  memoryBytes(): number {
    let n = 0;
    for (const i of this.instances) for (const m of i.memories.values()) n += m.buffer.byteLength;
    return n;
  }

  /** Starts a call: a fresh CPU budget and a small fuel quantum so the first check is soon. */
  startCall(cpuMs: number): void {
    this.clock.start(cpuMs);
    this.memoryRefused = false;
    for (const i of this.instances) if (i.fuel) i.fuel.value = FUEL_QUANTUM;
  }

  /** Refill hook: fresh fuel while the call is within its CPU limit, else 0 (trap). */
  refill = (): number => {
    if (this.clock.overrun) return 0;
    if (performance.now() > this.clock.deadline && this.clock.check()) return 0;
    return FUEL_QUANTUM;
  };
}

/** One core instance of an agent's component, with what the host reads and restores. */
export class CoreInstance {
  readonly memories = new Map<number, WebAssembly.Memory>();
  readonly globals = new Map<number, WebAssembly.Global>();
  fuel?: WebAssembly.Global;

  constructor(readonly instance: WebAssembly.Instance) {
    for (const [name, value] of Object.entries(instance.exports)) {
      if (name.startsWith(MEMORY_EXPORT_PREFIX)) {
        this.memories.set(
          Number(name.slice(MEMORY_EXPORT_PREFIX.length)),
          value as WebAssembly.Memory,
        );
      } else if (name.startsWith(GLOBAL_EXPORT_PREFIX)) {
        this.globals.set(
          Number(name.slice(GLOBAL_EXPORT_PREFIX.length)),
          value as WebAssembly.Global,
        );
      } else if (name === FUEL_EXPORT) {
        this.fuel = value as WebAssembly.Global;
      }
    }
  }

  /** Copies the memories and numeric mutable globals. */
  capture(opts: { memories?: boolean } = {}): InstanceState {
    const memories = opts.memories === false ? [] : [...this.memories].map(([index, m]) => ({
      index,
      bytes: new Uint8Array(m.buffer).slice(),
    }));
    const globals: InstanceState["globals"] = [];
    for (const [index, g] of this.globals) {
      let value: unknown;
      try {
        value = g.value;
      } catch {
        continue; // v128 globals cannot be read from JS
      }
      if (typeof value === "number" || typeof value === "bigint") globals.push({ index, value });
    }
    return { memories, globals };
  }

  /** Writes a captured state back; memories grow as needed, bytes past the state are zeroed. */
  restore(state: InstanceState): void {
    for (const { index, bytes } of state.memories) {
      const m = this.memories.get(index);
      if (!m) throw new Error(`snapshot has memory ${index} the instance does not`);
      const need = Math.ceil(bytes.length / 65536) - m.buffer.byteLength / 65536;
      if (need > 0) m.grow(need);
      const view = new Uint8Array(m.buffer);
      view.set(bytes);
      view.fill(0, bytes.length);
    }
    for (const { index, value } of state.globals) {
      const g = this.globals.get(index);
      if (!g) throw new Error(`snapshot has global ${index} the instance does not`);
      g.value = value;
    }
  }
}

/**
 * The `instantiateCore` hook given to jco's bindings: instantiates a core module and, when
 * it was instrumented, installs the agent's refill and grow hooks in its hook table.
 */
export function coreInstantiator(
  budget: Budget,
): (module: WebAssembly.Module, imports?: WebAssembly.Imports) => WebAssembly.Instance {
  return (module, imports) => {
    const instance = new WebAssembly.Instance(module, imports ?? {});
    const core = new CoreInstance(instance);
    const table = instance.exports[HOOKS_EXPORT] as WebAssembly.Table | undefined;
    if (table) {
      hookModule ??= new WebAssembly.Module(hookModuleBytes() as BufferSource);
      const grow = (delta: number, memory: number): number => {
        const m = core.memories.get(memory);
        const add = (delta >>> 0) * 65536;
        if (!m || budget.memoryBytes() + add > budget.memoryCap) {
          budget.memoryRefused = true;
          return -1;
        }
        try {
          return m.grow(delta >>> 0);
        } catch {
          return -1;
        }
      };
      const hooks = new WebAssembly.Instance(hookModule, { h: { refill: budget.refill, grow } });
      table.set(0, hooks.exports.refill as () => number);
      table.set(1, hooks.exports.grow as () => number);
    }
    if (table || core.memories.size || core.globals.size) budget.instances.push(core);
    return instance;
  };
}
