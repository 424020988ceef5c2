import type { ListTasksRequest, ListTasksResponse, Task } from "@a2a-js/sdk";
import { InMemoryTaskStore, type ServerCallContext, type TaskStore } from "@a2a-js/sdk/server";

/** Tasks one generation holds before the older one is dropped. */
export const A2A_TASKS_PER_GENERATION = 5000;

/**
 * The SDK's in-memory task store, bounded: tasks live in two generations of at most
 * `perGeneration` each; when the current one is full it becomes the old one and the old one
 * is dropped. A task read or written again moves to the current generation, so the tasks
 * kept are the most recently used (between `perGeneration` and twice as many). `list`
 * answers from the current generation.
 */
export class BoundedTaskStore implements TaskStore {
  #current = new InMemoryTaskStore();
  #old = new InMemoryTaskStore();
  readonly #ids = new Set<string>();

  constructor(readonly perGeneration: number = A2A_TASKS_PER_GENERATION) {}

  async save(task: Task, context: ServerCallContext): Promise<void> {
    this.#admit(task.id);
    await this.#current.save(task, context);
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    if (this.#ids.has(taskId)) return await this.#current.load(taskId, context);
    const old = await this.#old.load(taskId, context);
    if (old !== undefined) await this.save(old, context);
    return old;
  }

  list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    return this.#current.list(params, context);
  }

  #admit(id: string): void {
    if (this.#ids.has(id)) return;
    if (this.#ids.size >= this.perGeneration) {
      this.#old = this.#current;
      this.#current = new InMemoryTaskStore();
      this.#ids.clear();
    }
    this.#ids.add(id);
  }
}
