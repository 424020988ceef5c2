import { type Message, Role, type SendMessageRequest, type Task } from "@a2a-js/sdk";
import {
  type AclMessage,
  type AgentIdentifier,
  type JsonValue,
  replyFields,
} from "../../acl/mod.ts";
import { contentToParts, partsToContent, replyPerformative, stateName } from "./mapping.ts";

/** The scheme prefix of an A2A agent's address in a FIPA agent identifier. */
const A2A_ADDRESS = /^a2a\+(https?:\/\/.+)$/i;

/**
 * The A2A base URL of an identifier's first `a2a+http(s)://` address (`a2a+` removed), if
 * any. Pure.
 */
export function a2aAddress(to: AgentIdentifier): string | undefined {
  for (const a of to.addresses) {
    const m = A2A_ADDRESS.exec(a);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * The A2A `SendMessage` request for a FIPA message to an A2A agent: its content as parts,
 * its conversation as the A2A context, the FIPA fields as metadata. Pure but for the id.
 */
export function a2aRequest(msg: AclMessage): SendMessageRequest {
  const parts = contentToParts(msg.content);
  return {
    tenant: "",
    message: {
      messageId: crypto.randomUUID(),
      contextId: msg.conversation_id ?? "",
      taskId: "",
      role: Role.ROLE_USER,
      extensions: [],
      referenceTaskIds: [],
      parts: parts.length > 0 ? parts : contentToParts(""),
      metadata: {
        fipa: {
          performative: msg.performative,
          sender: msg.sender?.name ?? null,
          ...(msg.protocol ? { protocol: msg.protocol } : {}),
          ...(msg.ontology ? { ontology: msg.ontology } : {}),
        },
      },
    },
    configuration: {
      acceptedOutputModes: ["text/plain", "application/json"],
      taskPushNotificationConfig: undefined,
      returnImmediately: false,
    },
    metadata: undefined,
  };
}

function isTask(r: Message | Task): r is Task {
  return "status" in r && "artifacts" in r;
}

/**
 * The FIPA reply to `original` from the A2A agent `from` for its answer: a `Message` is an
 * `inform` of its parts; a `Task` is `inform` (completed: its artifacts' parts, else its
 * status message), `refuse` (rejected), `agree` (still working) or `failure` (failed,
 * canceled, input or auth required: the state and the status message's text). `undefined`
 * when there is nobody to reply to. Pure.
 */
export function fipaReply(
  original: AclMessage,
  from: AgentIdentifier,
  result: Message | Task,
): AclMessage | undefined {
  const fields = replyFields(original, from);
  if (!fields) return undefined;
  if (!isTask(result)) {
    return { performative: "inform", ...fields, content: partsToContent(result.parts) ?? "" };
  }
  const state = result.status?.state ?? 0;
  const performative = replyPerformative(state);
  const said = partsToContent(result.status?.message?.parts ?? []);
  let content: JsonValue | undefined;
  if (performative === "inform") {
    content = partsToContent(result.artifacts.flatMap((a) => a.parts)) ?? said ?? "";
  } else if (performative === "agree") {
    content = said ?? "";
  } else {
    content = {
      state: stateName(state),
      task_id: result.id,
      ...(said === undefined ? {} : { message: said }),
    };
  }
  return { performative, ...fields, content } as AclMessage;
}
