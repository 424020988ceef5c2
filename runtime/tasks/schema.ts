import { z } from "zod";
import { AgentNameSchema, JsonValueSchema } from "../acl/mod.ts";
import { ProtocolNameSchema } from "../../protocols/mod.ts";
import { STRATEGIES } from "./bids.ts";

/**
 * `POST /api/v1/tasks` (the Task API of `seeds/003`). Participants are agent names; or
 * `requirements` address every provider of a service in the directory facilitator
 * (`service_type` and each of `capabilities` must all be offered); with both, the listed
 * participants that meet the requirements. `min_performance_score` is accepted and ignored.
 */
export const CreateTaskSchema = z.strictObject({
  name: z.string().trim().min(1).max(256),
  description: z.string().max(4096).optional(),
  data: JsonValueSchema.optional(),
  protocol: ProtocolNameSchema.default("fipa-contract-net").refine(
    (p) => p === "fipa-contract-net",
    { message: "only the contract_net protocol distributes tasks" },
  ),
  participants: z.array(AgentNameSchema).min(1).max(4096).optional(),
  timeout_seconds: z.number().positive().max(86_400).default(300),
  requirements: z.strictObject({
    capabilities: z.array(z.string().min(1).max(256)).max(32).optional(),
    service_type: z.string().min(1).max(256).optional(),
    min_performance_score: z.number().optional(),
  }).optional(),
}).refine(
  (t) =>
    t.participants !== undefined || t.requirements?.service_type !== undefined ||
    (t.requirements?.capabilities?.length ?? 0) > 0,
  {
    message:
      "name the participants, or requirements.capabilities / requirements.service_type to find them",
    path: ["participants"],
  },
);
/** A validated task creation. */
export type CreateTask = z.output<typeof CreateTaskSchema>;

/** `POST /api/v1/tasks/{id}/distribute`. */
export const DistributeSchema = z.strictObject({
  strategy: z.enum(STRATEGIES).default("best_bid"),
  /** How long bidders have to answer the cfp (its `reply_by`). */
  max_wait_seconds: z.number().positive().max(3600).default(30),
  /** Answer only once the winner reported its result (or failed), not at the award. */
  wait_for_result: z.boolean().default(false),
});
/** A validated distribution request. */
export type Distribute = z.output<typeof DistributeSchema>;
