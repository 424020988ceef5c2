import type { AclMessage } from "../acl/mod.ts";
import type { DirectoryCommand } from "../directory/mod.ts";
import type { FederatedSearch } from "./federation.ts";
import type { PendingRequest } from "./pending.ts";
import type { Subscription } from "./subscriptions.ts";
import type { AmsSubscription } from "./ams-subscriptions.ts";

/**
 * What the AMS/DF handler decided: replies to send now, directory commands to commit
 * through Raft (then {@link completeRequest} with their results gives the final reply),
 * and changes to the DF subscription registry.
 */
export interface ManagementOutcome {
  replies: AclMessage[];
  commands: DirectoryCommand[];
  /** Present exactly when `commands` is not empty. */
  pending?: PendingRequest;
  /** A subscription to add (`addSubscription`). */
  subscribe?: Subscription;
  /** A subscription to remove (`removeSubscription`). */
  unsubscribe?: { subscriber: string; conversation_id?: string };
  /** A search id served (to remember for loop detection in federated search). */
  searched?: string;
  /** A search to propagate to federated DFs before the final `inform`. */
  federate?: FederatedSearch;
  /** An AMS subscription (platform events) to add (`addSubscription`). */
  amsSubscribe?: AmsSubscription;
  /**
   * An AMS `modify`/`deregister` to carry out on the hosted agent `agent` (on node `node`);
   * then `completeRequest(pending, [])` gives the final `inform`, `failRequest` the failure.
   */
  manage?: {
    action: "stop" | "start" | "hibernate" | "remove";
    agent: string;
    node: string;
    pending: PendingRequest;
  };
  /** An AMS subscription to remove (`removeSubscription`). */
  amsUnsubscribe?: { subscriber: string; conversation_id?: string };
}

/** An outcome that only replies. */
export function repliesOnly(...replies: AclMessage[]): ManagementOutcome {
  return { replies, commands: [] };
}
