import type { AgentIdentifier } from "../../acl/mod.ts";
import { slFrame, type SlItem, slParam, slSequence, type SlTerm } from "../ast.ts";
import { writeSl } from "../writer.ts";
import { FrameReader, readCollection, readText } from "./frame.ts";
import { slText } from "./text.ts";

/**
 * Reads `(agent-identifier :name n [:addresses (sequence url*)] [:resolvers (sequence aid*)]
 * [:X-slot value]*)`. Parameters other than name/addresses/resolvers become `user_params`
 * (keyed as written, without the colon; a non-text value is kept as its SL text).
 *
 * @param parameter what the term is the value of, for error reports (default `name`)
 * @throws {OntologyError} (`missing-parameter agent-identifier name`, ...)
 */
export function agentIdentifierFromSl(t: SlTerm, parameter = "name"): AgentIdentifier {
  const f = new FrameReader(t, "agent-identifier", parameter);
  const name = readText(f.required("name"), "name");
  const addresses: string[] = [];
  for (const a of f.all("addresses")) {
    for (const e of readCollection(a, "addresses")) addresses.push(readText(e, "addresses"));
  }
  const resolvers: AgentIdentifier[] = [];
  for (const r of f.all("resolvers")) {
    for (const e of readCollection(r, "resolvers")) {
      resolvers.push(agentIdentifierFromSl(e, "resolvers"));
    }
  }
  const user_params: Record<string, string> = {};
  f.finish((p) => {
    const v = p.value!;
    user_params[p.name] = v.kind === "word" || v.kind === "string" ? v.value : writeSl(v);
    return true;
  });
  return { name, addresses, resolvers, user_params };
}

/**
 * Writes an agent identifier; empty address and resolver sequences are left out, user
 * parameters are written as strings.
 *
 * @example
 * ```ts
 * writeSl(agentIdentifierToSl(aid("df@p", ["http://h:7778/acc"])));
 * // "(agent-identifier :name df@p :addresses (sequence http://h:7778/acc))"
 * ```
 */
export function agentIdentifierToSl(id: AgentIdentifier): SlTerm {
  const t = slFrame("agent-identifier", { name: slText(id.name) });
  const items: SlItem[] = t.items;
  if (id.addresses.length) items.push(slParam("addresses", slSequence(id.addresses.map(slText))));
  if (id.resolvers.length) {
    items.push(slParam("resolvers", slSequence(id.resolvers.map(agentIdentifierToSl))));
  }
  for (const [k, v] of Object.entries(id.user_params)) items.push(slParam(k, slText(v)));
  return t;
}
