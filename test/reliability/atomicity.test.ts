// Point 3, crash safety, step by step: a page's answers, the status change and the audit event
// (and a decision's escalation, screening, audit event and outbox rows) commit together or not
// at all. The database is made to fail at each write of the transaction in turn, through the
// real HTTP app; each time the person is told nothing was saved, nothing of it is in the
// database, and pressing the button again saves it once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../src/store/audit.js";
import { BLOCK } from "../../src/slack/ids.js";
import type { Database } from "../../src/store/database.js";
import type { E2E } from "../e2e/support/harness.js";
import { answerAllPages } from "../e2e/support/scenarios.js";
import { createTestDatabase } from "../support/db.js";
import { ackOf, applyAck, escalationMessage, high, low, medium, openDecision, pageSubmission, rationaleState, sendSubmission, submitScreening } from "./support/flows.js";
import { hookPrisma } from "./support/hooked-prisma.js";
import { APPROVERS, COMPLIANCE, printFigures, startSingle } from "./support/instances.js";

let db: Database;
let e2e: E2E;
let failAt: { model: string; method: string; nth: number } | null = null;
let seen = 0;
const figures = { faultsInjected: 0, partialRecords: 0, retriesSaved: 0, recordsLost: 0 };

beforeAll(async () => {
  db = await createTestDatabase();
  const hooked: Database = {
    ...db,
    prisma: hookPrisma(db.prisma, ({ model, method, inTransaction }) => {
      if (!failAt || !inTransaction || model !== failAt.model || method !== failAt.method) return;
      seen++;
      if (seen === failAt.nth) {
        failAt = null;
        figures.faultsInjected++;
        throw new Error("injected fault: the write failed here");
      }
    }),
  };
  e2e = await startSingle({ database: hooked });
}, 60_000);
afterAll(async () => {
  printFigures("atomicity", figures);
  await e2e?.close();
  await db?.close();
});

function arm(model: string, method: string, nth = 1): void {
  failAt = { model, method, nth };
  seen = 0;
}

/** Everything the database holds about one screening, to compare before and after a failed request. */
async function snapshot(screeningId: string) {
  const p = db.prisma;
  const [screening, answers, audit, escalation, decisions, deliveries, keys] = await Promise.all([
    p.screening.findUniqueOrThrow({ where: { id: screeningId } }),
    p.answer.count({ where: { screeningId } }),
    p.auditEvent.count({ where: { screeningId } }),
    p.escalation.findUnique({ where: { screeningId } }),
    p.decision.count({ where: { screeningId } }),
    p.delivery.count({ where: { screeningId } }),
    p.processedRequest.count(),
  ]);
  return { status: screening.status, version: screening.version, currentPage: screening.currentPage, answers, audit, escalation: escalation && { status: escalation.status, version: escalation.version }, decisions, deliveries, keys };
}

async function unchanged(screeningId: string, before: Awaited<ReturnType<typeof snapshot>>): Promise<void> {
  const after = await snapshot(screeningId);
  if (JSON.stringify(after) !== JSON.stringify(before)) figures.partialRecords++;
  expect(after).toEqual(before);
}

describe("a page submission", () => {
  const steps: Array<[string, string, number]> = [
    ["answer", "create", 2],
    ["screening", "updateMany", 1],
    ["auditEvent", "create", 1],
  ];
  it.each(steps)("failing at %s.%s (#%i) saves none of the page; the same submission then saves it once", async (model, method, nth) => {
    const person = e2e.person(`UATOMPAGE${model.toUpperCase()}`);
    await person.command("new");
    const screening = await db.prisma.screening.findFirstOrThrow({ where: { requesterId: person.userId } });
    const before = await snapshot(screening.id);
    const input = pageSubmission(e2e, person, low.answers);

    arm(model, method, nth);
    const failed = await sendSubmission(e2e, input);
    expect(failAt).toBeNull();
    expect(failed.status).toBe(200);
    expect(ackOf(failed).response_action).toBe("errors");
    expect(Object.values(ackOf(failed).errors ?? {}).join(" ")).toMatch(/nothing was saved/i);
    await unchanged(screening.id, before);

    const retried = await sendSubmission(e2e, input);
    expect(ackOf(retried).response_action).toBe("update");
    const after = await snapshot(screening.id);
    expect(after.answers).toBeGreaterThan(0);
    expect(after.audit).toBe(before.audit + 1);
    expect(after.currentPage).not.toBe(before.currentPage);
    figures.retriesSaved++;
    applyAck(e2e, input.view.id, retried);
  });
});

describe("submitting the review", () => {
  const steps: Array<[string, string, number]> = [
    ["auditEvent", "create", 1],
    ["screening", "updateMany", 1],
    ["escalation", "create", 1],
    ["delivery", "create", 2],
  ];
  it.each(steps)("failing at %s.%s (#%i) leaves the draft as it was, posts nothing; the same submission then escalates once", async (model, method, nth) => {
    const person = e2e.person(`UATOMSUB${model.toUpperCase()}`);
    await person.command("new");
    await answerAllPages(person, high.answers);
    const screening = await db.prisma.screening.findFirstOrThrow({ where: { requesterId: person.userId } });
    const before = await snapshot(screening.id);
    const input = person.submission({});
    const posted = e2e.api.callsTo("chat.postMessage").length;

    arm(model, method, nth);
    const failed = await sendSubmission(e2e, input);
    expect(failAt).toBeNull();
    expect(JSON.stringify(ackOf(failed).view)).toMatch(/nothing was saved/i);
    await unchanged(screening.id, before);
    expect(e2e.api.callsTo("chat.postMessage").length).toBe(posted);

    const retried = await sendSubmission(e2e, input);
    expect(JSON.stringify(ackOf(retried).view)).toContain(screening.reference);
    await e2e.settle();
    const after = await snapshot(screening.id);
    expect(after.status).toBe("escalated");
    expect(e2e.api.messages(COMPLIANCE).filter((m) => m.text.includes(screening.reference))).toHaveLength(1);
    figures.retriesSaved++;
  });
});

describe("a decision", () => {
  const steps: Array<[string, string, number]> = [
    ["decision", "create", 1],
    ["escalation", "updateMany", 1],
    ["screening", "updateMany", 1],
    ["auditEvent", "create", 1],
    ["delivery", "create", 2],
  ];
  it.each(steps)("failing at %s.%s (#%i) records nothing of it; the same submission then records it once", async (model, method, nth) => {
    const screening = await submitScreening(e2e, e2e.person(`UATOMDEC${model.toUpperCase()}`), medium.answers);
    const { escalationId, ts } = await escalationMessage(e2e, screening.id);
    await e2e.settle();
    const approver = await openDecision(e2e, APPROVERS[0]!, ts, "reject", escalationId);
    const input = approver.submission(rationaleState("Credible reports of misuse."));
    const before = await snapshot(screening.id);

    arm(model, method, nth);
    const failed = await sendSubmission(e2e, input);
    expect(failAt).toBeNull();
    expect(ackOf(failed).response_action).toBe("errors");
    expect(ackOf(failed).errors?.[BLOCK.rationale]).toMatch(/nothing was saved/i);
    await unchanged(screening.id, before);

    const retried = await sendSubmission(e2e, input);
    expect(ackOf(retried).response_action).toBe("clear");
    await e2e.settle();
    const after = await snapshot(screening.id);
    expect(after).toMatchObject({ status: "rejected", decisions: 1, escalation: { status: "rejected" } });
    expect(await db.prisma.auditEvent.count({ where: { screeningId: screening.id, type: "decision.recorded" } })).toBe(1);
    figures.retriesSaved++;
  });
});

describe("after every injected failure", () => {
  it("the audit chain is intact and nothing is half-written", async () => {
    expect(await verifyAuditChain(db.prisma)).toMatchObject({ ok: true });
    expect(await db.prisma.screening.count({ where: { status: "submitted" } })).toBe(0);
    // every decision has its audit event, every escalation its opening event
    const decisions = await db.prisma.decision.findMany();
    const recorded = await db.prisma.auditEvent.findMany({ where: { type: "decision.recorded" } });
    const lost = decisions.filter((d) => !recorded.some((e) => (e.data as { decisionId?: string }).decisionId === d.id)).length;
    figures.recordsLost += lost;
    expect(lost).toBe(0);
    expect(figures.partialRecords).toBe(0);
  });
});
