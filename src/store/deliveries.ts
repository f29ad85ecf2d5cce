// The outbox of Slack deliveries. A delivery is enqueued in the same statement (or transaction)
// as the state change it announces; workers claim due deliveries with a lease (so a crashed
// worker's claim expires), one at a time per screening and in order, and never hold a database
// lock while they talk to Slack.
//
// The worker's path is two statements per delivery on the driver (src/store/sql.ts): the claim,
// which also returns everything the message is rendered from (the screening aggregate, and for
// some kinds the reply or the answer history), and the outcome (delivered, with the escalation
// message's ts when it was just posted; retry later; failed).
import { z } from "zod";
import type { ScreeningDetail } from "../domain/records.js";
import type { AnswerValue } from "../domain/rule-set.js";
import { aggregateJson, parseAggregate } from "./aggregate.js";
import type { Sql } from "./sql.js";
import type { Db } from "./types.js";

export const DeliveryPayloadSchema = z.discriminatedUnion("kind", [
  /** post the escalation message if it has none yet, else update it in place from current state */
  z.object({ kind: z.literal("sync_escalation"), escalationId: z.string() }),
  /** a reply in the escalation's thread after a resubmission */
  z.object({ kind: z.literal("thread_resubmitted"), escalationId: z.string(), round: z.number() }),
  /** the requester's reply to compliance, posted in the escalation's thread; its text is the audit event `auditSeq` */
  z.object({ kind: z.literal("thread_reply"), escalationId: z.string(), auditSeq: z.string().regex(/^\d{1,19}$/) }),
  z.object({ kind: z.literal("thread_match_resolved"), escalationId: z.string(), index: z.number().int().min(0), cleared: z.boolean() }),
  z.object({
    kind: z.literal("rescreen_alert"),
    escalationId: z.string(),
    live: z.boolean(),
    matches: z.array(z.object({ questionId: z.string(), ourName: z.string(), listedName: z.string(), list: z.string(), programs: z.array(z.string()), score: z.number(), url: z.string().optional() })).min(1),
  }),
  z.object({ kind: z.literal("dm_cleared"), screeningId: z.string() }),
  z.object({ kind: z.literal("dm_escalated"), screeningId: z.string() }),
  z.object({ kind: z.literal("dm_decision"), decisionId: z.string() }),
  /** tells the requester their escalation could not be posted (and that it is not lost) */
  z.object({ kind: z.literal("dm_delivery_problem"), screeningId: z.string(), reason: z.string() }),
  /** tells the requester who closed the interview modal that their screening is kept as a draft */
  z.object({ kind: z.literal("dm_draft_saved"), screeningId: z.string() }),
  // Re-screening before renewal (src/domain/rescreening.ts).
  /**
   * a decided screening's review (or a new list set or rule-set version) asks for a re-screening:
   * a DM to its requester with Start re-screening, or to `channelId` (compliance) when the requester
   * has left the workspace; for an open screening (new rule set), a note in its escalation's thread
   */
  z.object({
    kind: z.literal("review_prompt"),
    screeningId: z.string(),
    channelId: z.string(),
    reason: z.enum(["review_due", "new_list_set", "new_rule_set"]),
    dueOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable(),
    /** new rule set: the tier label the answers reach under the rules now in force */
    tierNow: z.string().optional(),
  }),
  // Misuse reports (src/domain/misuse-reports.ts).
  /** post the report's message in the compliance channel if it has none yet, else update it in place (no screening) */
  z.object({ kind: z.literal("sync_misuse_report"), reportId: z.string() }),
  /** in the thread of a screening's escalation: a misuse report put it under review */
  z.object({ kind: z.literal("thread_misuse_review"), escalationId: z.string(), reportId: z.string(), reopened: z.boolean(), by: z.string() }),
  /** tells the requester their screening is under review because of a misuse report */
  z.object({ kind: z.literal("dm_under_review"), screeningId: z.string(), reportId: z.string(), reopened: z.boolean() }),
  // Reminders (src/domain/reminders.ts, enqueued with their claim by src/store/reminders.ts).
  /** the requester's draft (or compliance's question) untouched for a while: a DM with Resume; `version`: the stretch it is about */
  z.object({ kind: z.literal("reminder_draft"), screeningId: z.string(), version: z.number().int(), n: z.number().int().min(1), untouchedMs: z.number().min(0) }),
  /** an escalation waiting for a decision: a reply in its thread */
  z.object({ kind: z.literal("reminder_escalation"), escalationId: z.string(), round: z.number().int(), n: z.number().int().min(1), waitingMs: z.number().min(0), notified: z.number().int().min(0) }),
  /** the same, as a DM to one approver who has not decided this round */
  z.object({ kind: z.literal("reminder_approver"), escalationId: z.string(), round: z.number().int(), n: z.number().int().min(1), userId: z.string(), waitingMs: z.number().min(0) }),
  /** the daily digest of everything waiting, in the compliance channel; its content is read when it is enqueued */
  z.object({
    kind: z.literal("reminder_digest"),
    channelId: z.string(),
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    items: z.array(
      z.object({
        screeningId: z.string(),
        reference: z.string(),
        requesterId: z.string(),
        waitingOn: z.enum(["decision", "requester"]),
        waitingMs: z.number().min(0),
        tier: z.string().nullable(),
        approvals: z.number().int().min(0),
        requiredApprovals: z.number().int().min(0),
      }),
    ),
    more: z.number().int().min(0),
  }),
]);
export type DeliveryPayload = z.infer<typeof DeliveryPayloadSchema>;

/** A delivery as the claim hands it to the worker: what to send, and what to render it from. */
export interface ClaimedDelivery {
  id: string;
  screeningId: string | null;
  /** attempts so far, this one included */
  attempts: number;
  payload: DeliveryPayload;
  createdAt: Date;
  /**
   * An earlier attempt may have reached Slack without the worker learning the outcome (the call
   * timed out or lost its connection, or the process stopped while sending): before posting
   * again, look whether Slack already has the message.
   */
  uncertain: boolean;
  /** the screening, its current answers, escalation and decisions, as of the claim; null when there is no such screening */
  detail: ScreeningDetail | null;
  /** thread_reply: the reply as recorded in the audit trail; null when there is none */
  reply?: RecordedReplyEvent | null;
  /** thread_resubmitted: when each submission happened, and every answer with its validity */
  history?: AnswerHistory;
  /** sync_escalation of a re-screening: the screening it renews, as of the claim (its answers and decisions) */
  previous?: ScreeningDetail | null;
}

export interface RecordedReplyEvent {
  type: string;
  screeningId: string | null;
  authorId: string;
  data: unknown;
}

export interface AnswerHistory {
  /** the times of the screening's submissions, oldest first */
  submissions: Date[];
  answers: Array<{ questionId: string; value: AnswerValue; createdAt: Date; supersededAt: Date | null }>;
}

/** The answers in force at `at`, from the history the claim returned (as the store's answersAsOf reads them). */
export function answersAt(history: AnswerHistory, at: Date): Record<string, AnswerValue> {
  const t = at.getTime();
  const out: Record<string, AnswerValue> = {};
  for (const a of history.answers) {
    if (a.createdAt.getTime() <= t && (a.supersededAt === null || a.supersededAt.getTime() > t)) out[a.questionId] = a.value;
  }
  return out;
}

/** `last_error` of a delivery whose earlier attempt may have reached Slack; kept until it is delivered. */
export const OUTCOME_UNKNOWN = "outcome unknown: ";

/** The audit event type of a submission (services/interview.ts writes it). */
const SUBMITTED_EVENT = "screening.submitted";

const LEASE_SECONDS = 60;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function enqueueDelivery(tx: Db, screeningId: string, payload: DeliveryPayload): Promise<void> {
  await tx.delivery.create({ data: { kind: payload.kind, screeningId, payload } });
}

// The columns are `timestamp` holding UTC; a bare now() would be converted to the session's
// TimeZone, and on a server set to, say, America/New_York every delivery would wait five hours.
// Ties in created_at (deliveries enqueued in the same millisecond, e.g. by one commit) are
// broken by id, or two instances could each take one of a screening's.
//
// $1: the ids to claim (null: any that are due). A delivery named by id that was never tried is
// taken even if its next_attempt_at, written from the committing process's clock, is a little
// ahead of the database's. $2: how many. $3: the lease in seconds. $4: the submission event type.
//
// The aggregate is aggregateJson() (aggregate.ts), as the load reads it; the statement's snapshot is
// taken before the claim, so what is rendered is the state as of the claim, never older than
// the commit that enqueued the delivery.
const CLAIM = `
WITH pick AS (
  SELECT c.id, c.status AS was FROM deliveries c
  WHERE c.status IN ('pending', 'sending')
    AND ($1::uuid[] IS NULL OR c.id = ANY($1::uuid[]))
    AND (c.next_attempt_at <= (now() AT TIME ZONE 'UTC')
         OR ($1::uuid[] IS NOT NULL AND c.status = 'pending' AND c.attempts = 0))
    AND NOT EXISTS (
      SELECT 1 FROM deliveries o
      WHERE o.screening_id = c.screening_id AND o.id <> c.id
        AND ((o.status = 'sending' AND o.next_attempt_at > (now() AT TIME ZONE 'UTC'))
          OR (o.status IN ('pending', 'sending') AND (o.created_at, o.id) < (c.created_at, c.id))))
  ORDER BY c.created_at, c.id
  LIMIT $2
  FOR UPDATE OF c SKIP LOCKED
),
claimed AS (
  UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1,
    next_attempt_at = (now() AT TIME ZONE 'UTC') + make_interval(secs => $3::int)
  FROM pick WHERE d.id = pick.id
  RETURNING d.id, d.screening_id, d.attempts, d.payload, d.created_at, d.last_error, pick.was
)
SELECT
  cl.id::text AS id,
  cl.screening_id::text AS screening_id,
  cl.attempts,
  cl.payload,
  extract(epoch FROM cl.created_at)::float8 AS created_epoch,
  (cl.was = 'sending' OR coalesce(cl.last_error LIKE '${OUTCOME_UNKNOWN}%', false)) AS uncertain,
  (SELECT ${aggregateJson("false")}
   FROM screenings s WHERE s.id = cl.screening_id) AS agg,
  CASE WHEN cl.payload->>'kind' = 'thread_reply' AND cl.payload->>'auditSeq' ~ '^[0-9]{1,18}$' THEN
    (SELECT json_build_object('type', ev.type, 'screening_id', ev.screening_id, 'actor_id', ev.actor_id, 'data', ev.data)
     FROM audit_events ev WHERE ev.seq = (cl.payload->>'auditSeq')::bigint)
  END AS reply,
  CASE WHEN cl.payload->>'kind' = 'thread_resubmitted' THEN json_build_object(
    'submissions', (SELECT coalesce(json_agg(ev.created_at ORDER BY ev.seq), '[]'::json)
                    FROM audit_events ev WHERE ev.screening_id = cl.screening_id AND ev.type = $4::text),
    'answers', (SELECT coalesce(json_agg(json_build_object('question_id', x.question_id, 'value', x.value,
                                  'created_at', x.created_at, 'superseded_at', x.superseded_at)), '[]'::json)
                FROM answers x WHERE x.screening_id = cl.screening_id))
  END AS history,
  -- a re-screening's escalation shows the screening it renews: its answers and decision
  CASE WHEN cl.payload->>'kind' = 'sync_escalation' THEN
    (SELECT ${aggregateJson("false")}
     FROM screenings s WHERE s.id = (SELECT x.previous_screening_id FROM screenings x WHERE x.id = cl.screening_id))
  END AS previous
FROM claimed cl
ORDER BY cl.created_at, cl.id`;

interface ClaimRow extends Record<string, unknown> {
  id: string;
  screening_id: string | null;
  attempts: number;
  payload: unknown;
  created_epoch: number;
  uncertain: boolean;
  agg: unknown;
  reply: unknown;
  history: unknown;
  previous?: unknown;
}

/**
 * Claims deliveries in one statement, with a lease: the given ids (those just committed), or
 * any that are due. A screening's deliveries go one at a time and in order: one is claimed only
 * when no earlier one of its screening is open and none is being sent. A delivery whose payload
 * cannot be read is marked failed (one more statement, never on the normal path).
 */
export async function claimDeliveries(sql: Sql, opts: { ids?: readonly string[]; limit: number }): Promise<ClaimedDelivery[]> {
  const ids = opts.ids?.filter((id) => UUID.test(id));
  if (ids !== undefined && ids.length === 0) return [];
  const rows = await sql.query<ClaimRow>(CLAIM, [ids ?? null, Math.max(1, opts.limit), LEASE_SECONDS, SUBMITTED_EVENT]);
  const claimed: ClaimedDelivery[] = [];
  for (const row of rows) {
    const payload = DeliveryPayloadSchema.safeParse(json(row.payload));
    if (!payload.success) {
      await recordFailure(sql, row.id, "unreadable payload");
      continue;
    }
    const delivery: ClaimedDelivery = {
      id: row.id,
      screeningId: row.screening_id,
      attempts: Number(row.attempts),
      payload: payload.data,
      createdAt: new Date(Number(row.created_epoch) * 1000),
      uncertain: row.uncertain === true,
      detail: detailOf(row),
    };
    if (payload.data.kind === "thread_reply") delivery.reply = replyOf(json(row.reply));
    if (payload.data.kind === "thread_resubmitted") delivery.history = HistorySchema.parse(json(row.history) ?? { submissions: [], answers: [] });
    if (payload.data.kind === "sync_escalation") delivery.previous = previousOf(row);
    claimed.push(delivery);
  }
  return claimed;
}

/** Values of json columns arrive parsed from both drivers; text is accepted too. */
function json(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

/** The aggregate the claim returned, checked exactly as every other read of a screening checks it. */
function detailOf(row: ClaimRow): ScreeningDetail | null {
  if (row.agg === null || row.agg === undefined || row.screening_id === null) return null;
  const { screening, answers, escalation } = parseAggregate(row.agg).state;
  return { screening, answers, escalation };
}

/** A re-screening's previous screening, as the claim returned it (null for any other screening). */
function previousOf(row: ClaimRow): ScreeningDetail | null {
  if (row.previous === null || row.previous === undefined) return null;
  const { screening, answers, escalation } = parseAggregate(row.previous).state;
  return { screening, answers, escalation };
}

const ReplyRow = z.object({ type: z.string(), screening_id: z.string().nullable(), actor_id: z.string(), data: z.unknown() });

function replyOf(raw: unknown): RecordedReplyEvent | null {
  const parsed = ReplyRow.safeParse(raw);
  if (!parsed.success) return null;
  return { type: parsed.data.type, screeningId: parsed.data.screening_id, authorId: parsed.data.actor_id, data: parsed.data.data };
}

/** A `timestamp` as json_build_object writes it ("2026-12-01T10:00:00.123"), holding UTC. */
const Timestamp = z.string().transform((s, ctx) => {
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: "custom", message: `not a timestamp: ${s}` });
    return z.NEVER;
  }
  return d;
});
const AnswerValueSchema: z.ZodType<AnswerValue> = z.union([z.string(), z.array(z.string()), z.number()]);
const HistorySchema = z
  .object({
    submissions: z.array(Timestamp),
    answers: z.array(z.object({ question_id: z.string(), value: AnswerValueSchema, created_at: Timestamp, superseded_at: Timestamp.nullable() })),
  })
  .transform(
    (h): AnswerHistory => ({
      submissions: h.submissions,
      answers: h.answers.map((a) => ({ questionId: a.question_id, value: a.value, createdAt: a.created_at, supersededAt: a.superseded_at })),
    }),
  );

/**
 * Delivered, in one statement; `posted`: the escalation message just posted (or found in the
 * channel), whose ts is stored with it unless the escalation already has one. Returns whether
 * the ts was stored.
 */
export async function recordDelivered(sql: Sql, id: string, posted?: { escalationId: string; ts: string }): Promise<boolean> {
  const rows = await sql.query<{ stored: number }>(
    `WITH esc AS (
  UPDATE escalations SET message_ts = $3::text, updated_at = (now() AT TIME ZONE 'UTC')
  WHERE id = $2::uuid AND message_ts IS NULL
  RETURNING id
),
done AS (
  UPDATE deliveries SET status = 'delivered', delivered_at = (now() AT TIME ZONE 'UTC'), last_error = NULL
  WHERE id = $1::uuid
  RETURNING id
)
SELECT (SELECT count(*) FROM esc)::int AS stored, (SELECT count(*) FROM done)::int AS done`,
    [id, posted && UUID.test(posted.escalationId) ? posted.escalationId : null, posted?.ts ?? null],
  );
  return Number(rows[0]?.stored ?? 0) === 1;
}

/** Pending again after `delayMs` (by the database's clock, as the claim reads it). */
export async function recordRetry(sql: Sql, id: string, delayMs: number, error: string): Promise<void> {
  await sql.query(
    `UPDATE deliveries SET status = 'pending', next_attempt_at = (now() AT TIME ZONE 'UTC') + make_interval(secs => $2::float8), last_error = $3::text
     WHERE id = $1::uuid`,
    [id, Math.max(0, delayMs) / 1000, error.slice(0, 500)],
  );
}

/**
 * Failed for good, in one statement; `then`: a delivery enqueued in the same statement, for the
 * same screening (telling the requester an escalation could not be posted).
 */
export async function recordFailure(sql: Sql, id: string, error: string, then?: { id: string; payload: DeliveryPayload }): Promise<void> {
  const follow = then && UUID.test(then.id) ? then : undefined;
  await sql.query(
    `WITH failed AS (
  UPDATE deliveries SET status = 'failed', last_error = $2::text WHERE id = $1::uuid RETURNING screening_id
)
INSERT INTO deliveries (id, kind, screening_id, payload, status, attempts, next_attempt_at, created_at)
SELECT $3::uuid, $4::text, failed.screening_id, $5::jsonb, 'pending', 0, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')
FROM failed WHERE $3::uuid IS NOT NULL`,
    [id, error.slice(0, 500), follow?.id ?? null, follow?.payload.kind ?? null, follow ? JSON.stringify(DeliveryPayloadSchema.parse(follow.payload)) : null],
  );
}

// ---------------------------------------------------------------------------------------------
// The same operations on a Prisma client or transaction (cold paths, and the tests that claim
// from inside a transaction), through the same statements.

/** Raw statements on a Prisma client or transaction, as a Sql. */
export function sqlOverPrisma(db: Db): Sql {
  return {
    kind: "postgres",
    query: <R extends Record<string, unknown>>(text: string, params: readonly unknown[] = []) => db.$queryRawUnsafe<R[]>(text, ...params),
  };
}

export async function claimDueDeliveries(db: Db, limit: number): Promise<ClaimedDelivery[]> {
  return claimDeliveries(sqlOverPrisma(db), { limit });
}

export async function markDelivered(db: Db, id: string): Promise<void> {
  await recordDelivered(sqlOverPrisma(db), id);
}

export async function scheduleRetry(db: Db, id: string, delayMs: number, error: string): Promise<void> {
  await recordRetry(sqlOverPrisma(db), id, delayMs, error);
}

export async function markDeliveryFailed(db: Db, id: string, error: string): Promise<void> {
  await recordFailure(sqlOverPrisma(db), id, error);
}

export async function deliveryCounts(db: Db): Promise<Record<"pending" | "sending" | "delivered" | "failed", number>> {
  const groups = await db.delivery.groupBy({ by: ["status"], _count: { _all: true } });
  const counts = { pending: 0, sending: 0, delivered: 0, failed: 0 };
  for (const g of groups) if (g.status in counts) counts[g.status as keyof typeof counts] = g._count._all;
  return counts;
}

export async function failedDeliveries(db: Db, limit: number) {
  return db.delivery.findMany({ where: { status: "failed" }, orderBy: { createdAt: "desc" }, take: limit, select: { id: true, kind: true, screeningId: true, lastError: true, createdAt: true } });
}

/**
 * Deliveries a dead process left "sending": a process killed mid-call never finishes them, and
 * their lease would keep them waiting for a minute. Only for the embedded database, which one
 * process opens at a time, so no live worker can hold any of these leases. Whether their call
 * reached Slack is unknown, and stays recorded (an escalation is looked for in the channel
 * before it is posted again).
 */
export async function releaseLeasesOfDeadProcess(db: Db): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE deliveries SET status = 'pending', next_attempt_at = (now() AT TIME ZONE 'UTC'),
       last_error = CASE WHEN coalesce(last_error LIKE $1::text || '%', false) THEN last_error ELSE $1::text || 'the bot stopped while sending' END
     WHERE status = 'sending'`,
    OUTCOME_UNKNOWN,
  );
}

/**
 * Escalation posts that failed permanently (say, the bot was not in the channel) are tried
 * again when the bot starts: the operator has usually fixed the configuration by then. One
 * whose earlier attempt may have reached Slack keeps saying so.
 */
export async function requeueFailedEscalationPosts(db: Db): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE deliveries SET status = 'pending', next_attempt_at = (now() AT TIME ZONE 'UTC'),
       last_error = CASE WHEN coalesce(last_error LIKE $1::text || '%', false) THEN last_error END
     WHERE status = 'failed' AND kind = 'sync_escalation'`,
    OUTCOME_UNKNOWN,
  );
}
