// The outbox of Slack deliveries. A delivery is enqueued in the same transaction as the state
// change it announces; workers claim due deliveries with a lease (so a crashed worker's claim
// expires), one at a time per screening and in order, and never hold a database lock while
// they talk to Slack.
import { z } from "zod";
import type { Db, Tx } from "./types.js";

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
]);
export type DeliveryPayload = z.infer<typeof DeliveryPayloadSchema>;

export interface ClaimedDelivery {
  id: string;
  screeningId: string | null;
  attempts: number;
  payload: DeliveryPayload;
}

export async function enqueueDelivery(tx: Db, screeningId: string, payload: DeliveryPayload): Promise<void> {
  await tx.delivery.create({ data: { kind: payload.kind, screeningId, payload } });
}

const LEASE_SECONDS = 60;

export async function claimDueDeliveries(db: Db, limit: number): Promise<ClaimedDelivery[]> {
  // The columns are `timestamp` holding UTC, as Prisma writes them; a bare now() would be
  // converted to the session's TimeZone, and on a server set to, say, America/New_York every
  // delivery would wait five hours. Ties in created_at (two deliveries enqueued in the same
  // millisecond) are broken by id, or two instances could each take one of a screening's.
  const rows = await db.$queryRaw<Array<{ id: string; screening_id: string | null; attempts: number; payload: unknown }>>`
    UPDATE deliveries SET status = 'sending', attempts = attempts + 1,
      next_attempt_at = (now() AT TIME ZONE 'UTC') + make_interval(secs => ${LEASE_SECONDS})
    WHERE id IN (
      SELECT d.id FROM deliveries d
      WHERE (d.status = 'pending' OR d.status = 'sending') AND d.next_attempt_at <= (now() AT TIME ZONE 'UTC')
        AND NOT EXISTS (
          SELECT 1 FROM deliveries o
          WHERE o.screening_id = d.screening_id AND o.id <> d.id
            AND ((o.status = 'sending' AND o.next_attempt_at > (now() AT TIME ZONE 'UTC'))
              OR (o.status IN ('pending', 'sending') AND (o.created_at, o.id) < (d.created_at, d.id))))
      ORDER BY d.created_at, d.id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, screening_id, attempts, payload`;
  const claimed: ClaimedDelivery[] = [];
  for (const row of rows) {
    const payload = DeliveryPayloadSchema.safeParse(row.payload);
    if (!payload.success) {
      await markDeliveryFailed(db, row.id, "unreadable payload");
      continue;
    }
    claimed.push({ id: row.id, screeningId: row.screening_id, attempts: row.attempts, payload: payload.data });
  }
  return claimed;
}

export async function markDelivered(db: Db, id: string): Promise<void> {
  await db.delivery.update({ where: { id }, data: { status: "delivered", deliveredAt: new Date(), lastError: null } });
}

export async function scheduleRetry(db: Db, id: string, delayMs: number, error: string): Promise<void> {
  await db.delivery.update({
    where: { id },
    data: { status: "pending", nextAttemptAt: new Date(Date.now() + delayMs), lastError: error.slice(0, 500) },
  });
}

export async function markDeliveryFailed(db: Db, id: string, error: string): Promise<void> {
  await db.delivery.update({ where: { id }, data: { status: "failed", lastError: error.slice(0, 500) } });
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
 * process opens at a time, so no live worker can hold any of these leases.
 */
export async function releaseLeasesOfDeadProcess(db: Db): Promise<number> {
  const result = await db.delivery.updateMany({ where: { status: "sending" }, data: { status: "pending", nextAttemptAt: new Date() } });
  return result.count;
}

/**
 * Escalation posts that failed permanently (say, the bot was not in the channel) are tried
 * again when the bot starts: the operator has usually fixed the configuration by then.
 */
export async function requeueFailedEscalationPosts(db: Db): Promise<number> {
  const result = await db.delivery.updateMany({
    where: { status: "failed", kind: "sync_escalation" },
    data: { status: "pending", nextAttemptAt: new Date(), lastError: null },
  });
  return result.count;
}
