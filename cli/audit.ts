/** One record of `GET /api/v1/audit`, as the CLI prints it. */
export interface AuditRecordView {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  trace_id?: string;
  details?: Record<string, unknown>;
}

/** One line per record: seq, time, outcome, action, target, actor, details. */
export function formatAuditPage(
  page: { records: AuditRecordView[]; next_cursor?: string },
): string {
  const lines = page.records.map((r) => {
    const details = r.details && Object.keys(r.details).length
      ? ` ${Object.entries(r.details).map(([k, v]) => `${k}=${v}`).join(" ")}`
      : "";
    return `${String(r.seq).padStart(6)} ${r.at} ${r.outcome.padEnd(7)} ${
      r.action.padEnd(20)
    } ${r.target} by ${r.actor}${details}`;
  });
  if (lines.length === 0) lines.push("no audit records");
  if (page.next_cursor) lines.push(`(more: --cursor ${page.next_cursor})`);
  return lines.join("\n");
}

/** The verdict of `GET /api/v1/audit/verify`. */
export function formatAuditVerdict(
  v: { ok: boolean; checked: number; seq?: number; reason?: string },
): string {
  return v.ok
    ? `audit chain intact: ${v.checked} records verified`
    : `audit chain BROKEN at record ${v.seq}: ${v.reason} (${v.checked} verified before it)`;
}
