/**
 * A deep copy of plain data (objects, arrays and primitives, as a protocol machine's state
 * is): several times faster than `structuredClone` for the small states copied on every
 * step, which serializes and deserializes. Pure.
 *
 * @example
 * ```ts
 * const copy = clonePlain({ threads: [{ party: "b", trail: ["request"] }] });
 * ```
 */
export function clonePlain<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(clonePlain) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) out[k] = clonePlain((value as Record<string, unknown>)[k]);
  return out as T;
}
