/** Prints the node's host ↔ sandbox Worker postMessage counts on stderr (bench servers). */
import { crossings } from "../../runtime/sandbox/sandbox-worker.ts";

/** One line: calls and posts each way, and calls per post. */
export function printCrossings(): void {
  const c = crossings;
  console.error(
    `CROSSINGS ${c.calls} calls in ${c.callPosts} posts ` +
      `(${(c.calls / Math.max(1, c.callPosts)).toFixed(2)} per post), ` +
      `${c.replies} replies in ${c.replyPosts} posts ` +
      `(${(c.replies / Math.max(1, c.replyPosts)).toFixed(2)} per post)`,
  );
}
