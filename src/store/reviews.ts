// Re-screening before renewal, as the scheduler and the triggers read it: decided screenings
// whose review comes up, those a new list set or rule-set version may call for, and the reviews
// coming up for one person (Home tab). Read-only: a prompt is written with the aggregate (its
// claim key, audit event and outbox row in one statement, src/store/aggregate.ts).
import { isScreeningStatus, type ScreeningStatus } from "../domain/screening.js";
import type { Sql } from "./sql.js";

export interface ReviewRow {
  screeningId: string;
  reference: string;
  requesterId: string;
  status: ScreeningStatus;
  reviewDueAt: Date;
}

interface Row extends Record<string, unknown> {
  id: string;
  reference: string;
  requester_id: string;
  status: string;
  review_due_at: unknown;
}

function toRow(r: Row): ReviewRow | null {
  const due = r.review_due_at instanceof Date ? r.review_due_at : typeof r.review_due_at === "string" ? new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(r.review_due_at) ? r.review_due_at : `${r.review_due_at}Z`) : null;
  if (!due || Number.isNaN(due.getTime()) || !isScreeningStatus(r.status)) return null;
  return { screeningId: r.id, reference: r.reference, requesterId: r.requester_id, status: r.status, reviewDueAt: due };
}

/**
 * Cleared and approved screenings whose review date is on or before `until`, that nobody has
 * re-screened yet and whose prompt for that date has not been claimed (`review:<id>:<date>`),
 * oldest review first, at most `limit`.
 */
export async function reviewCandidates(sql: Sql, args: { until: Date; limit: number }): Promise<ReviewRow[]> {
  const rows = await sql.query<Row>(
    `SELECT s.id::text AS id, s.reference, s.requester_id, s.status, to_char(s.review_due_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS review_due_at
     FROM screenings s
     WHERE s.status IN ('cleared', 'approved') AND s.review_due_at IS NOT NULL AND s.review_due_at <= $1::timestamp(3)
       AND NOT EXISTS (SELECT 1 FROM screenings r WHERE r.previous_screening_id = s.id)
       AND NOT EXISTS (SELECT 1 FROM processed_requests k WHERE k.key = 'review:' || s.id::text || ':' || to_char(s.review_due_at, 'YYYY-MM-DD'))
     ORDER BY s.review_due_at, s.reference
     LIMIT $2::int`,
    [args.until.toISOString(), Math.max(1, args.limit)],
  );
  return rows.flatMap((r) => toRow(r) ?? []);
}

/**
 * Screenings a trigger may prompt (a new list set or rule-set version, named by `keyPrefix`'s
 * claim `review:<id>:<keyPrefix>`): decided ones (in `decided`) closed since `decidedSince`, and
 * open ones (in `open`), not re-screened yet and not prompted for this version. Ids, oldest first.
 */
export async function triggerCandidates(
  sql: Sql,
  args: { decided: readonly ScreeningStatus[]; decidedSince: Date; open: readonly ScreeningStatus[]; keySuffix: string; notScoredWith?: string | undefined },
): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    `SELECT s.id::text AS id FROM screenings s
     WHERE ((s.status = ANY($1::text[]) AND s.closed_at >= $2::timestamp(3)) OR s.status = ANY($3::text[]))
       AND ($5::text IS NULL OR s.rule_set_hash <> $5::text)
       AND NOT EXISTS (SELECT 1 FROM screenings r WHERE r.previous_screening_id = s.id)
       AND NOT EXISTS (SELECT 1 FROM processed_requests k WHERE k.key = 'review:' || s.id::text || ':' || $4::text)
     ORDER BY s.created_at, s.id`,
    [[...args.decided], args.decidedSince.toISOString(), [...args.open], args.keySuffix, args.notScoredWith ?? null],
  );
  return rows.map((r) => r.id);
}

/** One requester's cleared and approved screenings with a review on or before `until`, not re-screened yet (Home tab). */
export async function upcomingReviewsOf(sql: Sql, args: { requesterId: string; until: Date; limit: number }): Promise<ReviewRow[]> {
  const rows = await sql.query<Row>(
    `SELECT s.id::text AS id, s.reference, s.requester_id, s.status, to_char(s.review_due_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS review_due_at
     FROM screenings s
     WHERE s.requester_id = $1::text AND s.status IN ('cleared', 'approved')
       AND s.review_due_at IS NOT NULL AND s.review_due_at <= $2::timestamp(3)
       AND NOT EXISTS (SELECT 1 FROM screenings r WHERE r.previous_screening_id = s.id)
     ORDER BY s.review_due_at, s.reference
     LIMIT $3::int`,
    [args.requesterId, args.until.toISOString(), Math.max(1, args.limit)],
  );
  return rows.flatMap((r) => toRow(r) ?? []);
}

/** Whether a claim key was recorded (a trigger's run for one version finished). */
export async function keyRecorded(sql: Sql, key: string): Promise<boolean> {
  const rows = await sql.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM processed_requests WHERE key = $1::text) AS found`, [key]);
  return rows[0]?.found === true;
}

/** Records a claim key (idempotent), at `at`. */
export async function recordKey(sql: Sql, key: string, at: Date): Promise<void> {
  await sql.query(`INSERT INTO processed_requests (key, created_at) VALUES ($1::text, $2::timestamp(3)) ON CONFLICT (key) DO NOTHING`, [key, at.toISOString()]);
}
