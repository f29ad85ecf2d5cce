// The aggregate's one-statement read and write (src/store/aggregate.ts), on the database the
// project runs against (embedded, and the server when TEST_DATABASE_URL is set).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChange, type AggregateChange } from "../../src/domain/aggregate.js";
import { appendAudit, commitAggregate, createAggregate, loadAggregate } from "../../src/store/aggregate.js";
import { verifyAuditChain } from "../../src/store/audit.js";
import type { Database } from "../../src/store/database.js";
import { countingSql } from "../../src/store/sql.js";
import { ensureRuleSetVersion } from "../../src/store/screenings.js";
import { createTestDatabase } from "../support/db.js";

let db: Database;
const RULES = "f".repeat(64);
beforeAll(async () => {
  db = await createTestDatabase();
  await ensureRuleSetVersion(db.prisma, { hash: RULES, label: "test", content: { pages: [] } });
});
afterAll(async () => {
  await db?.close();
});

async function newScreening(requestKey?: string) {
  const id = randomUUID();
  const created = await createAggregate(db.sql, {
    id,
    requesterId: "U_REQ",
    teamId: "T1",
    ruleSetHash: RULES,
    currentPage: "deal",
    requestKey,
    now: new Date("2026-12-01T10:00:00.000Z"),
    audit: { type: "screening.created", data: { ruleSetVersion: RULES } },
  });
  return { id, created };
}

describe("the screening aggregate", () => {
  it("creates a screening with its reference, request key and first audit event in one statement", async () => {
    const sql = countingSql(db.sql);
    const id = randomUUID();
    const created = await createAggregate(sql, {
      id,
      requesterId: "U_REQ",
      teamId: null,
      ruleSetHash: RULES,
      currentPage: "deal",
      requestKey: "start:1",
      now: new Date("2026-12-01T10:00:00.000Z"),
      audit: { type: "screening.created", data: { ruleSetVersion: RULES } },
    });
    expect(sql.count).toBe(1);
    expect(created?.reference).toMatch(/^DD-2026-\d{4}$/);
    const loaded = await loadAggregate(db.sql, { screeningId: id }, "start:1");
    expect(loaded?.requestSeen).toBe(true);
    expect(loaded?.state.screening).toMatchObject({ reference: created?.reference, status: "draft", currentPage: "deal", version: 0 });
    const events = await db.prisma.auditEvent.findMany({ where: { screeningId: id } });
    expect(events.map((e) => [e.type, e.data])).toEqual([["screening.created", { ruleSetVersion: RULES, reference: created?.reference }]]);
    expect(await verifyAuditChain(db.prisma)).toMatchObject({ ok: true });
  });

  it("writes nothing and uses no reference number for a replayed start", async () => {
    const first = await newScreening("start:replay");
    const again = await newScreening("start:replay");
    expect(first.created).not.toBeNull();
    expect(again.created).toBeNull();
    expect(await loadAggregate(db.sql, { screeningId: again.id })).toBeNull();
    const next = await newScreening();
    const n = (ref: string | undefined) => Number(ref?.slice(-4));
    expect(n(next.created?.reference)).toBe(n(first.created?.reference) + 1);
  });

  it("reads the whole aggregate in one statement and writes a change in one", async () => {
    const { id } = await newScreening();
    const sql = countingSql(db.sql);
    const loaded = await loadAggregate(sql, { screeningId: id }, "page:1");
    if (!loaded) throw new Error("not loaded");
    expect(loaded.requestSeen).toBe(false);
    const change: AggregateChange = {
      screening: { currentPage: "customer", drafts: { deal: { item: "half typed" } } },
      answers: { item_type: "thermal_camera", destination: "DE" },
      answeredBy: "U_REQ",
      audit: [
        { actorId: "U_REQ", type: "answers.saved", data: { page: "deal", changed: ["item_type", "destination"] } },
        { actorId: "U_REQ", type: "answers.drafted", data: { page: "deal", note: "\u0001PREV\u0001 typed by a person" } },
      ],
      deliveries: [{ kind: "dm_draft_saved", screeningId: id }],
    };
    const now = new Date("2026-12-01T10:05:00.000Z");
    const result = await commitAggregate(sql, { state: loaded.state, change, requestKey: "page:1", now });
    expect(sql.count).toBe(2);
    expect(result.committed).toBe(true);
    const after = await loadAggregate(db.sql, { screeningId: id }, "page:1");
    expect(after?.requestSeen).toBe(true);
    expect(after?.state).toEqual(applyChange(loaded.state, change, now));
    expect(await db.prisma.delivery.count({ where: { screeningId: id, kind: "dm_draft_saved" } })).toBe(1);
    expect(await verifyAuditChain(db.prisma)).toMatchObject({ ok: true });
  });

  it("supersedes a changed answer and keeps the old one", async () => {
    const { id } = await newScreening();
    const now = new Date("2026-12-01T11:00:00.000Z");
    let state = (await loadAggregate(db.sql, { screeningId: id }))!.state;
    expect((await commitAggregate(db.sql, { state, change: { answers: { a: "one" }, answeredBy: "U_REQ", audit: [], deliveries: [] }, now })).committed).toBe(true);
    state = (await loadAggregate(db.sql, { screeningId: id }))!.state;
    expect((await commitAggregate(db.sql, { state, change: { answers: { a: "two", b: undefined }, answeredBy: "U_REQ", audit: [], deliveries: [] }, now })).committed).toBe(true);
    const rows = await db.prisma.answer.findMany({ where: { screeningId: id }, orderBy: { supersededAt: { sort: "asc", nulls: "last" } } });
    expect(rows.map((r) => [r.value, r.supersededAt !== null])).toEqual([
      ["one", true],
      ["two", false],
    ]);
  });

  it("refuses a change to a screening changed since it was read, and writes none of it", async () => {
    const { id } = await newScreening();
    const now = new Date("2026-12-01T12:00:00.000Z");
    const state = (await loadAggregate(db.sql, { screeningId: id }))!.state;
    const first = await commitAggregate(db.sql, { state, change: { answers: { a: "first" }, answeredBy: "U1", audit: [{ actorId: "U1", type: "t.first", data: {} }], deliveries: [] }, requestKey: "k:first", now });
    const second = await commitAggregate(db.sql, {
      state,
      change: { answers: { a: "second" }, answeredBy: "U2", audit: [{ actorId: "U2", type: "t.second", data: {} }], deliveries: [{ kind: "dm_cleared", screeningId: id }] },
      requestKey: "k:second",
      now,
    });
    expect(first.committed).toBe(true);
    expect(second.committed).toBe(false);
    const after = (await loadAggregate(db.sql, { screeningId: id }, "k:second"))!;
    expect(after.state.answers).toEqual({ a: "first" });
    expect(after.requestSeen).toBe(false);
    expect(await db.prisma.auditEvent.count({ where: { screeningId: id, type: "t.second" } })).toBe(0);
    expect(await db.prisma.delivery.count({ where: { screeningId: id } })).toBe(0);
  });

  it("aborts the whole statement when the request key was taken meanwhile", async () => {
    const { id } = await newScreening();
    await db.prisma.processedRequest.create({ data: { key: "k:taken" } });
    const state = (await loadAggregate(db.sql, { screeningId: id }))!.state;
    await expect(
      commitAggregate(db.sql, { state, change: { answers: { a: "x" }, answeredBy: "U1", audit: [], deliveries: [] }, requestKey: "k:taken", now: new Date() }),
    ).rejects.toMatchObject({ code: "40001" });
    expect((await loadAggregate(db.sql, { screeningId: id }))!.state).toEqual(state);
  });

  it("a request key is claimed once: a second commit with the same key writes nothing", async () => {
    const { id } = await newScreening();
    const now = new Date("2026-12-01T13:00:00.000Z");
    const change = (value: string): AggregateChange => ({
      answers: { a: value },
      answeredBy: "U1",
      audit: [{ actorId: "U1", type: "t.once", data: { value } }],
      deliveries: [{ kind: "dm_draft_saved", screeningId: id }],
    });
    const before = (await loadAggregate(db.sql, { screeningId: id }, "k:once"))!;
    expect(before.requestSeen).toBe(false);
    expect((await commitAggregate(db.sql, { state: before.state, change: change("first"), requestKey: "k:once", now })).committed).toBe(true);

    // a fresh read: the key is seen, another key is still free
    const fresh = (await loadAggregate(db.sql, { screeningId: id }, "k:once"))!;
    expect(fresh.requestSeen).toBe(true);
    expect((await loadAggregate(db.sql, { screeningId: id }, "k:other"))!.requestSeen).toBe(false);

    // the same key again, on the current version: the whole statement is refused
    await expect(commitAggregate(db.sql, { state: fresh.state, change: change("second"), requestKey: "k:once", now })).rejects.toMatchObject({ code: "40001" });
    expect((await loadAggregate(db.sql, { screeningId: id }, "k:once"))!.state).toEqual(fresh.state);
    expect(await db.prisma.processedRequest.count({ where: { key: "k:once" } })).toBe(1);
    expect(await db.prisma.answer.count({ where: { screeningId: id } })).toBe(1);
    expect(await db.prisma.auditEvent.count({ where: { screeningId: id, type: "t.once" } })).toBe(1);
    expect(await db.prisma.delivery.count({ where: { screeningId: id } })).toBe(1);
  });

  it("chains audit events that change no screening, and a fork is refused", async () => {
    const seqs = await appendAudit(db.sql, [{ screeningId: null, actorId: "U9", type: "access.refused", data: { reason: "test" } }], new Date());
    expect(seqs).toHaveLength(1);
    expect(await verifyAuditChain(db.prisma)).toMatchObject({ ok: true });
    const tail = await db.prisma.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    // a second successor of the same event: what two writers reading one tail would produce
    await expect(
      db.prisma.$executeRawUnsafe(
        `INSERT INTO audit_events (actor_id, type, data, created_at, prev_hash, hash) VALUES ('U9', 'fork', '{}', now(), $1, $2)`,
        tail.prevHash,
        "e".repeat(64),
      ),
    ).rejects.toThrow();
  });

  it("finds the aggregate by escalation and by reference; a malformed id is simply not found", async () => {
    const { id, created } = await newScreening();
    expect((await loadAggregate(db.sql, { reference: created!.reference }))?.state.screening.id).toBe(id);
    expect(await loadAggregate(db.sql, { screeningId: "not-a-uuid" })).toBeNull();
    expect(await loadAggregate(db.sql, { escalationId: randomUUID() })).toBeNull();
  });
});
