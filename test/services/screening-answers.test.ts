// What approvers read against a real database: every answer of a screening, for its requester
// and approvers only, with what changed since the previous submission read from the answer
// history at the times the audit trail records for each submission.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideEscalation } from "../../src/services/decisions.js";
import { ServiceError } from "../../src/services/errors.js";
import { reopenScreening, savePage, startScreening, submitScreening } from "../../src/services/interview.js";
import { resubmissionChanges, screeningAnswers } from "../../src/services/queries.js";
import { serviceHarness, type ServiceHarness } from "./support.js";

let h: ServiceHarness;
beforeAll(async () => {
  h = await serviceHarness();
});
afterAll(async () => {
  await h?.close();
});

let keys = 0;
const key = () => `answers-test:${++keys}`;

const highRisk: Record<string, Record<string, string | string[]>> = {
  transaction: { item: "spyware", destination: "DE", end_user: "Directorate" },
  end_user_page: { end_user_type: "intelligence", functions: ["intercept", "locate"] },
  government: { reported_misuse: "yes", misuse_details: "Reports of journalists targeted" },
  safeguards: { hr_clause: "no", audit_rights: "no" },
};

async function escalated(requesterId: string): Promise<{ id: string; escalationId: string }> {
  let step = await startScreening(h.ctx, { requesterId });
  const id = step.screening.id;
  while (step.kind === "page") {
    const next = await savePage(h.ctx, { screeningId: id, pageId: step.page.page.id, actorId: requesterId, raw: highRisk[step.page.page.id] ?? {}, requestKey: key() });
    if (next.kind === "errors") throw new Error(JSON.stringify(next.errors));
    step = next;
  }
  await submitScreening(h.ctx, { screeningId: id, actorId: requesterId, requestKey: key() });
  const escalation = await h.ctx.prisma.escalation.findUniqueOrThrow({ where: { screeningId: id } });
  return { id, escalationId: escalation.id };
}

async function requestInfo(escalationId: string): Promise<void> {
  const asked = await decideEscalation(h.ctx, {
    escalationId,
    outcome: "request_info",
    actor: { userId: "UAPPROVER", isApprover: true },
    rationale: "Which directorate?",
    conditions: [],
    conditionsText: null,
    requestKey: key(),
  });
  expect(asked.kind).toBe("recorded");
}

describe("screeningAnswers", () => {
  it("gives the requester and approvers every current answer, and no changes before a resubmission", async () => {
    const { id } = await escalated("UANS1");
    for (const actor of [{ actorId: "UANS1", isApprover: false }, { actorId: "UAPPROVER", isApprover: true }]) {
      const seen = await screeningAnswers(h.ctx, { screeningId: id, ...actor });
      expect(seen.detail.answers).toMatchObject({ item: "spyware", end_user: "Directorate", functions: ["intercept", "locate"] });
      expect(seen.resubmission).toBeNull();
    }
  });

  it("refuses anyone else, and records the refusal", async () => {
    const { id } = await escalated("UANS2");
    const refused = screeningAnswers(h.ctx, { screeningId: id, actorId: "UNOSY2", isApprover: false });
    await expect(refused).rejects.toBeInstanceOf(ServiceError);
    await expect(refused).rejects.toMatchObject({ code: "forbidden" });
    const events = await h.ctx.prisma.auditEvent.findMany({ where: { screeningId: id, type: "access.refused", actorId: "UNOSY2" } });
    expect(events.map((e) => e.data)).toEqual([{ reason: "answers_of_other" }]);
    await expect(screeningAnswers(h.ctx, { screeningId: "not-a-uuid", actorId: "UNOSY2", isApprover: true })).rejects.toMatchObject({ code: "not_found" });
  });

  it("while the requester changes answers, compares them with the last submission; after resubmitting, the submission before", async () => {
    const { id, escalationId } = await escalated("UANS3");
    await requestInfo(escalationId);
    await reopenScreening(h.ctx, { screeningId: id, actorId: "UANS3" });
    await savePage(h.ctx, { screeningId: id, pageId: "transaction", actorId: "UANS3", raw: { item: "spyware", destination: "DE", end_user: "Directorate, unit 7" }, requestKey: key() });

    const editing = await screeningAnswers(h.ctx, { screeningId: id, actorId: "UAPPROVER", isApprover: true });
    expect(editing.resubmission).toMatchObject({ pending: true, changes: [{ questionId: "end_user", before: "Directorate", after: "Directorate, unit 7" }] });

    await savePage(h.ctx, { screeningId: id, pageId: "safeguards", actorId: "UANS3", raw: { hr_clause: "yes", audit_rights: "no" }, requestKey: key() });
    await submitScreening(h.ctx, { screeningId: id, actorId: "UANS3", requestKey: key() });
    const after = await screeningAnswers(h.ctx, { screeningId: id, actorId: "UAPPROVER", isApprover: true });
    expect(after.resubmission?.pending).toBe(false);
    expect(after.resubmission?.changes).toEqual([
      { questionId: "end_user", before: "Directorate", after: "Directorate, unit 7" },
      { questionId: "hr_clause", before: "no", after: "yes" },
    ]);
    // the thread of round 2 reads the same from the history
    expect((await resubmissionChanges(h.ctx.prisma, h.ctx.ruleSet, { screeningId: id, round: 2 }))?.changes).toEqual(after.resubmission?.changes);
    expect(await resubmissionChanges(h.ctx.prisma, h.ctx.ruleSet, { screeningId: id, round: 1 })).toBeNull();
  });

  it("for a later round, reads the changes of that round only", async () => {
    const { id, escalationId } = await escalated("UANS4");
    for (const [round, endUser] of [[2, "Directorate B"], [3, "Directorate C"]] as const) {
      await requestInfo(escalationId);
      await reopenScreening(h.ctx, { screeningId: id, actorId: "UANS4" });
      await savePage(h.ctx, { screeningId: id, pageId: "transaction", actorId: "UANS4", raw: { item: "spyware", destination: "DE", end_user: endUser }, requestKey: key() });
      await submitScreening(h.ctx, { screeningId: id, actorId: "UANS4", requestKey: key() });
      expect((await h.ctx.prisma.escalation.findUniqueOrThrow({ where: { id: escalationId } })).round).toBe(round);
    }
    expect((await resubmissionChanges(h.ctx.prisma, h.ctx.ruleSet, { screeningId: id, round: 2 }))?.changes).toEqual([
      { questionId: "end_user", before: "Directorate", after: "Directorate B" },
    ]);
    expect((await resubmissionChanges(h.ctx.prisma, h.ctx.ruleSet, { screeningId: id, round: 3 }))?.changes).toEqual([
      { questionId: "end_user", before: "Directorate B", after: "Directorate C" },
    ]);
  });
});

describe("decideEscalation requires what the decision modal asks for", () => {
  it("refuses a decision without rationale, conditions without any, conditions or an authorisation on another outcome, and an approval under authorisation without one, recording nothing", async () => {
    const { id, escalationId } = await escalated("UANS5");
    const decide = (
      outcome: "approve" | "approve_with_conditions" | "approve_under_authorisation",
      rationale: string,
      conditions: string[],
      conditionsText: string | null,
      authorisation?: { reference?: string; issuer?: string; issuedOn?: string },
    ) => decideEscalation(h.ctx, { escalationId, outcome, actor: { userId: "UAPPROVER", isApprover: true }, rationale, conditions, conditionsText, authorisation, requestKey: key() });
    await expect(decide("approve", "  ", [], null)).rejects.toThrow(/Write why you approve/);
    await expect(decide("approve_with_conditions", "ok", [], " ")).rejects.toThrow(/at least one condition/);
    await expect(decide("approve", "ok", ["hr_clause"], null)).rejects.toThrow(/Only "Approve with conditions" and "Approve under authorisation" carry conditions/);
    await expect(decide("approve", "ok", [], null, { reference: "D1", issuer: "bis", issuedOn: "2026-01-05" })).rejects.toThrow(/Only "Approve under authorisation" carries a licence/);
    await expect(decide("approve_under_authorisation", "ok", [], null, { issuer: "bis", issuedOn: "2026-01-05" })).rejects.toThrow(/^Enter the licence or authorisation number.*Nothing was recorded\.$/);
    await expect(decide("approve_under_authorisation", "ok", [], null, { reference: "D1", issuer: "bis", issuedOn: "2999-01-05" })).rejects.toThrow(/in the future/);
    expect(await h.ctx.prisma.decision.count({ where: { screeningId: id } })).toBe(0);
    expect(await decide("approve_with_conditions", "ok", [], "Reassess in 2027")).toMatchObject({ kind: "recorded" });
  });
});
