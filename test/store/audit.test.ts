import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit, commitAggregate, createAggregate, loadAggregate, type AuditEntry } from "../../src/store/aggregate.js";
import { auditHash, GENESIS_HASH, verifyAuditChain } from "../../src/store/audit.js";
import type { Database } from "../../src/store/database.js";
import { databaseErrorOf } from "../../src/store/errors.js";
import { JsonObjectSchema } from "../../src/store/json.js";
import { ensureRuleSetVersion } from "../../src/store/screenings.js";
import type { Sql } from "../../src/store/sql.js";
import { createTestDatabase } from "../support/db.js";

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

/** Appends one event in one statement, as a refusal is recorded; returns its seq. */
async function append(sql: Sql, event: AuditEntry, at = new Date()): Promise<bigint> {
  const [seq] = await appendAudit(sql, [event], at);
  if (seq === undefined) throw new Error("nothing appended");
  return BigInt(seq);
}

/** Edits a row the way an attacker with database access would: with the guard trigger off. */
async function tamper(sql: string): Promise<void> {
  await db.prisma.$executeRawUnsafe(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`);
  try {
    await db.prisma.$executeRawUnsafe(sql);
  } finally {
    await db.prisma.$executeRawUnsafe(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`);
  }
}

// The tests in this file build on each other: one trail, appended to, checked, then broken.
describe("the audit trail", () => {
  it("is intact when empty", async () => {
    expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, count: 0 });
  });

  it("chains each event to the previous one, starting from the genesis hash", async () => {
    const first = await append(db.sql, { screeningId: null, actorId: "U1", type: "screening.created", data: { reference: "DD-2026-0001" } });
    const second = await append(db.sql, {
      screeningId: "7d0c3f3e-0000-4000-8000-000000000001",
      actorId: "U2",
      type: "answers.saved",
      // keys in any order and nesting; undefined properties are dropped
      data: { z: 1, a: { y: [1, "two", null, true], b: 0.1 }, dropped: undefined, page: null },
    });
    const rows = await db.prisma.auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(rows.map((r) => r.seq)).toEqual([first, second]);
    expect(rows[0]?.prevHash).toBe(GENESIS_HASH);
    expect(rows[1]?.prevHash).toBe(rows[0]?.hash);
    expect(rows[1]?.data).toEqual({ z: 1, a: { y: [1, "two", null, true], b: 0.1 }, page: null });
    for (const row of rows) {
      const data = JsonObjectSchema.parse(row.data);
      // the hash SQL computed is the one auditHash() computes from the row
      expect(auditHash({ ...row, data })).toBe(row.hash);
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, count: 2 });
  });

  it("is written with the change it records, or not at all", async () => {
    const rules = "a".repeat(64);
    await ensureRuleSetVersion(db.prisma, { hash: rules, label: "test", content: { pages: [] } });
    const id = randomUUID();
    const now = new Date("2026-12-01T10:00:00.000Z");
    await createAggregate(db.sql, { id, requesterId: "U1", teamId: null, ruleSetHash: rules, currentPage: null, now, audit: { type: "screening.created", data: {} } });
    const before = await db.prisma.auditEvent.count();
    const stale = (await loadAggregate(db.sql, { screeningId: id }))!.state;
    // someone else changes the screening first (without an event)
    expect((await commitAggregate(db.sql, { state: stale, change: { screening: { currentPage: "deal" }, audit: [], deliveries: [] }, now })).committed).toBe(true);
    // the change read before it is refused, and its event is not written either
    const refused = await commitAggregate(db.sql, { state: stale, change: { answers: { a: "x" }, answeredBy: "U1", audit: [{ actorId: "U1", type: "never", data: {} }], deliveries: [] }, now });
    expect(refused.committed).toBe(false);
    expect(await db.prisma.auditEvent.count()).toBe(before);
    expect(await db.prisma.auditEvent.count({ where: { type: "never" } })).toBe(0);
    expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, count: 3 });
  });

  it("never forks when many writers append at once: one that read the same tail fails and runs again", async () => {
    const lostRace = (err: unknown) => ["23505", "40001"].includes(databaseErrorOf(err)?.code ?? "");
    // as the use cases do (services/context.ts): a lost race runs again on the new tail
    const appendRetrying = async (i: number) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await append(db.sql, { screeningId: null, actorId: `U${i}`, type: "concurrent", data: { i } });
        } catch (err) {
          if (!lostRace(err) || attempt >= 30) throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: 15 }, (_, i) => appendRetrying(i)));
    expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, count: 18 });
    const rows = await db.prisma.auditEvent.findMany({ select: { prevHash: true } });
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(rows.length);
    expect(await db.prisma.auditEvent.count({ where: { type: "concurrent" } })).toBe(15);
  });

  it("verifies in batches across batch boundaries", async () => {
    expect(await verifyAuditChain(db.prisma, { batchSize: 2 })).toEqual({ ok: true, count: 18 });
    expect(await verifyAuditChain(db.prisma, { batchSize: 18 })).toEqual({ ok: true, count: 18 });
  });

  it("is refused by the database itself: no UPDATE, no DELETE", async () => {
    const refusal = async (attempt: Promise<unknown>) => databaseErrorOf(await attempt.then(() => null, (err: unknown) => err));
    expect(await refusal(db.prisma.$executeRawUnsafe(`UPDATE audit_events SET type = 'rewritten'`))).toEqual({
      code: "P0001",
      message: "audit_events is append-only (UPDATE refused)",
    });
    expect(await refusal(db.prisma.$executeRawUnsafe(`DELETE FROM audit_events`))).toEqual({
      code: "P0001",
      message: "audit_events is append-only (DELETE refused)",
    });
    expect(await refusal(db.prisma.auditEvent.updateMany({ data: { actorId: "UMALLORY" } }))).toMatchObject({ code: "P0001" });
    expect(await refusal(db.prisma.auditEvent.deleteMany({}))).toMatchObject({ code: "P0001" });
    expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, count: 18 });
  });

  it("reports an event edited by hand at its seq", async () => {
    const rows = await db.prisma.auditEvent.findMany({ orderBy: { seq: "asc" }, select: { seq: true } });
    const victim = rows[5]?.seq;
    if (victim === undefined) throw new Error("not enough events");
    await tamper(`UPDATE audit_events SET data = '{"i": 999}' WHERE seq = ${victim}`);
    const result = await verifyAuditChain(db.prisma);
    expect(result).toEqual({
      ok: false,
      count: 5,
      brokenAt: { seq: victim, reason: "hash does not match the event's contents: the event was changed after it was written" },
    });
  });
});

describe("a trail with an event removed", () => {
  let other: Database;
  beforeAll(async () => {
    other = await createTestDatabase();
  });
  afterAll(async () => {
    await other?.close();
  });

  it("is reported at the event after the gap", async () => {
    const seqs: bigint[] = [];
    for (let i = 0; i < 4; i++) seqs.push(await append(other.sql, { screeningId: null, actorId: "U", type: "t", data: { i } }));
    await other.prisma.$executeRawUnsafe(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`);
    await other.prisma.$executeRawUnsafe(`DELETE FROM audit_events WHERE seq = ${seqs[1]}`);
    await other.prisma.$executeRawUnsafe(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`);
    const result = await verifyAuditChain(other.prisma);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.brokenAt.seq).toBe(seqs[2]);
      expect(result.brokenAt.reason).toMatch(/prev_hash does not match the hash of the previous event \(seq \d+\)/);
      expect(result.count).toBe(1);
    }
  });
});

describe("a trail relinked after a deletion (prev_hash alone changed)", () => {
  let other: Database;
  beforeAll(async () => {
    other = await createTestDatabase();
  });
  afterAll(async () => {
    await other?.close();
  });

  it("is reported at the relinked event: its hash covers the prev_hash it was written with", async () => {
    for (let i = 0; i < 4; i++) await append(other.sql, { screeningId: null, actorId: "U", type: "t", data: { i } });
    const [first, removed, relinked] = await other.prisma.auditEvent.findMany({ orderBy: { seq: "asc" } });
    if (!first || !removed || !relinked) throw new Error("not enough events");
    await other.prisma.$executeRawUnsafe(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`);
    try {
      await other.prisma.$executeRawUnsafe(`DELETE FROM audit_events WHERE seq = ${removed.seq}`);
      // Only prev_hash is changed, so the link to the event before the gap looks intact.
      await other.prisma.$executeRawUnsafe(`UPDATE audit_events SET prev_hash = '${first.hash}' WHERE seq = ${relinked.seq}`);
    } finally {
      await other.prisma.$executeRawUnsafe(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`);
    }
    expect(await verifyAuditChain(other.prisma)).toEqual({
      ok: false,
      count: 1,
      brokenAt: { seq: relinked.seq, reason: "hash does not match the event's contents: the event was changed after it was written" },
    });
  });
});

describe("the code base", () => {
  it("never updates or deletes audit events", async () => {
    const src = fileURLToPath(new URL("../../src", import.meta.url));
    const offenders: string[] = [];
    for (const file of await sourceFiles(src)) {
      const text = await readFile(file, "utf8");
      if (/auditEvent\s*\.\s*(update|updateMany|upsert|delete|deleteMany)\b|(UPDATE|DELETE\s+FROM)\s+"?audit_events\b/i.test(text)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "generated") out.push(...(await sourceFiles(path)));
    } else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}
