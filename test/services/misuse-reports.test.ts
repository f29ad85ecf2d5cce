// Misuse reports' use cases outside the end-to-end suite: opening a reassessment puts each
// screening under review through its own aggregate, so a click that stopped half-way (the
// report's own commit failed) is finished by the next one without putting any screening under
// review twice; refusals change nothing and are audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actOnMisuseReport, submitMisuseReport } from "../../src/services/misuse-reports.js";
import { savePage, startScreening, submitScreening } from "../../src/services/interview.js";
import type { Sql } from "../../src/store/sql.js";
import { serviceHarness, type ServiceHarness } from "./support.js";

let h: ServiceHarness;
let keys = 0;
const key = () => `misuse-test:${++keys}`;

const lowRisk = (endUser: string): Record<string, Record<string, string | string[]>> => ({
  transaction: { item: "thermal", destination: "DE", end_user: endUser },
  end_user_page: { end_user_type: "private", functions: ["record"] },
  safeguards: { hr_clause: "no", audit_rights: "no" },
});

async function clearedScreening(requesterId: string, endUser: string): Promise<{ id: string; reference: string }> {
  let step = await startScreening(h.ctx, { requesterId });
  const id = step.screening.id;
  const answers = lowRisk(endUser);
  while (step.kind === "page") {
    const next = await savePage(h.ctx, { screeningId: id, pageId: step.page.page.id, actorId: requesterId, raw: answers[step.page.page.id] ?? {}, requestKey: key() });
    if (next.kind === "errors") throw new Error(JSON.stringify(next.errors));
    step = next;
  }
  await submitScreening(h.ctx, { screeningId: id, actorId: requesterId, requestKey: key() });
  const row = await h.ctx.prisma.screening.findUniqueOrThrow({ where: { id } });
  expect(row.status).toBe("cleared");
  return { id, reference: row.reference };
}

async function report(parties: string, screening?: string): Promise<string> {
  const sent = await submitMisuseReport(h.ctx, {
    reporterId: "UREP",
    teamId: null,
    input: { item: "thermal cameras", parties, country: "DE", happened: "Seen filming a protest.", screening },
    via: "command",
    requestKey: key(),
  });
  if (sent.kind !== "sent") throw new Error(JSON.stringify(sent));
  return (await h.ctx.prisma.misuseReport.findUniqueOrThrow({ where: { reference: sent.reference } })).id;
}

beforeAll(async () => {
  h = await serviceHarness();
});
afterAll(async () => {
  await h?.close();
});

const approver = { userId: "UAPP", isApprover: true };

describe("opening a reassessment", () => {
  it("finishes, on the next click, a reassessment whose report commit failed, without reviewing a screening twice", async () => {
    const a = await clearedScreening("UREQA", "Acme Security GmbH");
    const b = await clearedScreening("UREQB", "ACME SECURITY");
    const c = await clearedScreening("UREQC", "Other Buyer Ltd");
    const reportId = await report("Acme Security", a.reference);

    // The report's own commit fails once, after both screenings were put under review.
    const real = h.ctx.sql;
    let failures = 0;
    const failing: Sql = {
      kind: real.kind,
      query: (text, params) => {
        if (failures === 0 && text.includes("UPDATE misuse_reports r SET")) {
          failures++;
          return Promise.reject(new Error("connection lost"));
        }
        return real.query(text, params);
      },
    };
    await expect(actOnMisuseReport({ ...h.ctx, sql: failing }, { reportId, actor: approver, action: "reassess", requestKey: key() })).rejects.toThrow("connection lost");
    expect(failures).toBe(1);
    const status = async (id: string) => (await h.ctx.prisma.screening.findUniqueOrThrow({ where: { id } })).status;
    expect([await status(a.id), await status(b.id), await status(c.id)]).toEqual(["escalated", "escalated", "cleared"]);
    expect((await h.ctx.prisma.misuseReport.findUniqueOrThrow({ where: { id: reportId } })).status).toBe("open");
    const deliveries = await h.ctx.prisma.delivery.count();

    // The approver clicks again: the report records both, each with the status it had before.
    const again = await actOnMisuseReport(h.ctx, { reportId, actor: approver, action: "reassess", requestKey: key() });
    expect(again).toMatchObject({
      kind: "done",
      reviewed: [
        { reference: a.reference, previousStatus: "cleared", matchedOn: "reference" },
        { reference: b.reference, previousStatus: "cleared", matchedOn: "end_user" },
      ],
    });
    expect(await h.ctx.prisma.auditEvent.count({ where: { type: "screening.under_review" } })).toBe(2);
    // only the report's message is updated: no second thread note or DM
    const added = await h.ctx.prisma.delivery.findMany({ orderBy: { createdAt: "asc" }, skip: deliveries });
    expect(added.map((d) => d.kind)).toEqual(["sync_misuse_report"]);
    expect(await h.ctx.prisma.misuseReport.findUniqueOrThrow({ where: { id: reportId } })).toMatchObject({ status: "reassessment", reassessmentBy: "UAPP" });

    // and a third click is refused: the reassessment is open already
    expect(await actOnMisuseReport(h.ctx, { reportId, actor: approver, action: "reassess", requestKey: key() })).toEqual({
      kind: "refused",
      message: expect.stringMatching(/A reassessment is already open/),
    });
  });

  it("refuses someone who is not an approver before touching any screening, and audits it", async () => {
    const d = await clearedScreening("UREQD", "Delta Optics");
    const reportId = await report("Delta Optics", d.reference);
    const result = await actOnMisuseReport(h.ctx, { reportId, actor: { userId: "UNOBODY", isApprover: false }, action: "reassess", requestKey: key() });
    expect(result).toEqual({ kind: "refused", message: expect.stringMatching(/^Only compliance approvers/) });
    expect((await h.ctx.prisma.screening.findUniqueOrThrow({ where: { id: d.id } })).status).toBe("cleared");
    const refused = await h.ctx.prisma.auditEvent.findFirstOrThrow({ where: { type: "report.refused", actorId: "UNOBODY" } });
    expect(refused.data).toMatchObject({ reportId, action: "reassess", reason: "not_approver" });
  });

  it("will not close a report without a rationale", async () => {
    const reportId = await report("Echo Systems");
    await expect(actOnMisuseReport(h.ctx, { reportId, actor: approver, action: "close", rationale: " ", requestKey: key() })).rejects.toThrow(/Say why the report is closed/);
    expect((await h.ctx.prisma.misuseReport.findUniqueOrThrow({ where: { id: reportId } })).status).toBe("open");
  });
});
