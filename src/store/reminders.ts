// Reminders' claims (src/domain/reminders.ts): what waits on people, read in one statement, and
// the due moments claimed together with the Slack messages they send, in one statement.
//
// A due moment is claimed by inserting its key into reminder_claims with ON CONFLICT DO
// NOTHING; the outbox rows are inserted by the same statement, joined to the keys it did
// insert. So a moment is either claimed and its messages enqueued, or neither: a crash cannot
// leave a claim without its messages, nor messages without their claim, and two instances
// claiming the same key at the same moment (the second waits on the first's row, then does
// nothing) send it once. The delivery worker sends the messages like any other (deliveries.ts).
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { ReminderClaim, WaitingOnApprovers, WaitingOnRequester } from "../domain/reminders.js";
import { DeliveryPayloadSchema } from "./deliveries.js";
import { normaliseJson } from "./json.js";
import type { Sql } from "./sql.js";

/** A `timestamp` as json_build_object writes it ("2026-12-01T10:00:00.123"), holding UTC. */
const Timestamp = z.string().transform((s, ctx) => {
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: "custom", message: `not a timestamp: ${s}` });
    return z.NEVER;
  }
  return d;
});

const RequesterRow = z.object({
  id: z.string(),
  reference: z.string(),
  requester_id: z.string(),
  info: z.boolean(),
  version: z.number().int(),
  updated_at: Timestamp,
  reminded: z.coerce.number().int(),
});

const ApproverRow = z.object({
  screening_id: z.string(),
  escalation_id: z.string(),
  reference: z.string(),
  requester_id: z.string(),
  version: z.number().int(),
  round: z.number().int(),
  waiting_since: Timestamp,
  hard_stop: z.boolean(),
  tier: z.string().nullable(),
  required: z.number().int(),
  approvals: z.coerce.number().int(),
  decided: z.array(z.string()),
  reminded: z.coerce.number().int(),
});

const Waiting = z.object({ requesters: z.array(RequesterRow), approvers: z.array(ApproverRow), digest_claimed: z.boolean() });

export interface WaitingNow {
  /** drafts untouched since `untouchedBefore`, and every screening compliance asked more of */
  requesters: WaitingOnRequester[];
  /** every open escalation */
  approvers: WaitingOnApprovers[];
  /** whether the digest key asked about is claimed already */
  digestClaimed: boolean;
}

// $1: drafts changed at or before this moment count (the first draft interval before now).
// $2: the key of today's digest, to say whether it is claimed already (null: none due).
// A draft reopened after "Request info" waits on its requester's information whatever its age.
// An escalation's round began when it was escalated or, after "Request info", resubmitted
// (submitted_at is the latest submission).
const WAITING = `
SELECT json_build_object(
  'requesters', (
    SELECT coalesce(json_agg(json_build_object(
      'id', s.id, 'reference', s.reference, 'requester_id', s.requester_id,
      'info', coalesce(e.status = 'info_requested', false) OR s.status = 'info_requested',
      'version', s.version, 'updated_at', s.updated_at,
      'reminded', (SELECT coalesce(max(c.n), 0) FROM reminder_claims c WHERE c.subject = 'draft:' || s.id::text || ':v' || s.version::text)
    ) ORDER BY s.updated_at, s.id), '[]'::json)
    FROM screenings s LEFT JOIN escalations e ON e.screening_id = s.id
    WHERE s.status = 'info_requested'
       OR (s.status = 'draft' AND (s.updated_at <= $1::timestamp(3) OR e.status = 'info_requested'))),
  'approvers', (
    SELECT coalesce(json_agg(json_build_object(
      'screening_id', s.id, 'escalation_id', e.id, 'reference', s.reference, 'requester_id', s.requester_id,
      'version', s.version, 'round', e.round,
      'waiting_since', greatest(e.created_at, coalesce(s.submitted_at, e.created_at)),
      'hard_stop', s.hard_stop, 'tier', s.tier, 'required', e.required_approvals,
      'approvals', (SELECT count(DISTINCT d.decider_id) FROM decisions d
                    WHERE d.escalation_id = e.id AND d.round = e.round AND d.outcome LIKE 'approve%'
                      -- on a hard stop only approvals under an authorisation count (domain/approval-policy.ts)
                      AND (NOT s.hard_stop OR d.outcome = 'approve_under_authorisation')),
      'decided', (SELECT coalesce(json_agg(DISTINCT d.decider_id), '[]'::json) FROM decisions d
                  WHERE d.escalation_id = e.id AND d.round = e.round),
      'reminded', (SELECT coalesce(max(c.n), 0) FROM reminder_claims c
                   WHERE c.subject = 'escalation:' || e.id::text || ':r' || e.round::text)
    ) ORDER BY e.created_at, e.id), '[]'::json)
    FROM escalations e JOIN screenings s ON s.id = e.screening_id
    WHERE e.status = 'open' AND s.status = 'escalated'),
  'digest_claimed', ($2::text IS NOT NULL AND EXISTS (SELECT 1 FROM reminder_claims WHERE key = $2::text))
) AS waiting`;

/** Everything waiting on people now, in one statement. */
export async function waitingNow(sql: Sql, args: { untouchedBefore: Date; digestKey?: string | null }): Promise<WaitingNow> {
  const rows = await sql.query<{ waiting: unknown }>(WAITING, [args.untouchedBefore.toISOString(), args.digestKey ?? null]);
  const raw = rows[0]?.waiting;
  const parsed = Waiting.parse(typeof raw === "string" ? JSON.parse(raw) : raw);
  return {
    requesters: parsed.requesters.map((r) => ({
      screeningId: r.id,
      reference: r.reference,
      requesterId: r.requester_id,
      status: r.info ? "info_requested" : "draft",
      version: r.version,
      untouchedSince: r.updated_at,
      remindedN: r.reminded,
    })),
    approvers: parsed.approvers.map((a) => ({
      screeningId: a.screening_id,
      escalationId: a.escalation_id,
      reference: a.reference,
      requesterId: a.requester_id,
      version: a.version,
      round: a.round,
      waitingSince: a.waiting_since,
      hardStop: a.hard_stop,
      tier: a.tier,
      requiredApprovals: a.required,
      approvals: a.approvals,
      decidedThisRound: a.decided,
      remindedN: a.reminded,
    })),
    digestClaimed: parsed.digest_claimed,
  };
}

// $1: the claims; $2: their deliveries, each naming its claim's key; $3: now (the injectable
// clock: claims and deliveries are dated like the commits of the same process). The outbox rows
// are due at the database's own now, as the delivery worker's poll reads it. A claim about a
// screening holds only while the screening is at the version it was found due at: changed
// meanwhile (the draft saved, a decision recorded), the next pass decides again on fresh data.
const CLAIM = `
WITH x AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb)
    AS x(key text, subject text, n int, kind text, screening_id uuid, version int, due_at timestamp(3))
),
claim AS (
  INSERT INTO reminder_claims (key, subject, n, kind, screening_id, due_at, created_at)
  SELECT x.key, x.subject, x.n, x.kind, x.screening_id, x.due_at, $3::timestamp(3) FROM x
  WHERE x.version IS NULL OR EXISTS (SELECT 1 FROM screenings s WHERE s.id = x.screening_id AND s.version = x.version)
  ON CONFLICT (key) DO NOTHING
  RETURNING key
),
dlv AS (
  INSERT INTO deliveries (id, kind, screening_id, payload, status, attempts, next_attempt_at, created_at)
  SELECT d.id, d.kind, d.screening_id, d.payload, 'pending', 0, (now() AT TIME ZONE 'UTC'), $3::timestamp(3)
  FROM jsonb_to_recordset($2::jsonb) AS d(id uuid, claim_key text, kind text, screening_id uuid, payload jsonb)
  JOIN claim ON claim.key = d.claim_key
  RETURNING id
)
SELECT (SELECT coalesce(json_agg(key), '[]'::json) FROM claim) AS claimed,
       (SELECT coalesce(json_agg(id::text), '[]'::json) FROM dlv) AS delivery_ids`;

export interface ClaimOutcome {
  /** the keys this statement claimed (the others were claimed before, or their screening changed) */
  claimed: string[];
  /** the outbox rows it enqueued, to hand to the delivery worker */
  deliveryIds: string[];
}

/**
 * Claims due moments and enqueues their messages, in one statement. Deliveries of one claim are
 * created in the order given (ids ascending), which is the order the outbox sends a
 * screening's deliveries in.
 */
export async function claimReminders(sql: Sql, claims: readonly ReminderClaim[], now: Date): Promise<ClaimOutcome> {
  if (claims.length === 0) return { claimed: [], deliveryIds: [] };
  const rows = claims.map((c) => ({
    key: c.key,
    subject: c.subject,
    n: c.n,
    kind: c.kind,
    screening_id: c.screeningId,
    version: c.version,
    due_at: c.dueAt.toISOString(),
  }));
  const deliveries = claims.flatMap((c) => {
    const ids = c.messages.map(() => randomUUID()).sort();
    return c.messages.map((m, i) => {
      const payload = DeliveryPayloadSchema.parse(m.message);
      return { id: ids[i] ?? randomUUID(), claim_key: c.key, kind: payload.kind, screening_id: m.screeningId, payload: normaliseJson(payload) };
    });
  });
  const result = await sql.query<{ claimed: unknown; delivery_ids: unknown }>(CLAIM, [JSON.stringify(rows), JSON.stringify(deliveries), now.toISOString()]);
  const row = result[0];
  const list = z.array(z.string());
  const claimed = list.parse(typeof row?.claimed === "string" ? JSON.parse(row.claimed) : (row?.claimed ?? []));
  const deliveryIds = list.parse(typeof row?.delivery_ids === "string" ? JSON.parse(row.delivery_ids) : (row?.delivery_ids ?? []));
  return { claimed, deliveryIds };
}
