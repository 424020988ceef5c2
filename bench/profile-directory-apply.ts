/**
 * CPU per applied directory entry on any replica: applies `n` `df.register` proposals (each
 * a fresh agent with one service, as the cluster bench writes them) to a
 * {@link DirectoryMachine}, then times the parts of one apply separately (decode + JSON
 * parse, the proposal's zod validation, the directory's own apply). Prints µs per entry and
 * the machine load. Run it with `--cpu-prof` for the profile:
 *
 * `deno run -A bench/profile-directory-apply.ts [n] [rounds]`
 * @module
 */
import { DirectoryMachine } from "../runtime/cluster/mod.ts";
import { aid } from "../runtime/acl/mod.ts";
import {
  applyOnce,
  createDirectoryState,
  dfAgentDescription,
  DirectoryProposalSchema,
  serviceDescription,
} from "../runtime/directory/mod.ts";
import type { NormalEntry } from "../runtime/raft/mod.ts";

const [n = 20_000, rounds = 3] = Deno.args.filter((a) => !a.startsWith("--")).map(Number);
const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The `i`-th entry: a proposal registering `svc-<round>-<i>@bench` with one service. */
function entry(round: number, i: number): NormalEntry {
  const proposal = {
    request_id: `node-1/bench/${round}/${i}`,
    command: {
      type: "df.register",
      description: dfAgentDescription(aid(`svc-${round}-${i}@bench`), {
        services: [
          serviceDescription({ name: `s${i % 50}`, type: "bench", protocols: ["fipa-request"] }),
        ],
      }),
      at: "2026-01-01T00:00:00.000Z",
    },
  };
  return { type: "normal", index: i + 1, term: 1, data: encoder.encode(JSON.stringify(proposal)) };
}

const us = (ms: number) => (ms * 1000 / n).toFixed(2);
for (let round = 0; round < rounds; round++) {
  const entries = Array.from({ length: n }, (_, i) => entry(round, i));
  const m = new DirectoryMachine();
  let t = performance.now();
  for (const e of entries) if (!m.apply(e).ok) throw new Error(`entry ${e.index} refused`);
  const whole = performance.now() - t;
  t = performance.now();
  const parsed = entries.map((e) => JSON.parse(decoder.decode(e.data)));
  const parse = performance.now() - t;
  t = performance.now();
  const proposals = parsed.map((j) => DirectoryProposalSchema.parse(j));
  const zod = performance.now() - t;
  const state = createDirectoryState();
  t = performance.now();
  for (const p of proposals) applyOnce(state, p, undefined, { owned: true });
  const own = performance.now() - t;
  console.log(
    `n=${n} µs/entry: machine.apply ${us(whole)} = parse ${us(parse)} + zod ${us(zod)} + ` +
      `applyOnce ${us(own)} (load ${load()})`,
  );
}
