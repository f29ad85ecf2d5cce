// The check the decision buttons run before opening the rationale modal (checkDecision), outside
// the end-to-end suite: who may decide, what a refusal says, that it is audited and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDecision, decideEscalation } from "../../src/services/decisions.js";
import { savePage, startScreening, submitScreening } from "../../src/services/interview.js";
import { serviceHarness, type ServiceHarness } from "./support.js";

let h: ServiceHarness;
let escalationId: string;
let screeningId: string;
let keys = 0;
const key = () => `decisions-test:${++keys}`;

// capability 55 capped at 40 + intelligence 20 + misuse 25 = 85: high, two approvals
const highRisk: Record<string, Record<string, string | string[]>> = {
  transaction: { item: "spyware", destination: "DE", end_user: "Directorate" },
  end_user_page: { end_user_type: "intelligence", functions: ["intercept", "locate"] },
  government: { reported_misuse: "yes", misuse_details: "Reports of journalists targeted" },
  safeguards: { hr_clause: "no", audit_rights: "no" },
};

beforeAll(async () => {
  h = await serviceHarness();
  let step = await startScreening(h.ctx, { requesterId: "UREQ" });
  screeningId = step.screening.id;
  while (step.kind === "page") {
    const next = await savePage(h.ctx, { screeningId, pageId: step.page.page.id, actorId: "UREQ", raw: highRisk[step.page.page.id] ?? {}, requestKey: key() });
    if (next.kind === "errors") throw new Error(JSON.stringify(next.errors));
    step = next;
  }
  await submitScreening(h.ctx, { screeningId, actorId: "UREQ", requestKey: key() });
  escalationId = (await h.ctx.prisma.escalation.findUniqueOrThrow({ where: { screeningId } })).id;
});
afterAll(async () => {
  await h?.close();
});

const check = (userId: string, isApprover: boolean, outcome: "approve" | "reject" | "request_info" = "approve", id = escalationId) =>
  checkDecision(h.ctx, { escalationId: id, actor: { userId, isApprover }, outcome });
const refusals = () => h.ctx.prisma.auditEvent.count({ where: { type: "decision.refused" } });
const unchanged = async () => {
  const esc = await h.ctx.prisma.escalation.findUniqueOrThrow({ where: { id: escalationId }, include: { decisions: true } });
  return { status: esc.status, version: esc.version, decisions: esc.decisions.length };
};

describe("the decision buttons' approver check (checkDecision)", () => {
  it("lets an approver open the modal, with the screening's reference", async () => {
    const result = await check("UAPP1", true);
    expect(result).toMatchObject({ ok: true, escalation: { id: escalationId } });
    expect(result.reference).toMatch(/^DD-\d{4}-\d{4}$/);
  });

  it.each([
    ["someone who is not an approver", "UOUT", false, "not_approver", /Only compliance approvers/],
    ["the requester, even as an approver", "UREQ", true, "own_screening", /cannot decide it/],
  ])("refuses %s for every outcome, audits it, and changes nothing", async (_who, userId, isApprover, code, message) => {
    const before = { escalation: await unchanged(), refusals: await refusals() };
    for (const outcome of ["approve", "reject", "request_info"] as const) {
      const result = await check(userId, isApprover, outcome);
      expect(result).toMatchObject({ ok: false, refusal: { code } });
      if (!result.ok) expect(result.refusal.message).toMatch(message);
    }
    expect(await unchanged()).toEqual(before.escalation);
    expect(await refusals()).toBe(before.refusals + 3);
  });

  it("refuses an approver's second approval in the same round, but not their rejection", async () => {
    const decided = await decideEscalation(h.ctx, {
      escalationId,
      outcome: "approve",
      actor: { userId: "UAPP1", isApprover: true },
      rationale: "ok",
      conditions: [],
      conditionsText: null,
      requestKey: key(),
    });
    expect(decided).toMatchObject({ kind: "recorded", effect: { status: "open", approvals: 1 } });
    expect(await check("UAPP1", true, "approve")).toMatchObject({ ok: false, refusal: { code: "already_approved_by_you" } });
    expect(await check("UAPP1", true, "reject")).toMatchObject({ ok: true });
    expect(await check("UAPP2", true, "approve")).toMatchObject({ ok: true });
  });

  it("refuses a button for an escalation that does not exist, and audits it", async () => {
    const before = await refusals();
    expect(await check("UAPP1", true, "approve", "7d0c3f3e-1111-4222-8333-944455556666")).toMatchObject({ ok: false, refusal: { message: /does not exist/ } });
    expect(await refusals()).toBe(before + 1);
  });
});
