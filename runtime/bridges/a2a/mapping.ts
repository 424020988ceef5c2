import { Part, TaskState } from "@a2a-js/sdk";
import type { JsonValue } from "../../acl/mod.ts";

/**
 * What a FIPA reply means for the A2A task it answers: its new state and whether that state
 * ends the task. `undefined`: the reply changes nothing (an unrelated performative).
 */
export interface TaskStep {
  state: TaskState;
  /** A terminal state: the task is over. */
  final: boolean;
  /** The reply's content becomes the task's artifact (`completed`). */
  artifact: boolean;
}

/**
 * The A2A task state a FIPA reply performative maps to (the gateway's one table): `agree` →
 * `working`; `inform` (and the other answers: `inform-if`, `inform-ref`, `propose`, `confirm`,
 * `disconfirm`) → `completed` with the content as an artifact; `failure` → `failed`;
 * `refuse` and `not-understood` → `rejected`. Pure.
 *
 * @example
 * ```ts
 * taskStep("agree"); // { state: TASK_STATE_WORKING, final: false, artifact: false }
 * ```
 */
export function taskStep(performative: string): TaskStep | undefined {
  switch (performative) {
    case "agree":
      return { state: TaskState.TASK_STATE_WORKING, final: false, artifact: false };
    case "inform":
    case "inform-if":
    case "inform-ref":
    case "propose":
    case "confirm":
    case "disconfirm":
      return { state: TaskState.TASK_STATE_COMPLETED, final: true, artifact: true };
    case "failure":
      return { state: TaskState.TASK_STATE_FAILED, final: true, artifact: false };
    case "refuse":
    case "not-understood":
      return { state: TaskState.TASK_STATE_REJECTED, final: true, artifact: false };
    default:
      return undefined;
  }
}

/**
 * The FIPA performative that carries an A2A agent's answer back to a FIPA agent (the other
 * direction): `completed` → `inform`, `rejected` → `refuse`, `working` → `agree` (not
 * final); every other terminal or interrupted state (`failed`, `canceled`, `input-required`,
 * `auth-required`) → `failure`. Pure.
 */
export function replyPerformative(state: TaskState): "inform" | "refuse" | "agree" | "failure" {
  switch (state) {
    case TaskState.TASK_STATE_COMPLETED:
      return "inform";
    case TaskState.TASK_STATE_REJECTED:
      return "refuse";
    case TaskState.TASK_STATE_WORKING:
    case TaskState.TASK_STATE_SUBMITTED:
      return "agree";
    default:
      return "failure";
  }
}

/** The wire name of a task state (`TASK_STATE_COMPLETED` → `completed`). Pure. */
export function stateName(state: TaskState): string {
  return (TaskState[state] ?? "TASK_STATE_UNSPECIFIED").replace(/^TASK_STATE_/, "")
    .toLowerCase().replaceAll("_", "-");
}

/**
 * The FIPA content of A2A message parts: one text part is its string, one data part its
 * JSON value, several parts an array of those; a file or URL part is
 * `{"url" | "raw", "media_type", "filename"}`. Pure.
 */
export function partsToContent(parts: readonly Part[]): JsonValue | undefined {
  const values = parts.map(partValue).filter((v): v is JsonValue => v !== undefined);
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : values;
}

function partValue(p: Part): JsonValue | undefined {
  const c = p.content;
  if (c === undefined) return undefined;
  switch (c.$case) {
    case "text":
      return c.value;
    case "data":
      return (c.value ?? null) as JsonValue;
    case "url":
      return { url: c.value, media_type: p.mediaType, filename: p.filename };
    case "raw":
      return {
        raw: btoa(String.fromCharCode(...new Uint8Array(c.value))),
        media_type: p.mediaType,
        filename: p.filename,
      };
  }
}

/** The A2A parts of a FIPA content: a string is a text part, other JSON a data part. Pure. */
export function contentToParts(content: JsonValue | undefined): Part[] {
  if (content === undefined) return [];
  if (typeof content === "string") {
    return [{
      content: { $case: "text", value: content },
      metadata: undefined,
      filename: "",
      mediaType: "text/plain",
    }];
  }
  return [{
    content: { $case: "data", value: content },
    metadata: undefined,
    filename: "",
    mediaType: "application/json",
  }];
}
