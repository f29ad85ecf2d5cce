// Misuse reports (src/domain/misuse-reports.ts): one row each in misuse_reports, written like a
// screening's aggregate, one statement per change: the report, its audit events (hash-chained
// in SQL, aggregate.ts AUDIT_CHAIN) and its outbox rows land together or not at all. A report is
// not a screening: its audit events and deliveries name no screening.
import { z } from "zod";
import type { AuditEntryDraft } from "../domain/aggregate.js";
import { isReportStatus, type MisuseReportRecord, type ReportChange, type ReviewedScreening } from "../domain/misuse-reports.js";
import { isScreeningStatus, type ScreeningStatus } from "../domain/screening.js";
import { AUDIT_CHAIN, chainable } from "./aggregate.js";
import { GENESIS_HASH as GENESIS } from "./audit.js";
import { DeliveryPayloadSchema } from "./deliveries.js";
import { normaliseJson } from "./json.js";
import type { Sql } from "./sql.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------------
// Creating

export interface NewMisuseReport {
  id: string;
  /** null when anonymous (the database refuses a reporter on an anonymous report) */
  reporterId: string | null;
  anonymous: boolean;
  teamId: string | null;
  item: string;
  parties: string;
  country: string;
  happened: string;
  evidence: string[];
  screeningId: string | null;
  source: { channelId: string; messageTs: string } | null;
  channelId: string;
}

/**
 * A new report, its reference (MR-YYYY-NNNN, from the year's counter), the request key, its
 * report.created event and the delivery that posts it, in one statement. The event's data names
 * the reference, known only inside the statement, through a marker spliced into its canonical
 * JSON (as aggregate.ts createAggregate does). Null when the request key was already taken (a
 * replay): nothing is written and no number is used up.
 */
export async function createMisuseReport(
  sql: Sql,
  args: { report: NewMisuseReport; requestKey?: string | undefined; now: Date; audit: { actorId: string; type: string; data: AuditEntryDraft["data"] }; deliveryId: string },
): Promise<{ reference: string; deliveryId: string } | null> {
  const refMarker = "\u0001REF\u0001";
  const [event] = chainable([{ screeningId: null, actorId: args.audit.actorId, type: args.audit.type, data: { ...args.audit.data, reference: refMarker } }], args.now);
  if (!event) throw new Error("unreachable");
  const r = args.report;
  const payload = DeliveryPayloadSchema.parse({ kind: "sync_misuse_report", reportId: r.id });
  const row = {
    id: r.id,
    anonymous: r.anonymous,
    reporter_id: r.anonymous ? null : r.reporterId,
    team_id: r.teamId,
    item: r.item,
    parties: r.parties,
    country: r.country,
    happened: r.happened,
    evidence: r.evidence,
    screening_id: r.screeningId,
    source_channel_id: r.source?.channelId ?? null,
    source_message_ts: r.source?.messageTs ?? null,
    channel_id: r.channelId,
  };
  const rows = await sql.query<{ reference: string | null; delivery_id: string | null }>(
    `WITH RECURSIVE
claim AS (
  INSERT INTO processed_requests (key, created_at) SELECT $1::text, $2::timestamp(3) WHERE $1::text IS NOT NULL
  ON CONFLICT (key) DO NOTHING RETURNING key
),
go AS (SELECT 1 AS ok WHERE $1::text IS NULL OR EXISTS (SELECT 1 FROM claim)),
counter AS (
  INSERT INTO misuse_report_counters (year, last) SELECT $3::int, 1 FROM go
  ON CONFLICT (year) DO UPDATE SET last = misuse_report_counters.last + 1
  RETURNING 'MR-' || year || '-' || lpad(last::text, greatest(4, length(last::text)), '0') AS reference
),
ins AS (
  INSERT INTO misuse_reports (id, reference, status, anonymous, reporter_id, team_id, item, parties, country, happened, evidence,
                              screening_id, source_channel_id, source_message_ts, channel_id, version, created_at, updated_at)
  SELECT x.id, counter.reference, 'open', x.anonymous, x.reporter_id, x.team_id, x.item, x.parties, x.country, x.happened, x.evidence,
         x.screening_id, x.source_channel_id, x.source_message_ts, x.channel_id, 0, $2::timestamp(3), $2::timestamp(3)
  FROM counter, jsonb_to_record($4::jsonb) AS x(id uuid, anonymous boolean, reporter_id text, team_id text, item text, parties text,
       country text, happened text, evidence jsonb, screening_id uuid, source_channel_id text, source_message_ts text, channel_id text)
  RETURNING id, reference
),
ev AS (
  SELECT 1 AS n, replace(x.head, $6::text, ins.reference) AS head, replace(x.tail, $6::text, ins.reference) AS tail,
         NULL::uuid AS screening_id, x.actor_id, x.type,
         jsonb_set(x.data, '{reference}', to_jsonb(ins.reference)) AS data, x.created_at
  FROM ins, jsonb_to_record($5::jsonb) AS x(head text, tail text, actor_id text, type text, data jsonb, created_at timestamp(3))
),
chain(n, prev, hash) AS (
  SELECT 0, NULL::text, coalesce((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), '${GENESIS}')
  UNION ALL
  SELECT ev.n, chain.hash, encode(sha256(convert_to(ev.head || chain.hash || ev.tail, 'UTF8')), 'hex')
  FROM chain JOIN ev ON ev.n = chain.n + 1
),
aud AS (
  INSERT INTO audit_events (screening_id, actor_id, type, data, created_at, prev_hash, hash)
  SELECT ev.screening_id, ev.actor_id, ev.type, ev.data, ev.created_at, chain.prev, chain.hash
  FROM ev JOIN chain ON chain.n = ev.n
  RETURNING seq
),
dlv AS (
  INSERT INTO deliveries (id, kind, screening_id, payload, status, attempts, next_attempt_at, created_at)
  SELECT $7::uuid, $8::text, NULL, $9::jsonb, 'pending', 0, $2::timestamp(3), $2::timestamp(3) FROM ins
  RETURNING id
)
SELECT (SELECT reference FROM ins) AS reference, (SELECT id::text FROM dlv) AS delivery_id, (SELECT count(*) FROM aud)::int AS events`,
    [
      args.requestKey ?? null,
      args.now.toISOString(),
      args.now.getUTCFullYear(),
      JSON.stringify(normaliseJson(row)),
      JSON.stringify(event),
      JSON.stringify(refMarker).slice(1, -1),
      args.deliveryId,
      payload.kind,
      JSON.stringify(normaliseJson(payload)),
    ],
  );
  const out = rows[0];
  if (!out?.reference || !out.delivery_id) return null;
  return { reference: out.reference, deliveryId: out.delivery_id };
}

// ---------------------------------------------------------------------------------------------
// Reading

/** A `timestamp` column as row_to_json writes it ("2026-12-01T10:00:00.123"), holding UTC. */
const Timestamp = z.string().transform((s, ctx) => {
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: "custom", message: `not a timestamp: ${s}` });
    return z.NEVER;
  }
  return d;
});

const Reviewed = z.array(
  z.object({
    screeningId: z.string(),
    reference: z.string(),
    previousStatus: z.string().refine(isScreeningStatus, "unknown screening status"),
    matchedOn: z.enum(["reference", "end_user"]),
  }),
);

const ReportRow = z.object({
  id: z.string(),
  reference: z.string(),
  status: z.string().refine(isReportStatus, "unknown report status"),
  anonymous: z.boolean(),
  reporter_id: z.string().nullable(),
  item: z.string(),
  parties: z.string(),
  country: z.string(),
  happened: z.string(),
  evidence: z.array(z.string()),
  screening_id: z.string().nullable(),
  source_channel_id: z.string().nullable(),
  source_message_ts: z.string().nullable(),
  channel_id: z.string(),
  message_ts: z.string().nullable(),
  acknowledged_by: z.string().nullable(),
  acknowledged_at: Timestamp.nullable(),
  reassessment_by: z.string().nullable(),
  reassessment_at: Timestamp.nullable(),
  reviewed: Reviewed.nullable(),
  closed_by: z.string().nullable(),
  closed_at: Timestamp.nullable(),
  close_rationale: z.string().nullable(),
  version: z.number().int(),
  created_at: Timestamp,
});

const Loaded = z.object({ report: ReportRow, screening_reference: z.string().nullable(), seen: z.boolean() });

const json = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);

/** A report by id, with the reference of the screening it names; null when there is none. `seen`: the request key was handled. */
export async function loadMisuseReport(sql: Sql, reportId: string, requestKey?: string): Promise<{ report: MisuseReportRecord; seen: boolean } | null> {
  if (!UUID.test(reportId)) return null;
  const rows = await sql.query<{ agg: unknown }>(
    `SELECT json_build_object(
       'report', row_to_json(r),
       'screening_reference', (SELECT s.reference FROM screenings s WHERE s.id = r.screening_id),
       'seen', CASE WHEN $2::text IS NULL THEN false ELSE EXISTS (SELECT 1 FROM processed_requests WHERE key = $2::text) END) AS agg
     FROM misuse_reports r WHERE r.id = $1::uuid`,
    [reportId, requestKey ?? null],
  );
  if (rows.length === 0) return null;
  const parsed = Loaded.safeParse(json(rows[0]?.agg));
  if (!parsed.success) throw new Error(`a stored misuse report does not have the expected shape: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
  const { report: r, screening_reference, seen } = parsed.data;
  return {
    seen,
    report: {
      id: r.id,
      reference: r.reference,
      status: r.status as MisuseReportRecord["status"],
      anonymous: r.anonymous,
      reporterId: r.anonymous ? null : r.reporter_id,
      item: r.item,
      parties: r.parties,
      country: r.country,
      happened: r.happened,
      evidence: r.evidence,
      screeningId: r.screening_id,
      screeningReference: screening_reference,
      source: r.source_channel_id && r.source_message_ts ? { channelId: r.source_channel_id, messageTs: r.source_message_ts } : null,
      channelId: r.channel_id,
      messageTs: r.message_ts,
      acknowledged: r.acknowledged_by && r.acknowledged_at ? { by: r.acknowledged_by, at: r.acknowledged_at } : null,
      reassessment:
        r.reassessment_by && r.reassessment_at
          ? { by: r.reassessment_by, at: r.reassessment_at, reviewed: (r.reviewed ?? []).map((x) => ({ ...x, previousStatus: x.previousStatus as ScreeningStatus })) }
          : null,
      closed: r.closed_by && r.closed_at ? { by: r.closed_by, at: r.closed_at, rationale: r.close_rationale ?? "" } : null,
      version: r.version,
      createdAt: r.created_at,
    },
  };
}

/** A screening as a report names it, by reference: its id, status and end-user answer. */
export async function findScreeningForReport(sql: Sql, reference: string, endUserQuestion: string): Promise<{ id: string; reference: string; status: ScreeningStatus; endUser: string | null } | null> {
  const rows = await sql.query<{ id: string; reference: string; status: string; end_user: unknown }>(
    `SELECT s.id::text AS id, s.reference, s.status,
       (SELECT a.value FROM answers a WHERE a.screening_id = s.id AND a.question_id = $2::text AND a.superseded_at IS NULL LIMIT 1) AS end_user
     FROM screenings s WHERE s.reference = $1::text`,
    [reference, endUserQuestion],
  );
  const row = rows[0];
  if (!row || !isScreeningStatus(row.status)) return null;
  return { id: row.id, reference: row.reference, status: row.status, endUser: textAnswer(row.end_user) };
}

/** Every screening in one of `statuses`, with its end-user answer: what a reassessment searches for the same end user. */
export async function screeningsWithEndUsers(sql: Sql, endUserQuestion: string, statuses: readonly ScreeningStatus[]): Promise<Array<{ id: string; reference: string; status: ScreeningStatus; endUser: string | null }>> {
  const rows = await sql.query<{ id: string; reference: string; status: string; end_user: unknown }>(
    `SELECT s.id::text AS id, s.reference, s.status, a.value AS end_user
     FROM screenings s
     JOIN answers a ON a.screening_id = s.id AND a.question_id = $1::text AND a.superseded_at IS NULL
     WHERE s.status = ANY($2::text[])
     ORDER BY s.reference`,
    [endUserQuestion, [...statuses]],
  );
  return rows.flatMap((r) => (isScreeningStatus(r.status) ? [{ id: r.id, reference: r.reference, status: r.status, endUser: textAnswer(r.end_user) }] : []));
}

/** A jsonb answer as the driver parsed it: a free-text answer is a string. */
function textAnswer(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/**
 * Whether this report already put this screening under review (its event is in the screening's
 * audit trail): the screening's status then, or null when it did not.
 */
export async function earlierReview(sql: Sql, args: { screeningId: string; reportId: string; eventType: string }): Promise<{ previousStatus: ScreeningStatus } | null> {
  if (!UUID.test(args.screeningId)) return null;
  const rows = await sql.query<{ previous_status: string | null }>(
    `SELECT data->>'previousStatus' AS previous_status FROM audit_events
     WHERE screening_id = $1::uuid AND type = $3::text AND data->>'reportId' = $2::text
     ORDER BY seq LIMIT 1`,
    [args.screeningId, args.reportId, args.eventType],
  );
  const row = rows[0];
  if (!row) return null;
  return { previousStatus: row.previous_status && isScreeningStatus(row.previous_status) ? row.previous_status : "approved" };
}

// ---------------------------------------------------------------------------------------------
// Changing

export type ReportCommitResult = { committed: true; deliveryIds: string[] } | { committed: false };

/**
 * Writes `change` to the report read at `version`, in one statement: the report, the request
 * key, the audit events (chained after the trail's tail) and the outbox rows. Not committed when
 * the report changed since it was read; a concurrent audit append makes the statement fail with
 * a unique violation (the caller runs again on fresh data).
 */
export async function commitMisuseReport(
  sql: Sql,
  args: { reportId: string; version: number; change: ReportChange; requestKey?: string | undefined; now: Date; deliveryIds: string[] },
): Promise<ReportCommitResult> {
  const { change, now } = args;
  const p = change.patch;
  const patch: Record<string, unknown> = { status: p.status };
  if (p.acknowledged) Object.assign(patch, { acknowledgedBy: p.acknowledged.by, acknowledgedAt: p.acknowledged.at.toISOString() });
  if (p.reassessment) Object.assign(patch, { reassessmentBy: p.reassessment.by, reassessmentAt: p.reassessment.at.toISOString(), reviewed: reviewedJson(p.reassessment.reviewed) });
  if (p.closed) Object.assign(patch, { closedBy: p.closed.by, closedAt: p.closed.at.toISOString(), closeRationale: p.closed.rationale });
  const audit = chainable(
    change.audit.map((e) => ({ ...e, screeningId: e.screeningId ?? null })),
    now,
  );
  const deliveries = change.deliveries.map((d, i) => {
    const payload = DeliveryPayloadSchema.parse(d);
    const id = args.deliveryIds[i];
    if (!id || !UUID.test(id)) throw new Error("a delivery id is missing");
    return { id, kind: payload.kind, payload: normaliseJson(payload) };
  });
  const rows = await sql.query<{ updated: number; delivery_ids: string[] | null }>(
    `WITH RECURSIVE
upd AS (
  UPDATE misuse_reports r SET
    status          = $4::jsonb->>'status',
    acknowledged_by = CASE WHEN $4::jsonb ? 'acknowledgedBy' THEN $4::jsonb->>'acknowledgedBy' ELSE r.acknowledged_by END,
    acknowledged_at = CASE WHEN $4::jsonb ? 'acknowledgedAt' THEN ($4::jsonb->>'acknowledgedAt')::timestamp(3) ELSE r.acknowledged_at END,
    reassessment_by = CASE WHEN $4::jsonb ? 'reassessmentBy' THEN $4::jsonb->>'reassessmentBy' ELSE r.reassessment_by END,
    reassessment_at = CASE WHEN $4::jsonb ? 'reassessmentAt' THEN ($4::jsonb->>'reassessmentAt')::timestamp(3) ELSE r.reassessment_at END,
    reviewed        = CASE WHEN $4::jsonb ? 'reviewed' THEN $4::jsonb->'reviewed' ELSE r.reviewed END,
    closed_by       = CASE WHEN $4::jsonb ? 'closedBy' THEN $4::jsonb->>'closedBy' ELSE r.closed_by END,
    closed_at       = CASE WHEN $4::jsonb ? 'closedAt' THEN ($4::jsonb->>'closedAt')::timestamp(3) ELSE r.closed_at END,
    close_rationale = CASE WHEN $4::jsonb ? 'closeRationale' THEN $4::jsonb->>'closeRationale' ELSE r.close_rationale END,
    version = r.version + 1,
    updated_at = $5::timestamp(3)
  WHERE r.id = $1::uuid AND r.version = $2::int
  RETURNING r.id
),
claim AS (
  INSERT INTO processed_requests (key, created_at)
  SELECT $3::text, $5::timestamp(3) FROM upd WHERE $3::text IS NOT NULL
  ON CONFLICT (key) DO NOTHING RETURNING key
),
${AUDIT_CHAIN("$6", "EXISTS (SELECT 1 FROM upd)")},
dlv AS (
  INSERT INTO deliveries (id, kind, screening_id, payload, status, attempts, next_attempt_at, created_at)
  SELECT x.id, x.kind, NULL, x.payload, 'pending', 0, $5::timestamp(3), $5::timestamp(3)
  FROM upd, jsonb_to_recordset($7::jsonb) AS x(id uuid, kind text, payload jsonb)
  RETURNING id
)
SELECT
  CASE
    WHEN (SELECT count(*) FROM upd) = 1 AND $3::text IS NOT NULL AND (SELECT count(*) FROM claim) = 0 THEN dd_abort('request key already taken')
    ELSE (SELECT count(*) FROM upd)::int
  END AS updated,
  (SELECT json_agg(id::text) FROM dlv) AS delivery_ids,
  (SELECT count(*) FROM aud)::int AS events`,
    [args.reportId, args.version, args.requestKey ?? null, JSON.stringify(patch), now.toISOString(), JSON.stringify(audit), JSON.stringify(deliveries)],
  );
  const row = rows[0];
  if (!row || Number(row.updated) !== 1) return { committed: false };
  const ids = json(row.delivery_ids);
  return { committed: true, deliveryIds: Array.isArray(ids) ? ids.map(String) : [] };
}

function reviewedJson(reviewed: readonly ReviewedScreening[]): unknown {
  return normaliseJson(reviewed.map((r) => ({ screeningId: r.screeningId, reference: r.reference, previousStatus: r.previousStatus, matchedOn: r.matchedOn })));
}

/** The report's channel message, just posted: its ts is stored unless it has one. Returns whether it was stored. */
export async function recordMisuseReportMessage(sql: Sql, reportId: string, ts: string): Promise<boolean> {
  if (!UUID.test(reportId)) return false;
  const rows = await sql.query<{ stored: number }>(
    `WITH u AS (UPDATE misuse_reports SET message_ts = $2::text WHERE id = $1::uuid AND message_ts IS NULL RETURNING id)
     SELECT count(*)::int AS stored FROM u`,
    [reportId, ts],
  );
  return Number(rows[0]?.stored ?? 0) === 1;
}
