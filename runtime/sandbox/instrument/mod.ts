/**
 * Core-module instrumentation: fuel metering at loop headers, a hook for `memory.grow`,
 * and exports of every memory and mutable global, so a host can bound each call's CPU
 * time and memory and can snapshot an instance. Pure functions of bytes.
 * @module
 */
export {
  FUEL_EXPORT,
  GLOBAL_EXPORT_PREFIX,
  HOOKS_EXPORT,
  INSTRUMENT_VERSION,
  instrumentCoreModule,
  type InstrumentReport,
  isInstrumented,
  MEMORY_EXPORT_PREFIX,
} from "./instrument.ts";
export { hookModuleBytes } from "./hook-module.ts";
export { WasmDecodeError } from "./bytes.ts";
