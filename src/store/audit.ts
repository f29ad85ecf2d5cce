// The audit trail: append-only, each event chained to the previous one by hash, so editing,
// inserting or deleting a past event breaks the chain at that point. The database refuses
// UPDATE and DELETE on audit_events (trigger in the first migration); nothing here does either.
// Someone who can write the database could still rewrite the chain with consistent hashes: its
// head is therefore published outside the database (src/services/audit-anchor.ts), and
// verification checks that the trail still holds every published head.
// Events are appended only by src/store/aggregate.ts, chained in SQL in the statement that makes
// the change they record; auditHash below is the same hash, recomputed here to verify it.
import { createHash } from "node:crypto";
import type { AuditEvent } from "../generated/prisma/client.js";
import { canonicalJson, JsonObjectSchema, type JsonObject } from "./json.js";
import type { Sql } from "./sql.js";
import type { Db } from "./types.js";

export const GENESIS_HASH = "0".repeat(64);

interface ChainedFields {
  prevHash: string;
  screeningId: string | null;
  actorId: string;
  type: string;
  data: JsonObject;
  createdAt: Date;
}

/** sha256 (hex) over the canonical JSON of everything the event says, including the previous hash. */
export function auditHash(fields: ChainedFields): string {
  const canonical = canonicalJson({
    prevHash: fields.prevHash,
    screeningId: fields.screeningId,
    actorId: fields.actorId,
    type: fields.type,
    data: fields.data,
    createdAt: fields.createdAt.toISOString(),
  });
  return createHash("sha256").update(canonical).digest("hex");
}

/** When events of one type were recorded for a screening, oldest first (e.g. each submission). */
export async function auditEventTimes(db: Db, screeningId: string, type: string): Promise<Date[]> {
  const rows = await db.auditEvent.findMany({ where: { screeningId, type }, orderBy: { seq: "asc" }, select: { createdAt: true } });
  return rows.map((r) => r.createdAt);
}

export type AuditVerification = (
  /** count: events checked */
  | { ok: true; count: number }
  /** count: intact events before the first broken one */
  | { ok: false; count: number; brokenAt: { seq: bigint; reason: string } }
) & {
  /** with `heads`: each published head, in the order given, and whether the trail holds it */
  heads?: HeadCheck[];
};

/** A chain head as published outside the database (src/services/audit-anchor.ts). */
export interface PublishedHead {
  seq: bigint;
  hash: string;
  /** where it came from (file and line), for the report */
  source?: string | undefined;
}

export type HeadCheck = PublishedHead &
  (
    /** the event with that seq has that hash, and the chain is intact up to it */
    | { status: "found" }
    /** the event with that seq has another hash: the trail was rewritten at or before it */
    | { status: "different"; actualHash: string }
    /** no event has that seq: removed (lastSeq: the trail's last event, null when empty) */
    | { status: "missing"; lastSeq: bigint | null }
    /** the chain breaks at `brokenAt`, before reaching it: it could not be checked */
    | { status: "unchecked"; brokenAt: bigint }
  );

/**
 * Walks the whole trail in seq order, recomputing every hash and link; reports the first
 * event where the chain breaks. (Removing events from the end cannot be detected this way.)
 *
 * `heads`: chain heads published outside the database (audit-anchor). Someone who can write
 * the database can rewrite the whole chain with consistent hashes, which the walk alone cannot
 * tell; a published head it no longer holds gives it away, as does a head past the trail's end.
 */
export async function verifyAuditChain(db: Db, opts: { batchSize?: number; heads?: readonly PublishedHead[] } = {}): Promise<AuditVerification> {
  const batchSize = opts.batchSize ?? 1_000;
  const heads = opts.heads;
  const checks = new Map<number, HeadCheck>();
  const bySeq = new Map<bigint, number[]>();
  heads?.forEach((h, i) => bySeq.set(h.seq, [...(bySeq.get(h.seq) ?? []), i]));
  const withHeads = (result: AuditVerification, rest: (h: PublishedHead) => HeadCheck): AuditVerification =>
    heads ? { ...result, heads: heads.map((h, i) => checks.get(i) ?? rest(h)) } : result;

  let expectedPrev = GENESIS_HASH;
  let prevSeq: bigint | null = null;
  let count = 0;
  for (;;) {
    const rows: AuditEvent[] = await db.auditEvent.findMany({
      where: prevSeq === null ? {} : { seq: { gt: prevSeq } },
      orderBy: { seq: "asc" },
      take: batchSize,
    });
    for (const row of rows) {
      const broken = checkEvent(row, expectedPrev, prevSeq);
      if (broken) {
        return withHeads({ ok: false, count, brokenAt: { seq: row.seq, reason: broken } }, (h) => ({ ...h, status: "unchecked", brokenAt: row.seq }));
      }
      for (const i of bySeq.get(row.seq) ?? []) {
        const h = heads?.[i];
        if (h) checks.set(i, h.hash === row.hash ? { ...h, status: "found" } : { ...h, status: "different", actualHash: row.hash });
      }
      expectedPrev = row.hash;
      prevSeq = row.seq;
      count++;
    }
    if (rows.length < batchSize) {
      const lastSeq = prevSeq;
      return withHeads({ ok: true, count }, (h) => ({ ...h, status: "missing", lastSeq }));
    }
  }
}

function checkEvent(row: AuditEvent, expectedPrev: string, prevSeq: bigint | null): string | null {
  if (row.prevHash !== expectedPrev) {
    return prevSeq === null
      ? "prev_hash of the first event is not the genesis value (events before it were removed?)"
      : `prev_hash does not match the hash of the previous event (seq ${prevSeq}): an event was removed, inserted or rewritten`;
  }
  const data = JsonObjectSchema.safeParse(row.data);
  if (!data.success) return "data is not a JSON object";
  const recomputed = auditHash({
    prevHash: row.prevHash,
    screeningId: row.screeningId,
    actorId: row.actorId,
    type: row.type,
    data: data.data,
    createdAt: row.createdAt,
  });
  if (recomputed !== row.hash) return "hash does not match the event's contents: the event was changed after it was written";
  return null;
}

// ---------------------------------------------------------------------------------------------
// The chain's head, for publishing outside the database (src/services/audit-anchor.ts)

export interface ChainHead {
  /** the newest event's seq and hash */
  seq: bigint;
  hash: string;
  /** how many events the trail holds */
  events: number;
}

/** The newest event and the number of events, read in one statement; null when the trail is empty. */
export async function auditChainHead(sql: Sql): Promise<ChainHead | null> {
  const rows = await sql.query<{ seq: string; hash: string; events: string }>(
    `SELECT seq::text AS seq, hash, (SELECT count(*) FROM audit_events)::text AS events
       FROM audit_events ORDER BY seq DESC LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return null;
  return { seq: BigInt(row.seq), hash: row.hash, events: Number(row.events) };
}

/**
 * Claims the publication of one day's head (`day`: YYYY-MM-DD) for this process: true for the
 * one claimant that gets it, in any number of instances; false when it was claimed before.
 */
export async function claimAnchorDay(sql: Sql, day: string): Promise<boolean> {
  const rows = await sql.query(`INSERT INTO processed_requests (key) VALUES ($1) ON CONFLICT (key) DO NOTHING RETURNING key`, [anchorKey(day)]);
  return rows.length === 1;
}

/** Gives a claimed day back when its publication failed, so that a later attempt publishes it. */
export async function releaseAnchorDay(sql: Sql, day: string): Promise<void> {
  await sql.query(`DELETE FROM processed_requests WHERE key = $1`, [anchorKey(day)]);
}

function anchorKey(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a day (YYYY-MM-DD): ${day}`);
  return `anchor:${day}`;
}
