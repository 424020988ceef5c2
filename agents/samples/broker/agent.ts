/**
 * broker: a broker (FIPA Brokering, SC00033) and a recruiter (FIPA Recruiting, SC00034),
 * depending on the `protocol` of the `proxy` it gets. The proxy's content says what to
 * forward and to whom:
 *
 * ```json
 * {"act": {"performative": "request", "content": {"x": 1}}, "service": "echo", "max": 1}
 * ```
 *
 * (`"targets": ["a", "b"]` names them instead of a `service` of the directory facilitator;
 * `max` caps how many, default 1; the act's `protocol` defaults to the one its performative
 * opens, e.g. `fipa-request`). It `agree`s, or `refuse`s a malformed proxy; with no target
 * it ends with `failure {"reason": "no-match"}`. It forwards the act to each target in the
 * same conversation.
 *
 * - Brokering: it collects the targets' final answers (`inform`, `failure`, `refuse`,
 *   ...) and relays them to the initiator in one message: a single target's answer as it
 *   was, several as `{"results": [...]}`; `failure` when every target failed.
 * - Recruiting: the forwarded act carries `reply_to` = the initiator (or the proxy's own
 *   `reply_to`), so targets answer it directly; the recruiter then sends `inform
 *   {"recruited": [...]}` (done-proxy).
 *
 * Needs network access to the targets and the initiator (`"local"` or `"any"`).
 * @module
 */
import {
  type AclMessage,
  type AgentContext,
  type AgentId,
  agentId,
  contentJson,
  defineAgent,
  type Json,
  json,
  type Performative,
} from "../../sdk/mod.ts";

interface Brokered {
  proxy: AclMessage;
  targets: string[];
  answers: Map<string, AclMessage>;
}

const pending = new Map<string, Brokered>();

const FINAL: ReadonlySet<string> = new Set([
  "inform",
  "failure",
  "refuse",
  "not-understood",
  "confirm",
  "disconfirm",
  "propose",
]);

const OPENS: Record<string, string> = {
  "request": "fipa-request",
  "query-if": "fipa-query",
  "query-ref": "fipa-query",
  "request-when": "fipa-request-when",
  "cfp": "fipa-contract-net",
  "subscribe": "fipa-subscribe",
  "propose": "fipa-propose",
};

function obj(v: Json | undefined): Record<string, Json> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v : {};
}

function relay(p: Brokered, cx: AgentContext): void {
  pending.delete(p.proxy.conversationId ?? "");
  const answers = p.targets.map((t) => p.answers.get(t)!);
  const ok = answers.filter((a) =>
    a.performative !== "failure" && a.performative !== "not-understood"
  );
  if (ok.length === 0) {
    cx.reply(
      p.proxy,
      "failure",
      json({
        reason: "brokering-failed",
        answers: answers.map((a) => ({
          from: a.sender?.name ?? null,
          performative: a.performative,
        })),
      }),
    );
    return;
  }
  if (answers.length === 1) {
    cx.reply(p.proxy, answers[0].performative, answers[0].content);
    return;
  }
  cx.reply(
    p.proxy,
    "inform",
    json({
      results: answers.map((a) => ({
        from: a.sender?.name ?? null,
        performative: a.performative,
        content: contentJson(a) ?? null,
      })),
    }),
  );
}

export default defineAgent({
  handleMessage(m, cx) {
    const cid = m.conversationId ?? "";
    if (m.performative === "proxy") {
      const recruiting = (m.protocol ?? "").toLowerCase().includes("recruit");
      const c = obj(contentJson(m));
      const act = obj(c.act);
      const performative = typeof act.performative === "string" ? act.performative : "";
      if (performative === "" || cid === "" || pending.has(cid)) {
        cx.reply(
          m,
          "refuse",
          json({
            reason: cid === ""
              ? "a proxy needs a conversation_id"
              : performative === ""
              ? "content.act.performative is missing"
              : "a proxy of this conversation is under way",
          }),
        );
        return true;
      }
      const max = typeof c.max === "number" && c.max >= 1 ? Math.floor(c.max) : 1;
      let targets: string[] = Array.isArray(c.targets)
        ? c.targets.filter((t): t is string => typeof t === "string")
        : typeof c.service === "string"
        ? cx.findAgentsByService(c.service).map((a) => a.name)
        : [];
      targets = targets.filter((t) => t !== m.receivers[0]?.name).slice(0, max);
      cx.reply(m, "agree", json({ targets }));
      if (targets.length === 0) {
        cx.reply(m, "failure", json({ reason: "no-match" }));
        return true;
      }
      const replyTo: AgentId[] = recruiting
        ? (m.replyTo.length ? m.replyTo : m.sender ? [m.sender] : [])
        : [];
      const protocol = typeof act.protocol === "string"
        ? act.protocol
        : OPENS[performative] ?? undefined;
      for (const [i, t] of targets.entries()) {
        cx.send({
          performative: performative as Performative,
          receivers: [agentId(t)],
          content: act.content === undefined
            ? undefined
            : typeof act.content === "string"
            ? { tag: "text", val: act.content }
            : json(act.content),
          protocol,
          conversationId: cid,
          replyWith: `${cid}-fwd-${i + 1}`,
          replyTo,
        });
      }
      if (recruiting) cx.reply(m, "inform", json({ recruited: targets }));
      else pending.set(cid, { proxy: m, targets, answers: new Map() });
      return true;
    }
    const p = pending.get(cid);
    const from = m.sender?.name ?? "";
    if (p === undefined) return m.performative === "inform" || m.performative === "failure";
    // The targets are named as the proxy named them; answers carry full names.
    const target = p.targets.find((t) => t === from || from.startsWith(`${t}@`));
    if (target === undefined) {
      // A failure from the platform about an unreachable target counts as its answer.
      if (!from.startsWith("ams@") || m.performative !== "failure") return false;
      const missing = p.targets.find((t) => !p.answers.has(t));
      if (missing === undefined) return true;
      p.answers.set(missing, m);
    } else if (FINAL.has(m.performative)) {
      p.answers.set(target, m);
    } else {
      return true; // agree: the final answer follows
    }
    if (p.answers.size === p.targets.length) relay(p, cx);
    return true;
  },
});
