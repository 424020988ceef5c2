/**
 * Sorted string arrays in code-unit order (never `localeCompare`, which depends on the
 * host's locale and would make replicas disagree). Insert and remove are O(log n) to find
 * plus O(n) to shift, which for 10^4 names is a few microseconds.
 */

/** Index of the first element not less than `key`. */
export function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `key` keeping the array sorted; no-op if present. */
export function insertSorted(sorted: string[], key: string): void {
  const i = lowerBound(sorted, key);
  if (sorted[i] !== key) sorted.splice(i, 0, key);
}

/** Removes `key` if present. */
export function removeSorted(sorted: string[], key: string): void {
  const i = lowerBound(sorted, key);
  if (sorted[i] === key) sorted.splice(i, 1);
}

/** Code-unit comparison for `Array.prototype.sort`. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
