import {
  parseAclJson,
  parseAclJsonBySchema,
  parseAclString,
  toAclJson,
  toAclString,
} from "../runtime/acl/mod.ts";
import type { BenchResult } from "./lib/results.ts";
import { throughput } from "./lib/stats.ts";

const SAMPLE_JSON = {
  performative: "request",
  sender: { name: "client@node1", addresses: ["http://node1:8080/acc"] },
  receiver: ["echo@node1"],
  content: '((action (agent-identifier :name echo@node1) (process :file "data.csv")))',
  language: "fipa-sl0",
  ontology: "caxton-v1",
  protocol: "fipa-request",
  conversation_id: "conv_789",
  reply_with: "msg_001",
  reply_by: "2026-11-21T10:15:00.000Z",
};

/** ACL codec throughput, both forms, against JSON.parse/JSON.stringify of the same message. */
export function aclCodecBench(): BenchResult {
  const jsonText = JSON.stringify(SAMPLE_JSON);
  const model = parseAclJson(JSON.parse(jsonText));
  const fipaText = toAclString(model);
  const ms = 1000;
  const bareParse = throughput(() => (JSON.parse(jsonText), 1), ms);
  const bareWrite = throughput(() => (JSON.stringify(SAMPLE_JSON), 1), ms);
  const jsonParse = throughput(() => (parseAclJson(JSON.parse(jsonText)), 1), ms);
  const schemaParse = throughput(() => (parseAclJsonBySchema(JSON.parse(jsonText)), 1), ms);
  const jsonWrite = throughput(() => (JSON.stringify(toAclJson(model)), 1), ms);
  const strParse = throughput(() => (parseAclString(fipaText), 1), ms);
  const strWrite = throughput(() => (toAclString(model), 1), ms);
  const base = (name: string, value: number) => ({ name, value, unit: "msg/s" });
  return {
    id: "acl-codec",
    title: "ACL codecs: parse and serialize throughput",
    figures: [
      {
        name: "JSON form parse (JSON.parse + the hand-written happy path; zod only for errors)",
        value: jsonParse,
        unit: "msg/s",
        baseline: base("JSON.parse", bareParse),
        ratio: jsonParse / bareParse,
        goal: "≥ 0.4",
        note: `through the zod schema alone (before): ${Math.round(schemaParse)} msg/s, ratio ${
          (schemaParse / bareParse).toFixed(3)
        }`,
      },
      {
        name: "JSON form serialize",
        value: jsonWrite,
        unit: "msg/s",
        baseline: base("JSON.stringify", bareWrite),
        ratio: jsonWrite / bareWrite,
      },
      {
        name: "FIPA string parse",
        value: strParse,
        unit: "msg/s",
        baseline: base("JSON.parse", bareParse),
        ratio: strParse / bareParse,
      },
      {
        name: "FIPA string serialize",
        value: strWrite,
        unit: "msg/s",
        baseline: base("JSON.stringify", bareWrite),
        ratio: strWrite / bareWrite,
      },
      {
        name: "FIPA string size",
        value: new TextEncoder().encode(fipaText).length,
        unit: "bytes",
        note: "sample message",
      },
    ],
  };
}
