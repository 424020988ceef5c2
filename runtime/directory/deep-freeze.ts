/**
 * Freezes a plain JSON-like value and everything inside it (own enumerable properties);
 * returns it. A frozen object is taken as frozen all through (everything this module
 * freezes is), so shared frozen parts are not walked again.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) freeze(value);
  return value;
}

/** Freezes `o` and its unfrozen object members, without allocating for arrays. */
function freeze(o: object): void {
  Object.freeze(o);
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const v = o[i];
      if (v !== null && typeof v === "object" && !Object.isFrozen(v)) freeze(v);
    }
    return;
  }
  for (const k of Object.keys(o)) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== null && typeof v === "object" && !Object.isFrozen(v)) freeze(v);
  }
}
