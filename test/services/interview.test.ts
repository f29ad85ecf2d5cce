// The requester's use cases against a real database: answers saved per page with history,
// nothing invalid saved, ownership enforced, submission scored and routed, replays harmless.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideEscalation } from "../../src/services/decisions.js";
import { ServiceError } from "../../src/services/errors.js";
import {
  goBack,
  pauseScreening,
  reopenScreening,
  resumeScreening,
  savePage,
  startScreening,
  submitScreening,
  type InterviewStep,
} from "../../src/services/interview.js";
import { listScreenings, screeningStatus } from "../../src/services/queries.js";
import { loadAggregate } from "../../src/store/aggregate.js";
import { verifyAuditChain } from "../../src/store/audit.js";
import { serviceHarness, type ServiceHarness } from "./support.js";

let h: ServiceHarness;
beforeAll(async () => {
  h = await serviceHarness();
});
afterAll(async () => {
  await h?.close();
});

/** The screening as the use cases read it: current answers and drafts. */
async function aggregateOf(screeningId: string) {
  const loaded = await loadAggregate(h.ctx.sql, { screeningId });
  if (!loaded) throw new Error(`no screening ${screeningId}`);
  return loaded.state;
}
const answersOf = async (screeningId: string) => (await aggregateOf(screeningId)).answers;
const draftsOf = async (screeningId: string) => (await aggregateOf(screeningId)).drafts;
/** Every answer row ever written (answers are superseded, never overwritten), oldest first. */
const historyOf = (screeningId: string, questionId?: string) =>
  h.ctx.prisma.answer.findMany({
    where: { screeningId, ...(questionId === undefined ? {} : { questionId }) },
    orderBy: [{ createdAt: "asc" }, { supersededAt: { sort: "asc", nulls: "last" } }, { questionId: "asc" }],
  });

let keys = 0;
const key = () => `test:${++keys}`;
const pageOf = (step: InterviewStep | { kind: "errors" }) => (step.kind === "page" ? step.page.page.id : step.kind);

async function answerAll(requesterId: string, pages: Record<string, Record<string, string | string[]>>) {
  let step = await startScreening(h.ctx, { requesterId });
  const id = step.screening.id;
  while (step.kind === "page") {
    const raw = pages[step.page.page.id] ?? {};
    const next = await savePage(h.ctx, { screeningId: id, pageId: step.page.page.id, actorId: requesterId, raw, requestKey: key() });
    if (next.kind === "errors") throw new Error(`errors on ${step.page.page.id}: ${JSON.stringify(next.errors)}`);
    step = next;
  }
  return { id, review: step };
}

const lowRisk = {
  transaction: { item: "thermal", destination: "DE", end_user: "Acme GmbH" },
  end_user_page: { end_user_type: "private", functions: ["record"] },
  safeguards: { hr_clause: "no", audit_rights: "no" },
};
const highRisk = {
  // capability 55 capped at 40 + intelligence 20 + misuse 25 = 85: high, two approvals
  transaction: { item: "spyware", destination: "DE", end_user: "Directorate" },
  end_user_page: { end_user_type: "intelligence", functions: ["intercept", "locate"] },
  government: { reported_misuse: "yes", misuse_details: "Reports of journalists targeted" },
  safeguards: { hr_clause: "no", audit_rights: "no" },
};

describe("interview", () => {
  it("starts a draft with a reference and the first page", async () => {
    const step = await startScreening(h.ctx, { requesterId: "UREQ1" });
    expect(step.kind).toBe("page");
    expect(step.screening.reference).toMatch(/^DD-2026-\d{4}$/);
    expect(step.screening.status).toBe("draft");
    expect(pageOf(step)).toBe("transaction");
  });

  it("returns field errors for invalid answers and saves nothing", async () => {
    const step = await startScreening(h.ctx, { requesterId: "UREQ2" });
    const result = await savePage(h.ctx, {
      screeningId: step.screening.id,
      pageId: "transaction",
      actorId: "UREQ2",
      raw: { item: "nuke", destination: "DE", end_user: "", value: "lots" },
      requestKey: key(),
    });
    expect(result).toEqual({
      kind: "errors",
      errors: {
        item: expect.stringContaining("not one of the options"),
        end_user: expect.stringContaining("needs an answer"),
        value: expect.stringContaining("digits only"),
      },
    });
    expect(await historyOf(step.screening.id)).toEqual([]);
  });

  it("skips pages whose conditions are not met and keeps answer history", async () => {
    const { id, review } = await answerAll("UREQ3", lowRisk);
    expect(review.kind).toBe("review");
    if (review.kind === "review") expect(review.pages.map((p) => p.page.id)).toEqual(["transaction", "end_user_page", "safeguards"]);
    // change an answer: the old one is kept in history
    await savePage(h.ctx, { screeningId: id, pageId: "transaction", actorId: "UREQ3", raw: { ...lowRisk.transaction, end_user: "Acme AG" }, requestKey: key() });
    const history = await historyOf(id, "end_user");
    expect(history.map((a) => a.value)).toEqual(["Acme GmbH", "Acme AG"]);
    expect(history[0]?.supersededAt).not.toBeNull();
  });

  it("refuses to let anyone but the requester change a screening", async () => {
    const step = await startScreening(h.ctx, { requesterId: "UREQ4" });
    await expect(
      savePage(h.ctx, { screeningId: step.screening.id, pageId: "transaction", actorId: "UOTHER", raw: lowRisk.transaction, requestKey: key() }),
    ).rejects.toMatchObject({ code: "forbidden" });
    const refusals = await h.ctx.prisma.auditEvent.findMany({ where: { type: "access.refused", screeningId: step.screening.id } });
    expect(refusals.map((r) => [r.actorId, r.data])).toEqual([["UOTHER", { reason: "not_requester" }]]);
    expect(await historyOf(step.screening.id)).toEqual([]);
  });

  it("refuses and audits a forged screening id", async () => {
    await expect(
      savePage(h.ctx, { screeningId: "00000000-0000-4000-8000-000000000000", pageId: "transaction", actorId: "UFORGER", raw: lowRisk.transaction, requestKey: key() }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(
      savePage(h.ctx, { screeningId: "'; DROP TABLE screenings; --", pageId: "transaction", actorId: "UFORGER", raw: {}, requestKey: key() }),
    ).rejects.toMatchObject({ code: "not_found" });
    expect(await h.ctx.prisma.auditEvent.count({ where: { type: "access.refused", actorId: "UFORGER" } })).toBe(2);
  });

  it("resumes the newest draft at the page where it stopped", async () => {
    const step = await startScreening(h.ctx, { requesterId: "UREQ5" });
    await savePage(h.ctx, { screeningId: step.screening.id, pageId: "transaction", actorId: "UREQ5", raw: lowRisk.transaction, requestKey: key() });
    const resumed = await resumeScreening(h.ctx, "UREQ5");
    expect(resumed && pageOf(resumed)).toBe("end_user_page");
    expect(resumed?.answers).toMatchObject({ item: "thermal", destination: "DE" });
    expect(await resumeScreening(h.ctx, "UNOBODY")).toBeNull();
  });

  it("a replayed page submission saves once", async () => {
    const step = await startScreening(h.ctx, { requesterId: "UREQ6" });
    const k = key();
    const args = { screeningId: step.screening.id, pageId: "transaction", actorId: "UREQ6", raw: lowRisk.transaction, requestKey: k };
    const a = await savePage(h.ctx, args);
    const b = await savePage(h.ctx, args);
    expect(pageOf(a)).toBe("end_user_page");
    expect(pageOf(b)).toBe("end_user_page");
    expect(await historyOf(step.screening.id)).toHaveLength(3);
  });
});

describe("drafts: Back and closing the modal keep what was typed", () => {
  const draftEvents = async (screeningId: string) =>
    (await h.ctx.prisma.auditEvent.findMany({ where: { screeningId, type: "answers.drafted" }, orderBy: { seq: "asc" } })).map((e) => e.data);

  it("Back saves the valid values as answers, keeps everything typed as the page's draft, and shows it again", async () => {
    const step = await startScreening(h.ctx, { requesterId: "UDRAFT1" });
    const id = step.screening.id;
    await savePage(h.ctx, { screeningId: id, pageId: "transaction", actorId: "UDRAFT1", raw: lowRisk.transaction, requestKey: key() });

    // on "End user": a type chosen, the functions not yet; then Back
    const back = await goBack(h.ctx, {
      screeningId: id,
      actorId: "UDRAFT1",
      pageId: "end_user_page",
      raw: { end_user_type: "intelligence", functions: null },
      requestKey: key(),
    });
    expect(pageOf(back)).toBe("transaction");
    const answers = await answersOf(id);
    expect(answers.end_user_type).toBe("intelligence");
    expect(answers).not.toHaveProperty("functions");
    expect(await draftsOf(id)).toEqual({ end_user_page: { end_user_type: "intelligence", functions: null } });
    expect(await draftEvents(id)).toEqual([{ page: "end_user_page", via: "back", saved: ["end_user_type"], unsaved: ["functions"] }]);
    // the answer saved on Back counts: intelligence brings in the government page
    if (back.kind !== "page") throw new Error("expected a page");
    expect(back.position.count).toBe(4);

    // forward again: the page shows what was typed
    const forward = await savePage(h.ctx, { screeningId: id, pageId: "transaction", actorId: "UDRAFT1", raw: lowRisk.transaction, requestKey: key() });
    expect(forward).toMatchObject({ kind: "page", page: { page: { id: "end_user_page" } }, draft: { end_user_type: "intelligence", functions: null } });

    // a good save of the page clears its draft
    const saved = await savePage(h.ctx, {
      screeningId: id,
      pageId: "end_user_page",
      actorId: "UDRAFT1",
      raw: { end_user_type: "intelligence", functions: ["record"] },
      requestKey: key(),
    });
    expect(pageOf(saved)).toBe("government");
    expect(await draftsOf(id)).toEqual({});
    expect((await h.ctx.prisma.screening.findUniqueOrThrow({ where: { id } })).drafts).toBeNull();
  });

  it("never stores an invalid value as an answer; the draft keeps it exactly as typed, and a forged choice not at all", async () => {
    const step = await startScreening(h.ctx, { requesterId: "UDRAFT2" });
    const id = step.screening.id;
    const typed = { item: "thermal", destination: "DE", end_user: "Acme\u202E Ltd", value: "lots", delivery: null };
    await pauseScreening(h.ctx, { screeningId: id, actorId: "UDRAFT2", pageId: "transaction", raw: { ...typed, functions: ["x"] }, requestKey: key() });
    expect(await answersOf(id)).toEqual({ item: "thermal", destination: "DE" });
    expect((await historyOf(id)).map((a) => a.questionId).sort()).toEqual(["destination", "item"]);
    // functions is not on this page: not part of its draft
    expect(await draftsOf(id)).toEqual({ transaction: typed });
    expect(await draftEvents(id)).toEqual([{ page: "transaction", via: "close", saved: ["item", "destination"], unsaved: ["end_user", "value"] }]);

    await pauseScreening(h.ctx, { screeningId: id, actorId: "UDRAFT2", pageId: "transaction", raw: { ...typed, item: "nuke" }, requestKey: key() });
    expect(await answersOf(id)).toEqual({ item: "thermal", destination: "DE" });
    expect(await draftsOf(id)).toEqual({ transaction: { destination: "DE", end_user: "Acme\u202E Ltd", value: "lots", delivery: null } });
    const refused = await h.ctx.prisma.auditEvent.findMany({ where: { screeningId: id, type: "answers.refused" } });
    expect(refused.map((r) => r.data)).toEqual([{ page: "transaction", questions: ["item"], reason: "option_not_offered" }]);

    // Next on the page still refuses the invalid values, and saves nothing of them
    const next = await savePage(h.ctx, { screeningId: id, pageId: "transaction", actorId: "UDRAFT2", raw: { ...typed, delivery: undefined }, requestKey: key() });
    expect(next).toMatchObject({ kind: "errors", errors: { end_user: expect.stringContaining("invisible"), value: expect.stringContaining("digits") } });
    expect(await answersOf(id)).toEqual({ item: "thermal", destination: "DE" });
  });

  it("closing the modal keeps the draft, says so in one DM, and resume shows it", async () => {
    const step = await startScreening(h.ctx, { requesterId: "UDRAFT3" });
    const id = step.screening.id;
    const typed = { item: "drone", destination: null, end_user: "Half-typed na", value: "12", delivery: null };
    const k = key();
    const before = h.enqueued();
    await pauseScreening(h.ctx, { screeningId: id, actorId: "UDRAFT3", pageId: "transaction", raw: typed, requestKey: k });
    await pauseScreening(h.ctx, { screeningId: id, actorId: "UDRAFT3", pageId: "transaction", raw: typed, requestKey: k });
    const deliveries = await h.ctx.prisma.delivery.findMany({ where: { screeningId: id } });
    expect(deliveries.map((d) => d.payload)).toEqual([{ kind: "dm_draft_saved", screeningId: id }]);
    expect(h.enqueued()).toBe(before + 1);
    expect(await h.ctx.prisma.auditEvent.count({ where: { screeningId: id, type: "interview.paused" } })).toBe(1);

    const resumed = await resumeScreening(h.ctx, "UDRAFT3");
    expect(resumed).toMatchObject({ kind: "page", page: { page: { id: "transaction" } }, draft: typed });
    // what passes the checks is saved as answers too (destination, left empty, is not: it is required)
    expect(resumed?.answers).toEqual({ item: "drone", end_user: "Half-typed na", value: 12 });
  });

  it("closing with nothing reported keeps the answers and drafts as they were", async () => {
    const step = await startScreening(h.ctx, { requesterId: "UDRAFT4" });
    const id = step.screening.id;
    await savePage(h.ctx, { screeningId: id, pageId: "transaction", actorId: "UDRAFT4", raw: lowRisk.transaction, requestKey: key() });
    await pauseScreening(h.ctx, { screeningId: id, actorId: "UDRAFT4", pageId: "end_user_page", raw: {}, requestKey: key() });
    expect(await draftsOf(id)).toEqual({});
    expect(await answersOf(id)).toMatchObject({ item: "thermal", destination: "DE", end_user: "Acme GmbH" });
    expect(await draftEvents(id)).toEqual([]);
  });

  it("submission drops drafts left on pages no longer in force", async () => {
    const { id } = await answerAll("UDRAFT5", highRisk);
    // typed on the government page, then Back; then the end user changes and the page drops out
    await goBack(h.ctx, { screeningId: id, actorId: "UDRAFT5", pageId: "government", raw: { reported_misuse: "no", misuse_details: "draft text" }, requestKey: key() });
    expect(Object.keys(await draftsOf(id))).toEqual(["government"]);
    await savePage(h.ctx, { screeningId: id, pageId: "end_user_page", actorId: "UDRAFT5", raw: lowRisk.end_user_page, requestKey: key() });
    const result = await submitScreening(h.ctx, { screeningId: id, actorId: "UDRAFT5", requestKey: key() });
    expect(result).toMatchObject({ kind: "submitted" });
    expect((await h.ctx.prisma.screening.findUniqueOrThrow({ where: { id } })).drafts).toBeNull();
  });

  it("refuses a draft for someone else's screening and writes nothing", async () => {
    const step = await startScreening(h.ctx, { requesterId: "UDRAFT6" });
    const id = step.screening.id;
    await expect(
      goBack(h.ctx, { screeningId: id, actorId: "UOTHER6", pageId: "transaction", raw: { end_user: "mine now" }, requestKey: key() }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      pauseScreening(h.ctx, { screeningId: id, actorId: "UOTHER6", pageId: "transaction", raw: { end_user: "mine now" }, requestKey: key() }),
    ).rejects.toMatchObject({ code: "forbidden" });
    expect(await draftsOf(id)).toEqual({});
    expect(await h.ctx.prisma.delivery.count({ where: { screeningId: id } })).toBe(0);
  });
});

describe("submission and decisions", () => {
  it("clears a low-risk screening and queues a DM", async () => {
    const { id } = await answerAll("UREQ10", lowRisk);
    const before = h.enqueued();
    const result = await submitScreening(h.ctx, { screeningId: id, actorId: "UREQ10", requestKey: key() });
    expect(result).toMatchObject({ kind: "submitted", escalated: false, screening: { status: "cleared", tier: "low" } });
    expect(h.enqueued()).toBe(before + 1);
    const deliveries = await h.ctx.prisma.delivery.findMany({ where: { screeningId: id } });
    expect(deliveries.map((d) => d.kind)).toEqual(["dm_cleared"]);
    await expect(
      savePage(h.ctx, { screeningId: id, pageId: "transaction", actorId: "UREQ10", raw: lowRisk.transaction, requestKey: key() }),
    ).rejects.toBeInstanceOf(ServiceError);
  });

  it("escalates a high-risk screening once, even when Submit is clicked twice", async () => {
    const { id } = await answerAll("UREQ11", highRisk);
    const k = key();
    const first = await submitScreening(h.ctx, { screeningId: id, actorId: "UREQ11", requestKey: k });
    const second = await submitScreening(h.ctx, { screeningId: id, actorId: "UREQ11", requestKey: k });
    expect(first).toMatchObject({ kind: "submitted", escalated: true, screening: { status: "escalated", tier: "high" } });
    expect(second).toMatchObject({ kind: "submitted", escalated: true });
    expect(await h.ctx.prisma.escalation.count({ where: { screeningId: id } })).toBe(1);
    const kinds = (await h.ctx.prisma.delivery.findMany({ where: { screeningId: id }, orderBy: { createdAt: "asc" } })).map((d) => d.kind);
    expect(kinds).toEqual(["sync_escalation", "dm_escalated"]);
  });

  it("needs two different approvers for the high tier; the requester never decides", async () => {
    const { id } = await answerAll("UREQ12", highRisk);
    await submitScreening(h.ctx, { screeningId: id, actorId: "UREQ12", requestKey: key() });
    const esc = await h.ctx.prisma.escalation.findUniqueOrThrow({ where: { screeningId: id } });
    const decide = (userId: string, isApprover: boolean, outcome: "approve" | "reject" = "approve") =>
      decideEscalation(h.ctx, { escalationId: esc.id, outcome, actor: { userId, isApprover }, rationale: "ok", conditions: [], conditionsText: null, requestKey: key() });

    expect(await decide("UREQ12", true)).toMatchObject({ kind: "refused", refusal: { code: "own_screening" } });
    expect(await decide("UOUT", false)).toMatchObject({ kind: "refused", refusal: { code: "not_approver" } });
    expect(await decide("UAPP1", true)).toMatchObject({ kind: "recorded", effect: { status: "open", approvals: 1, final: false } });
    expect(await decide("UAPP1", true)).toMatchObject({ kind: "refused", refusal: { code: "already_approved_by_you" } });
    expect(await decide("UAPP2", true)).toMatchObject({ kind: "recorded", effect: { status: "approved", final: true } });
    expect(await decide("UAPP3", true, "reject")).toMatchObject({ kind: "refused", refusal: { code: "already_final", decidedBy: "UAPP2" } });

    const status = await screeningStatus(h.ctx, { reference: (await h.ctx.prisma.screening.findUniqueOrThrow({ where: { id } })).reference, actorId: "UREQ12", isApprover: false });
    expect(status.screening.status).toBe("approved");
    expect(status.escalation?.decisions.map((d) => d.deciderId)).toEqual(["UAPP1", "UAPP2"]);
  });

  it("request info reopens the screening; resubmission starts a new round on the same escalation", async () => {
    const { id } = await answerAll("UREQ13", highRisk);
    await submitScreening(h.ctx, { screeningId: id, actorId: "UREQ13", requestKey: key() });
    const esc = await h.ctx.prisma.escalation.findUniqueOrThrow({ where: { screeningId: id } });
    const asked = await decideEscalation(h.ctx, {
      escalationId: esc.id,
      outcome: "request_info",
      actor: { userId: "UAPP1", isApprover: true },
      rationale: "Which agency exactly?",
      conditions: [],
      conditionsText: null,
      requestKey: key(),
    });
    expect(asked).toMatchObject({ kind: "recorded", effect: { status: "info_requested" } });
    const step = await reopenScreening(h.ctx, { screeningId: id, actorId: "UREQ13" });
    expect(step.kind).toBe("review");
    await savePage(h.ctx, { screeningId: id, pageId: "safeguards", actorId: "UREQ13", raw: { hr_clause: "yes", audit_rights: "yes" }, requestKey: key() });
    const again = await submitScreening(h.ctx, { screeningId: id, actorId: "UREQ13", requestKey: key() });
    expect(again).toMatchObject({ kind: "submitted", escalated: true, resubmission: true });
    const after = await h.ctx.prisma.escalation.findUniqueOrThrow({ where: { screeningId: id } });
    expect(after).toMatchObject({ id: esc.id, round: 2, status: "open" });
    expect(await h.ctx.prisma.escalation.count({ where: { screeningId: id } })).toBe(1);
  });

  it("lists a requester's screenings and hides others' status", async () => {
    const mine = await listScreenings(h.ctx, "UREQ12");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: "approved", tier: "high", item: "spyware", destination: "DE" });
    await expect(screeningStatus(h.ctx, { reference: mine[0]?.reference ?? "", actorId: "UOTHER", isApprover: false })).rejects.toMatchObject({ code: "not_found" });
  });

  it("keeps an intact audit chain through all of it", async () => {
    const result = await verifyAuditChain(h.ctx.prisma);
    expect(result.ok).toBe(true);
    expect(result.count).toBeGreaterThan(20);
  });
});
