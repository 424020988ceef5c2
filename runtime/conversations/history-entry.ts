import type { AclMessage } from "../acl/mod.ts";
import type { Delivery, RouteOutcome } from "../routing/mod.ts";

/** One routed message as the history keeps it. */
export interface HistoryEntry {
  /** Position in this node's history (increasing; the cursor counts in it). */
  seq: number;
  message_id: string;
  accepted_at: string;
  origin?: Delivery["origin"];
  message: AclMessage;
  receivers: RouteOutcome[];
  /** Estimated size, counted against the byte budget. */
  bytes: number;
  /** The content was too big to keep across a restart (see `kv-store.ts`). */
  content_omitted?: true;
  /** Recorded when routed, but its delivery failed: no longer part of the history. */
  discarded?: true;
}
