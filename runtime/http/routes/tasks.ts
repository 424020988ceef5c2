import { z } from "zod";
import {
  CreateTaskSchema,
  DistributeSchema,
  type TaskService,
  type TaskStatus,
} from "../../tasks/mod.ts";
import type { App } from "../env.ts";
import { readJson } from "../json-body.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

const IdParam = z.object({ id: z.string().min(1).max(256) });
const AnyJson = z.record(z.string(), z.unknown());
const ListQuery = z.object({
  status: z.enum(["created", "distributing", "in_progress", "completed", "failed"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Mounts the Task API (`seeds/003` "Task API"): create, distribute (contract net), status. */
export function taskRoutes(app: App, deps: { tasks: TaskService }): void {
  const { tasks } = deps;
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/tasks",
      summary: "Create a task for distribution among agents",
      description:
        "Participants are agent names, or requirements.capabilities / service_type to address " +
        "every provider of those services in the directory facilitator. Nothing is sent yet.",
      request: {
        body: { required: true, content: { "application/json": { schema: CreateTaskSchema } } },
      },
      responses: {
        201: { description: "Created", content: { "application/json": { schema: AnyJson } } },
        ...errorResponses(400, 401, 415),
      },
    },
    async (c) => {
      const t = tasks.create(await readJson(c, CreateTaskSchema));
      return c.json({ task_id: t.task_id, status: t.status, created_at: t.created_at }, 201);
    },
  );

  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/tasks/{id}/distribute",
      summary: "Distribute a task with the FIPA Contract Net protocol",
      description:
        "Sends a cfp to each participant (reply_by = now + max_wait_seconds), collects " +
        "propose/refuse until all answered or the deadline, accepts the best bid under the " +
        "strategy and rejects the others. Answers at the award, or with wait_for_result once " +
        "the winner sent its inform (result) or failure.",
      request: {
        params: IdParam,
        body: { required: false, content: { "application/json": { schema: DistributeSchema } } },
      },
      responses: {
        200: { description: "The award", content: { "application/json": { schema: AnyJson } } },
        ...errorResponses(400, 401, 404, 409, 415),
      },
    },
    async (c) => {
      const id = c.req.valid("param").id;
      const hasBody = (c.req.header("content-length") ?? "0") !== "0" ||
        c.req.header("transfer-encoding") !== undefined;
      const opts = hasBody ? await readJson(c, DistributeSchema) : DistributeSchema.parse({});
      return c.json(await tasks.distribute(id, opts));
    },
  );

  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/tasks/{id}",
      summary: "A task's status, participants, winning bid and result",
      request: { params: IdParam },
      responses: {
        200: { description: "The task", content: { "application/json": { schema: AnyJson } } },
        ...errorResponses(401, 404),
      },
    },
    (c) => c.json(tasks.get(c.req.valid("param").id)),
  );

  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/tasks",
      summary: "Tasks of this node, newest first",
      request: { query: ListQuery },
      responses: {
        200: { description: "Tasks", content: { "application/json": { schema: AnyJson } } },
        ...errorResponses(400, 401),
      },
    },
    (c) => {
      const q = c.req.valid("query");
      return c.json(tasks.list({ status: q.status as TaskStatus | undefined, limit: q.limit }));
    },
  );
}
