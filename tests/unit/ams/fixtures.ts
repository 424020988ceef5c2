import assert from "node:assert/strict";
import { type AclMessage, aid, type Performative } from "../../../runtime/acl/mod.ts";
import {
  apply,
  type ApplyResult,
  createDirectoryState,
  directoryReader,
  type DirectoryState,
} from "../../../runtime/directory/mod.ts";
import {
  completeRequest,
  handleManagementMessage,
  type ManagementContext,
  type ManagementOutcome,
} from "../../../runtime/ams/mod.ts";
import {
  fillMissingValues,
  parseSlContent,
  slString,
  type SlTerm,
} from "../../../runtime/sl/mod.ts";
import { corpusUrl } from "../../support/corpus.ts";

const CORPUS = corpusUrl("acl-string/expected/");

/** The platform of JADE's DF tests. */
export const JADE_PLATFORM = "IBM10308:1099/JADE";
export const NOW = "2002-03-14T09:00:00.000Z";

interface Expected {
  performative: string;
  sender: string | null;
  receivers: string[];
  content: string | null;
  language: string | null;
  ontology: string | null;
  protocol: string | null;
  conversation_id: string | null;
  reply_with: string | null;
  in_reply_to: string | null;
  reply_by_iso?: string;
  user_params?: Record<string, string>;
}

/** Builds the message of a corpus file by hand from its `expected/*.json` fields. */
export function corpusMessage(name: string): AclMessage {
  const e: Expected = JSON.parse(Deno.readTextFileSync(new URL(`${name}.json`, CORPUS)));
  const msg: AclMessage = {
    performative: e.performative as Performative,
    receivers: e.receivers.map((r) => aid(r)),
  };
  if (e.sender) msg.sender = aid(e.sender);
  for (
    const k of [
      "content",
      "language",
      "ontology",
      "protocol",
      "conversation_id",
      "reply_with",
    ] as const
  ) {
    const v = e[k];
    if (v !== null) msg[k] = v;
  }
  if (e.reply_by_iso) msg.reply_by = e.reply_by_iso;
  if (e.user_params) {
    msg.user_params = Object.fromEntries(
      Object.entries(e.user_params).map(([k, v]) => [k.replace(/^:/, ""), v]),
    );
  }
  return msg;
}

export function context(
  state: DirectoryState,
  extra: Partial<ManagementContext> = {},
): ManagementContext {
  return {
    platform: JADE_PLATFORM,
    addresses: ["http://ibm10308:7778/acc"],
    now: NOW,
    directory: directoryReader(state),
    ...extra,
  };
}

/** What a shell does: handle, commit the commands, and build the final reply. */
export function run(
  state: DirectoryState,
  msg: AclMessage,
  extra: Partial<ManagementContext> = {},
): { outcome: ManagementOutcome; results: ApplyResult[]; replies: AclMessage[] } {
  const outcome = handleManagementMessage(context(state, extra), msg);
  const results = outcome.commands.map((c) => apply(state, c));
  const replies = [...outcome.replies];
  if (outcome.pending) replies.push(completeRequest(outcome.pending, results));
  else assert.equal(outcome.commands.length, 0, "commands without a pending request");
  return { outcome, results, replies };
}

export function freshState(): DirectoryState {
  return createDirectoryState();
}

/** The performatives of replies. */
export function acts(replies: AclMessage[]): string[] {
  return replies.map((r) => r.performative);
}

/** The content elements of a reply. */
export function elements(reply: AclMessage): SlTerm[] {
  assert.equal(typeof reply.content, "string");
  return parseSlContent(reply.content as string);
}

/** The action element of a request's content, as replies echo it (empty slots as ""). */
export function requestAction(msg: AclMessage): SlTerm {
  const [action] = parseSlContent(msg.content as string, { allowMissingValues: true });
  return fillMissingValues(action, slString(""));
}
