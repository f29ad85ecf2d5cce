// The reminders' scheduler (src/services/reminders.ts) over the test database: a pass is one
// read and one claim; the approvers' list failing leaves the DMs out, not the reminder; calls
// made while a pass runs share one more pass.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escalationIdOf } from "../../src/domain/ids.js";
import { DEFAULT_REMINDER_POLICY } from "../../src/domain/reminders.js";
import { sendDueReminders, startReminderScheduler, type ReminderDeps } from "../../src/services/reminders.js";
import { commitAggregate, createAggregate, loadAggregate } from "../../src/store/aggregate.js";
import { ensureRuleSetVersion } from "../../src/store/screenings.js";
import { countingSql } from "../../src/store/sql.js";
import { serviceHarness, type ServiceHarness } from "./support.js";

const H = 3_600_000;
const T0 = new Date("2026-12-02T10:00:00.000Z");
let h: ServiceHarness;

beforeAll(async () => {
  h = await serviceHarness();
  await ensureRuleSetVersion(h.db.prisma, { hash: h.ctx.ruleSet.version, label: "tiny", content: {} });
});
afterAll(async () => {
  await h?.close();
});

/** An escalated screening, waiting since T0 for two approvals. */
async function escalated(requesterId: string): Promise<{ screeningId: string; escalationId: string }> {
  const screeningId = randomUUID();
  const escalationId = escalationIdOf(randomUUID());
  await createAggregate(h.ctx.sql, { id: screeningId, requesterId, teamId: null, ruleSetHash: h.ctx.ruleSet.version, currentPage: null, now: T0, audit: { type: "screening.created", data: {} } });
  const loaded = await loadAggregate(h.ctx.sql, { screeningId });
  if (!loaded) throw new Error("no screening");
  const committed = await commitAggregate(h.ctx.sql, {
    state: loaded.state,
    change: {
      screening: { status: "escalated", tier: "high", submittedAt: T0, currentPage: null },
      escalation: { create: { id: escalationId, channelId: "C0COMPLIANCE", requiredApprovals: 2 } },
      audit: [],
      deliveries: [],
    },
    now: T0,
  });
  expect(committed.committed).toBe(true);
  return { screeningId, escalationId };
}

function deps(over: Partial<ReminderDeps> & { at: Date }): ReminderDeps & { enqueued: string[] } {
  const enqueued: string[] = [];
  return {
    sql: h.ctx.sql,
    now: () => over.at,
    log: h.ctx.log,
    policy: { ...DEFAULT_REMINDER_POLICY, digestHourUtc: null },
    complianceChannelId: "C0COMPLIANCE",
    recipients: async () => ({ approvers: ["UAPPROVER1", "UAPPROVER2"], hardStopApprovers: [] }),
    onDeliveriesEnqueued: (ids) => enqueued.push(...ids),
    enqueued,
    ...over,
  };
}

describe("the reminders' scheduler", () => {
  it("reminds in the thread even when the approvers cannot be listed, and says so in the log", async () => {
    const { escalationId } = await escalated("UREQ1");
    const d = deps({ at: new Date(T0.getTime() + 25 * H), recipients: () => Promise.reject(new Error("usergroups.users.list failed")) });
    const sql = countingSql(h.ctx.sql);
    const pass = await sendDueReminders({ ...d, sql });
    expect(sql.count).toBe(2);
    expect(pass.claimed).toEqual([`reminder:escalation:${escalationId}:r1:1`]);
    expect(pass.deliveries).toBe(1);
    expect(d.enqueued).toHaveLength(1);
    const rows = await h.db.prisma.delivery.findMany({ where: { kind: { startsWith: "reminder_" } } });
    expect(rows.map((r) => r.kind)).toEqual(["reminder_escalation"]);
    expect(rows[0]?.payload).toMatchObject({ escalationId, round: 1, n: 1, notified: 0 });
    expect(h.logs.some((l) => l.level === "warn" && /could not list the approvers/.test(l.message))).toBe(true);

    // Claimed: the next pass reads it as reminded, and claims nothing.
    const again = await sendDueReminders({ ...d, recipients: async () => ({ approvers: ["UAPPROVER1"], hardStopApprovers: [] }) });
    expect(again.claimed).toEqual([]);
    expect(await h.db.prisma.delivery.count({ where: { kind: { startsWith: "reminder_" } } })).toBe(1);
  });

  it("runs one more pass for every call made while one runs, not one each", async () => {
    const sql = countingSql(h.ctx.sql);
    const scheduler = startReminderScheduler({ ...deps({ at: T0 }), sql, intervalMs: 3_600_000 });
    try {
      const passes = await Promise.all([scheduler.runNow(), scheduler.runNow(), scheduler.runNow(), scheduler.runNow()]);
      // nothing is due at T0: a pass is its one read
      expect(sql.count).toBe(2);
      expect(passes.every((p) => p?.claimed.length === 0)).toBe(true);
    } finally {
      await scheduler.stop();
    }
    expect(await scheduler.runNow()).toBeUndefined();
  });
});
