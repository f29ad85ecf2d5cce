// The audit trail: append-only, each event chained to the previous one by hash, so editing,
// inserting or deleting a past event breaks the chain at that point. The database refuses
// UPDATE and DELETE on audit_events (trigger in the first migration); nothing here does either.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { AuditEvent } from "../generated/prisma/client.js";
import { canonicalJson, JsonObjectSchema, normaliseJsonObject, type JsonInput, type JsonObject } from "./json.js";
import { withinTransaction, type Db, type Tx } from "./types.js";

export const GENESIS_HASH = "0".repeat(64);

/** Transaction-level advisory lock that serialises writers of the chain ("DD_AUDIT" in ASCII). */
export const AUDIT_LOCK_KEY = 0x44445f4155444954n;

export interface NewAuditEvent {
  screeningId?: string | null | undefined;
  actorId: string;
  type: string;
  data: { readonly [key: string]: JsonInput | undefined };
}

export interface AppendedAuditEvent {
  seq: bigint;
  hash: string;
  createdAt: Date;
}

/**
 * Appends one event. Pass the transaction that makes the change the event records, so both
 * commit or neither; given the root client it opens a transaction of its own.
 */
export async function appendAuditEvent(db: Db, event: NewAuditEvent): Promise<AppendedAuditEvent> {
  return withinTransaction(db, (tx) => appendInTransaction(tx, event));
}

async function appendInTransaction(tx: Tx, event: NewAuditEvent): Promise<AppendedAuditEvent> {
  // Until this transaction ends, no other writer (in any process) can read the tail and
  // append, so the chain cannot fork. The tail must be read after the lock with a fresh
  // snapshot, which READ COMMITTED (the default) gives and REPEATABLE READ does not.
  const locked = await tx.$queryRaw<unknown[]>`
    SELECT current_setting('transaction_isolation') AS isolation FROM pg_advisory_xact_lock(${AUDIT_LOCK_KEY}::bigint)`;
  const isolation = z.array(z.object({ isolation: z.string() })).parse(locked)[0]?.isolation;
  if (isolation !== "read committed") {
    throw new Error(`appendAuditEvent needs a READ COMMITTED transaction, not ${isolation ?? "unknown"}: it could fork the audit chain`);
  }
  const last = await tx.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { hash: true } });
  const fields: ChainedFields = {
    prevHash: last?.hash ?? GENESIS_HASH,
    screeningId: event.screeningId ?? null,
    actorId: event.actorId,
    type: event.type,
    data: normaliseJsonObject(event.data),
    createdAt: new Date(),
  };
  return tx.auditEvent.create({
    data: { ...fields, hash: auditHash(fields) },
    select: { seq: true, hash: true, createdAt: true },
  });
}

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

export type AuditVerification =
  /** count: events checked */
  | { ok: true; count: number }
  /** count: intact events before the first broken one */
  | { ok: false; count: number; brokenAt: { seq: bigint; reason: string } };

/**
 * Walks the whole trail in seq order, recomputing every hash and link; reports the first
 * event where the chain breaks. (Removing events from the end cannot be detected this way.)
 */
export async function verifyAuditChain(db: Db, opts: { batchSize?: number } = {}): Promise<AuditVerification> {
  const batchSize = opts.batchSize ?? 1_000;
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
      if (broken) return { ok: false, count, brokenAt: { seq: row.seq, reason: broken } };
      expectedPrev = row.hash;
      prevSeq = row.seq;
      count++;
    }
    if (rows.length < batchSize) return { ok: true, count };
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
