import { z } from "zod";
import {
  chooseHolder,
  type ConversationService,
  type HistoryPageJson,
  historyPageJson,
} from "../conversations/mod.ts";
import { listMembers } from "../directory/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { NetNode } from "../net/mod.ts";
import type { Cluster } from "./cluster.ts";

/** The libp2p protocol of message history queries between the nodes of a cluster. */
export const HISTORY_PROTOCOL = "/fipa-edge/history/1.0.0";

const Cursor = z.string().regex(/^c[0-9a-z]{1,11}$/);

/** A history query one node asks another (answered from its own history only). */
export const PeerHistoryQuerySchema = z.strictObject({
  conversation_id: z.string().min(1).max(1024).optional(),
  agent: z.string().min(1).max(1024).optional(),
  limit: z.number().int().min(1).max(1000),
  cursor: Cursor.optional(),
  order: z.enum(["asc", "desc"]),
});

/** A history query between nodes. */
export type PeerHistoryQuery = z.output<typeof PeerHistoryQuerySchema>;

/** The answer: one page of the asked node's history, in the JSON form of the HTTP API. */
export const PeerHistoryPageSchema = z.strictObject({
  messages: z.array(z.record(z.string(), z.unknown())).max(1000),
  total: z.number().int().min(0),
  next_cursor: Cursor.optional(),
});

/** Asking the other nodes of the cluster for their message history. */
export interface HistoryPeers {
  /** This node's id. */
  readonly self: string;
  /**
   * Asks one node (`node`), or every other member for the one holding the most matching
   * messages; `undefined` when none has any.
   *
   * @throws {ApiError} `INVALID_REQUEST` when `node` is not a member; `UNAVAILABLE` (or the
   *   peer's error) when that node does not answer.
   */
  ask(
    q: PeerHistoryQuery,
    node?: string,
  ): Promise<{ node: string; page: HistoryPageJson } | undefined>;
}

/**
 * Serves this node's message history to the other members over libp2p, and asks theirs:
 * `GET /api/v1/messages?conversation_id=` on a node that routed none of a conversation's
 * messages is answered by the node that holds them (its agents live there, or it routed
 * them), with cursors that name that node for the next page.
 */
export async function mountHistoryPeers(opts: {
  cluster: Cluster;
  net: NetNode;
  conversations: ConversationService;
  log: Logger;
  /** How long one node has to answer, ms (default 3000). */
  timeoutMs?: number;
}): Promise<HistoryPeers> {
  const { cluster, net, conversations, log } = opts;
  const timeoutMs = opts.timeoutMs ?? 3000;
  await net.handle(HISTORY_PROTOCOL, PeerHistoryQuerySchema, (q, ctx) => {
    if (!cluster.isTrustedPeer(ctx.peer)) {
      throw new ApiError("FORBIDDEN", "not a cluster member", { peer: ctx.peer });
    }
    return historyPageJson(conversations.messages(q));
  });
  const askOne = async (node: string, q: PeerHistoryQuery): Promise<HistoryPageJson> => {
    const addr = cluster.addressOf(node);
    if (addr === undefined) {
      throw new ApiError("UNAVAILABLE", `No address of node '${node}'`, { node });
    }
    const raw = await net.request(addr, HISTORY_PROTOCOL, q, { timeoutMs });
    const r = PeerHistoryPageSchema.safeParse(raw);
    if (!r.success) {
      throw new ApiError("UNAVAILABLE", `Node '${node}' answered a malformed history page`, {
        node,
      });
    }
    return r.data;
  };
  return {
    self: cluster.id,
    async ask(q, node) {
      if (node !== undefined) {
        if (!listMembers(cluster.machine.state).some((m) => m.id === node)) {
          throw new ApiError(
            "INVALID_REQUEST",
            `The cursor names node '${node}', which is not a member of the cluster`,
            { parameter: "cursor", node },
          );
        }
        return { node, page: await askOne(node, q) };
      }
      const others = listMembers(cluster.machine.state).map((m) => m.id)
        .filter((id) => id !== cluster.id);
      const answers = await Promise.all(others.map(async (id) => {
        try {
          return { node: id, page: await askOne(id, q) };
        } catch (e) {
          log.debug("history query to a peer failed", { node: id, error: String(e) });
          return undefined;
        }
      }));
      return chooseHolder(answers.filter((a) => a !== undefined));
    },
  };
}
