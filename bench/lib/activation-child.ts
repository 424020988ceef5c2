/**
 * Child of the `outbound` bench: activation p50 of the tiny agent with the sandbox of the
 * tree this file is run from (the current tree, or a copy of the base commit). Prints
 * `RESULT {"fresh": µs, "fromSnapshot": µs}`; argument: activations (default 200).
 * @module
 */
import { watAgentBytes } from "../../agents/build/mod.ts";
import { measureActivation } from "./activation.ts";

const n = Number(Deno.args[0] ?? 200);
const a = await measureActivation(await watAgentBytes("tiny"), n);
const p50 = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(`RESULT ${JSON.stringify({ fresh: p50(a.fresh), fromSnapshot: p50(a.fromSnapshot) })}`);
Deno.exit(0);
