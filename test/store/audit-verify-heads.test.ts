// Whoever can write the database can rewrite the audit trail with every hash recomputed: the
// chain then verifies. A chain head published outside the database before the rewrite gives it
// away: the trail no longer holds it. Also: a head past the trail's end (events cut off), and a
// head the walk never reached (the chain breaks before it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit } from "../../src/store/aggregate.js";
import { auditChainHead, auditHash, claimAnchorDay, releaseAnchorDay, verifyAuditChain, type PublishedHead } from "../../src/store/audit.js";
import type { Database } from "../../src/store/database.js";
import { JsonObjectSchema } from "../../src/store/json.js";
import { createTestDatabase } from "../support/db.js";

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

/** As an attacker with the database's owner role would: trigger off, edits, trigger on. */
async function asAttacker(work: () => Promise<void>): Promise<void> {
  await db.prisma.$executeRawUnsafe(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`);
  try {
    await work();
  } finally {
    await db.prisma.$executeRawUnsafe(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`);
  }
}

/** Edits one event's data and recomputes every hash from it on, consistently. */
async function rewriteFrom(seq: bigint, data: Record<string, string>): Promise<void> {
  await asAttacker(async () => {
    const rows = await db.prisma.auditEvent.findMany({ where: { seq: { gte: seq } }, orderBy: { seq: "asc" } });
    let prevHash = rows[0]?.prevHash ?? "";
    for (const row of rows) {
      const fields = { ...row, prevHash, data: row.seq === seq ? data : JsonObjectSchema.parse(row.data) };
      const hash = auditHash(fields);
      await db.prisma.$executeRawUnsafe(`UPDATE audit_events SET data = $1::jsonb, prev_hash = $2, hash = $3 WHERE seq = $4`, JSON.stringify(fields.data), prevHash, hash, row.seq);
      prevHash = hash;
    }
  });
}

async function head(): Promise<PublishedHead> {
  const h = await auditChainHead(db.sql);
  if (!h) throw new Error("empty trail");
  return { seq: h.seq, hash: h.hash };
}

describe("published chain heads", () => {
  const published: PublishedHead[] = [];

  it("has no head while the trail is empty", async () => {
    expect(await auditChainHead(db.sql)).toBeNull();
  });

  it("are held by the trail they were read from, later events or not", async () => {
    for (let i = 1; i <= 3; i++) await appendAudit(db.sql, [{ screeningId: null, actorId: "U1", type: "anchor.test", data: { i: String(i) } }], new Date());
    published.push(await head());
    for (let i = 4; i <= 6; i++) await appendAudit(db.sql, [{ screeningId: null, actorId: "U1", type: "anchor.test", data: { i: String(i) } }], new Date());
    published.push(await head());
    const newest = await auditChainHead(db.sql);
    expect(newest?.events).toBe(6);
    expect(newest?.hash).toMatch(/^[0-9a-f]{64}$/);

    const result = await verifyAuditChain(db.prisma, { heads: published });
    expect(result.ok).toBe(true);
    expect(result.heads?.map((h) => h.status)).toEqual(["found", "found"]);
    // without heads, the answer is as it always was
    expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, count: 6 });
  });

  it("catch a trail rewritten with consistent hashes, which the walk alone passes", async () => {
    const events = await db.prisma.auditEvent.findMany({ orderBy: { seq: "asc" } });
    const fifth = events[4];
    if (!fifth) throw new Error("no fifth event");
    await rewriteFrom(fifth.seq, { i: "5", note: "edited afterwards" });

    expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, count: 6 });
    const result = await verifyAuditChain(db.prisma, { heads: published });
    expect(result.ok).toBe(true);
    const [early, late] = result.heads ?? [];
    // published before the edited event: still held
    expect(early).toMatchObject({ seq: published[0]?.seq, status: "found" });
    // published after it: the trail's event with that seq has another hash now
    expect(late).toMatchObject({ seq: published[1]?.seq, hash: published[1]?.hash, status: "different" });
    expect(late?.status === "different" && late.actualHash).toBe((await head()).hash);
    expect(late?.status === "different" && late.actualHash).not.toBe(published[1]?.hash);
  });

  it("catch events cut off the end, which the walk alone cannot see", async () => {
    const last = await head();
    const trusted = { ...last };
    await asAttacker(async () => {
      await db.prisma.$executeRawUnsafe(`DELETE FROM audit_events WHERE seq = $1`, last.seq);
    });
    expect((await verifyAuditChain(db.prisma)).ok).toBe(true);
    const result = await verifyAuditChain(db.prisma, { heads: [trusted] });
    expect(result.heads).toEqual([{ ...trusted, status: "missing", lastSeq: last.seq - 1n }]);
  });

  it("the walk never reached are reported as not checked when the chain breaks before them", async () => {
    const events = await db.prisma.auditEvent.findMany({ orderBy: { seq: "asc" } });
    const second = events[1];
    const newest = events[events.length - 1];
    if (!second || !newest) throw new Error("too few events");
    await asAttacker(async () => {
      await db.prisma.$executeRawUnsafe(`UPDATE audit_events SET actor_id = 'U2' WHERE seq = $1`, second.seq);
    });
    const result = await verifyAuditChain(db.prisma, { heads: [{ seq: events[0]?.seq ?? 0n, hash: events[0]?.hash ?? "" }, { seq: newest.seq, hash: newest.hash }] });
    expect(result.ok).toBe(false);
    expect(result.heads?.map((h) => h.status)).toEqual(["found", "unchecked"]);
    expect(result.heads?.[1]).toMatchObject({ status: "unchecked", brokenAt: second.seq });
  });
});

describe("claiming a day's publication", () => {
  it("goes to one claimant; a claim given back can be taken again", async () => {
    const claims = await Promise.all([claimAnchorDay(db.sql, "2026-12-01"), claimAnchorDay(db.sql, "2026-12-01")]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await claimAnchorDay(db.sql, "2026-12-01")).toBe(false);
    expect(await claimAnchorDay(db.sql, "2026-12-02")).toBe(true);
    await releaseAnchorDay(db.sql, "2026-12-01");
    expect(await claimAnchorDay(db.sql, "2026-12-01")).toBe(true);
    await expect(claimAnchorDay(db.sql, "today")).rejects.toThrow("not a day");
  });
});
