// Reminders' claims (src/store/reminders.ts) on the database the project runs against (embedded,
// and the server when TEST_DATABASE_URL is set): what waits is read in one statement; a due
// moment is claimed with its outbox rows in one statement, once, however many claim it at once,
// and only while the screening is as it was when found due.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requesterReminder, DEFAULT_REMINDER_POLICY, type ReminderClaim } from "../../src/domain/reminders.js";
import { commitAggregate, createAggregate, loadAggregate } from "../../src/store/aggregate.js";
import type { Database } from "../../src/store/database.js";
import { claimReminders, waitingNow } from "../../src/store/reminders.js";
import { ensureRuleSetVersion } from "../../src/store/screenings.js";
import { countingSql } from "../../src/store/sql.js";
import { createTestDatabase } from "../support/db.js";

const RULES = "e".repeat(64);
const T0 = new Date("2026-12-02T10:00:00.000Z");
const DAY = 86_400_000;
let db: Database;

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureRuleSetVersion(db.prisma, { hash: RULES, label: "test", content: { pages: [] } });
});
afterAll(async () => {
  await db?.close();
});

async function draftAt(at: Date, requesterId = "UREQ"): Promise<string> {
  const id = randomUUID();
  await createAggregate(db.sql, { id, requesterId, teamId: null, ruleSetHash: RULES, currentPage: "deal", now: at, audit: { type: "screening.created", data: {} } });
  return id;
}

async function dueClaimFor(id: string, now: Date): Promise<ReminderClaim> {
  const waiting = await waitingNow(db.sql, { untouchedBefore: new Date(now.getTime() - 3 * DAY) });
  const w = waiting.requesters.find((r) => r.screeningId === id);
  if (!w) throw new Error("the draft is not waiting");
  const claim = requesterReminder(w, now, DEFAULT_REMINDER_POLICY);
  if (!claim) throw new Error("no reminder due");
  return claim;
}

async function deliveriesOf(id: string) {
  return db.prisma.delivery.findMany({ where: { screeningId: id, kind: "reminder_draft" } });
}

describe("reminder claims", () => {
  it("reads drafts left untouched long enough, and not the fresh ones", async () => {
    const old = await draftAt(T0);
    const fresh = await draftAt(new Date(T0.getTime() + 2 * DAY));
    const waiting = await waitingNow(db.sql, { untouchedBefore: new Date(T0.getTime() + DAY) });
    const ids = waiting.requesters.map((r) => r.screeningId);
    expect(ids).toContain(old);
    expect(ids).not.toContain(fresh);
    expect(waiting.requesters.find((r) => r.screeningId === old)).toMatchObject({ status: "draft", version: 0, untouchedSince: T0, remindedN: 0 });
  });

  it("claims a due moment and enqueues its message in one statement, once, even when claimed at the same moment twice", async () => {
    const id = await draftAt(T0);
    const now = new Date(T0.getTime() + 3 * DAY + 60_000);
    const claim = await dueClaimFor(id, now);
    const sql = countingSql(db.sql);
    const outcomes = await Promise.all([claimReminders(sql, [claim], now), claimReminders(sql, [claim], now), claimReminders(sql, [claim], now)]);
    expect(sql.count).toBe(3);
    expect(outcomes.map((o) => o.claimed.length).sort()).toEqual([0, 0, 1]);
    expect(outcomes.flatMap((o) => o.deliveryIds)).toHaveLength(1);
    const rows = await deliveriesOf(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.payload).toMatchObject({ kind: "reminder_draft", screeningId: id, version: 0, n: 1 });
    // The read knows it was claimed: nothing more is due for this stretch.
    const waiting = await waitingNow(db.sql, { untouchedBefore: now });
    const w = waiting.requesters.find((r) => r.screeningId === id);
    expect(w?.remindedN).toBe(1);
    expect(w && requesterReminder(w, new Date(now.getTime() + 30 * DAY), DEFAULT_REMINDER_POLICY)).toBeNull();
  });

  it("claims nothing, and enqueues nothing, when the screening changed after it was found due", async () => {
    const id = await draftAt(T0);
    const now = new Date(T0.getTime() + 3 * DAY + 60_000);
    const claim = await dueClaimFor(id, now);
    const loaded = await loadAggregate(db.sql, { screeningId: id });
    if (!loaded) throw new Error("no screening");
    // The requester saves a page meanwhile.
    const committed = await commitAggregate(db.sql, { state: loaded.state, change: { screening: { currentPage: "customer" }, audit: [], deliveries: [] }, now });
    expect(committed.committed).toBe(true);
    expect(await claimReminders(db.sql, [claim], now)).toEqual({ claimed: [], deliveryIds: [] });
    expect(await deliveriesOf(id)).toEqual([]);
    expect(await db.sql.query("SELECT 1 FROM reminder_claims WHERE key = $1", [claim.key])).toEqual([]);
  });

  it("refuses a payload the outbox could not send, before anything is written", async () => {
    const id = await draftAt(T0);
    const now = new Date(T0.getTime() + 3 * DAY + 60_000);
    const claim = await dueClaimFor(id, now);
    const broken: ReminderClaim = { ...claim, messages: [{ screeningId: id, message: { ...claim.messages[0]!.message, n: 0 } as ReminderClaim["messages"][number]["message"] }] };
    await expect(claimReminders(db.sql, [broken], now)).rejects.toThrow();
    expect(await db.sql.query("SELECT 1 FROM reminder_claims WHERE key = $1", [claim.key])).toEqual([]);
  });
});
