import { ApiError } from "../errors/mod.ts";

/**
 * Refuses more than one instance of a stateful agent (the default): `409 CONFLICT` naming
 * the field `replicas`. Stateful agents keep state that one instance owns (storage,
 * checkpoints), so only an agent whose manifest says `stateless: true` runs as several.
 */
export function requireStateless(name: string, stateless: boolean | undefined, n: number): void {
  if (n <= 1 || stateless === true) return;
  throw new ApiError(
    "CONFLICT",
    `Agent '${name}' is stateful: replicas must be 1 (set "stateless": true in its ` +
      `manifest to run it as ${n} instances)`,
    { agent: name, field: "replicas", value: n },
  );
}
