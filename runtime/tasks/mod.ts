/**
 * The Task API's engine: tasks distributed among agents with a FIPA contract net run by a
 * platform-side initiator ({@link TaskService}), over a pure initiator core
 * ({@link cnetStart}, {@link cnetReceive}, {@link cnetAward}, ...) and bid strategies
 * ({@link chooseBest}).
 *
 * @example
 * ```ts
 * import { CreateTaskSchema, DistributeSchema, TaskService } from "./runtime/tasks/mod.ts";
 * const tasks = new TaskService({ router });
 * const { task_id } = tasks.create(CreateTaskSchema.parse({ name: "x", participants: ["a"] }));
 * await tasks.distribute(task_id, DistributeSchema.parse({ max_wait_seconds: 2 }));
 * ```
 * @module
 */
export {
  type DistributeResult,
  TaskService,
  type TaskServiceDeps,
  type TaskStatus,
  type TaskView,
} from "./service.ts";
export {
  type RestartDecision,
  restartDecision,
  type StoredTask,
  TASK_PREFIX,
  TaskKv,
} from "./store.ts";
export { type CreateTask, CreateTaskSchema, type Distribute, DistributeSchema } from "./schema.ts";
export { type Bid, bidFacts, chooseBest, STRATEGIES, type Strategy } from "./bids.ts";
export {
  biddingClosed,
  cnetAward,
  cnetCounts,
  cnetGiveUp,
  type CnetOptions,
  cnetReceive,
  cnetStart,
  type CnetState,
  type CnetStep,
  cnetTimedOut,
  cnetUnreachable,
  type ParticipantRecord,
  type ParticipantState,
} from "./contract-net.ts";
