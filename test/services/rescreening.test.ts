// Re-screening before renewal against a real database, with a clock the test moves: the review
// date stored when a screening is cleared or approved, one prompt per review (not before its
// lead time, and once however many look at the same moment), a re-screening linked both ways and
// prefilled page by page, what approvers read of it, and the prompts a new rule-set version sends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideEscalation } from "../../src/services/decisions.js";
import { ServiceError } from "../../src/services/errors.js";
import { savePage, startScreening, submitScreening, type InterviewStep } from "../../src/services/interview.js";
import { screeningAnswers } from "../../src/services/queries.js";
import { promptAfterNewRuleSet, promptReviewsDue, startRescreening, upcomingReviews } from "../../src/services/rescreening.js";
import type { ServiceContext } from "../../src/services/context.js";
import { ReviewSchema, RiskModelSchema, type RuleSet } from "../../src/domain/rule-set.js";
import { loadAggregate } from "../../src/store/aggregate.js";
import { verifyAuditChain } from "../../src/store/audit.js";
import { tinyRuleSet } from "../support/tiny-rule-set.js";
import { serviceHarness, type ServiceHarness } from "./support.js";

function withReview(base: RuleSet): RuleSet {
  const review = ReviewSchema.parse({
    date_questions: ["delivery"],
    default_months_by_tier: { low: 24, medium: 12, high: 6, prohibited: 6 },
    lead_days: 30,
    on_new_rule_set: { statuses: ["cleared", "approved"], within_days: 365 },
    source: "Test source",
  });
  return { ...base, riskModel: { ...base.riskModel, review } };
}

let h: ServiceHarness;
let ctx: ServiceContext;
/** The test's clock: set it, and each reading moves on a millisecond, as a real clock does. */
let clock = Date.parse("2026-11-28T12:00:00Z");
const setClock = (iso: string) => {
  clock = Date.parse(iso);
};

beforeAll(async () => {
  h = await serviceHarness();
  ctx = { ...h.ctx, ruleSet: withReview(h.ctx.ruleSet), now: () => new Date(clock++) };
});
afterAll(async () => {
  await h?.close();
});

let keys = 0;
const key = () => `test:${++keys}`;

const lowRisk = {
  transaction: { item: "thermal", destination: "DE", end_user: "Acme GmbH", delivery: "2027-06-30" },
  end_user_page: { end_user_type: "private", functions: ["record"] },
  safeguards: { hr_clause: "no", audit_rights: "no" },
};

/** Answers each page shown with `pages` (the page's id → raw answers; a page not named is submitted as it is prefilled). */
async function answerPages(first: InterviewStep, requesterId: string, pages: Record<string, Record<string, string | string[]>>): Promise<string[]> {
  let step = first;
  const seen: string[] = [];
  while (step.kind === "page") {
    const pageId = step.page.page.id;
    seen.push(pageId);
    const raw = pages[pageId] ?? { ...(step.draft ?? {}) };
    const cleaned = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v ?? undefined]));
    const next = await savePage(ctx, { screeningId: step.screening.id, pageId, actorId: requesterId, raw: cleaned, requestKey: key() });
    if (next.kind === "errors") throw new Error(`errors on ${pageId}: ${JSON.stringify(next.errors)}`);
    step = next;
  }
  return seen;
}

async function cleared(requesterId: string): Promise<{ id: string; reference: string }> {
  const first = await startScreening(ctx, { requesterId });
  await answerPages(first, requesterId, lowRisk);
  const submitted = await submitScreening(ctx, { screeningId: first.screening.id, actorId: requesterId, requestKey: key() });
  if (submitted.kind !== "submitted" || submitted.escalated) throw new Error("expected the screening to be cleared");
  return { id: first.screening.id, reference: first.screening.reference };
}

const stateOf = async (screeningId: string) => {
  const loaded = await loadAggregate(ctx.sql, { screeningId });
  if (!loaded) throw new Error(`no screening ${screeningId}`);
  return loaded.state;
};
const promptsOf = (screeningId: string) => ctx.prisma.delivery.findMany({ where: { screeningId, kind: "review_prompt" } });

describe("the review date", () => {
  it("is stored when the screening is cleared, from the contract's end the requester gave, and audited", async () => {
    setClock("2026-11-28T12:00:00Z");
    const s = await cleared("UREV1");
    const state = await stateOf(s.id);
    expect(state.screening.status).toBe("cleared");
    expect(state.screening.reviewDueAt?.toISOString()).toBe("2027-06-30T00:00:00.000Z");
    const scheduled = await ctx.prisma.auditEvent.findMany({ where: { screeningId: s.id, type: "review.scheduled" } });
    expect(scheduled.map((e) => e.data)).toEqual([{ dueOn: "2027-06-30", answer: "delivery" }]);
  });

  it("is the tier's period after an approval when no date was given", async () => {
    setClock("2026-11-28T12:00:00Z");
    const first = await startScreening(ctx, { requesterId: "UREV2" });
    // spyware for the police, no safeguards: medium, one approval
    await answerPages(first, "UREV2", {
      transaction: { item: "spyware", destination: "DE", end_user: "City police" },
      end_user_page: { end_user_type: "police", functions: ["record"] },
      government: { reported_misuse: "no" },
      safeguards: { hr_clause: "yes", audit_rights: "yes" },
    });
    const submitted = await submitScreening(ctx, { screeningId: first.screening.id, actorId: "UREV2", requestKey: key() });
    expect(submitted.kind === "submitted" && submitted.escalated).toBe(true);
    expect((await stateOf(first.screening.id)).screening.reviewDueAt).toBeNull();
    const escalationId = (await stateOf(first.screening.id)).escalation?.id ?? "";
    setClock("2026-12-02T09:00:00Z");
    const decided = await decideEscalation(ctx, {
      escalationId,
      outcome: "approve_with_conditions",
      actor: { userId: "UAPPROVER1", isApprover: true },
      rationale: "Police use with a human-rights clause",
      conditions: ["hr_clause"],
      conditionsText: null,
      requestKey: key(),
    });
    expect(decided.kind).toBe("recorded");
    const state = await stateOf(first.screening.id);
    expect(state.screening.status).toBe("approved");
    // medium: 12 months after the decision day
    expect(state.screening.reviewDueAt?.toISOString()).toBe("2027-12-02T00:00:00.000Z");
  });
});

describe("the prompt", () => {
  let s: { id: string; reference: string };
  beforeAll(async () => {
    setClock("2026-11-29T12:00:00Z");
    s = await cleared("UREV3");
  });

  it("is not sent before the lead time (30 days before the review)", async () => {
    setClock("2027-05-30T23:00:00Z");
    const pass = await promptReviewsDue(ctx);
    expect(pass.prompted).not.toContain(s.reference);
    expect(await promptsOf(s.id)).toEqual([]);
  });

  it("is sent once the lead time begins: one outbox row, one audit event and its claim, written together", async () => {
    setClock("2027-05-31T08:00:00Z");
    const before = h.enqueued();
    const pass = await promptReviewsDue(ctx);
    expect(pass.prompted).toContain(s.reference);
    const rows = await promptsOf(s.id);
    expect(rows.map((r) => r.payload)).toEqual([{ kind: "review_prompt", screeningId: s.id, channelId: "C0COMPLIANCE", reason: "review_due", dueOn: "2027-06-30" }]);
    expect(await ctx.prisma.auditEvent.count({ where: { screeningId: s.id, type: "review.prompted" } })).toBe(1);
    expect(await ctx.prisma.processedRequest.count({ where: { key: `review:${s.id}:2027-06-30` } })).toBe(1);
    // handed to the delivery worker at once
    expect(h.enqueued()).toBeGreaterThan(before);
  });

  it("is not sent again, later or by several instances looking at the same moment", async () => {
    setClock("2027-06-10T08:00:00Z");
    const passes = await Promise.all([promptReviewsDue(ctx), promptReviewsDue(ctx), promptReviewsDue(ctx)]);
    expect(passes.flatMap((p) => p.prompted)).not.toContain(s.reference);
    expect(await promptsOf(s.id)).toHaveLength(1);
  });

  it("goes once to each of several screenings due at the same moment, whichever of two passes finds it", async () => {
    setClock("2026-11-30T12:00:00Z");
    const a = await cleared("UREV4");
    const b = await cleared("UREV5");
    setClock("2027-06-01T08:00:00Z");
    const [one, two] = await Promise.all([promptReviewsDue(ctx), promptReviewsDue(ctx)]);
    const prompted = [...(one?.prompted ?? []), ...(two?.prompted ?? [])];
    expect(prompted.filter((r) => r === a.reference)).toHaveLength(1);
    expect(prompted.filter((r) => r === b.reference)).toHaveLength(1);
    expect(await promptsOf(a.id)).toHaveLength(1);
    expect(await promptsOf(b.id)).toHaveLength(1);
  });

  it("lists the review among the requester's upcoming ones until it is re-screened", async () => {
    setClock("2027-06-01T08:00:00Z");
    expect((await upcomingReviews(ctx, { requesterId: "UREV3" })).map((r) => r.reference)).toEqual([s.reference]);
    expect(await upcomingReviews(ctx, { requesterId: "UNOBODY" })).toEqual([]);
  });
});

describe("a re-screening", () => {
  let previous: { id: string; reference: string };
  let renewal: InterviewStep;
  beforeAll(async () => {
    setClock("2026-11-29T12:00:00Z");
    previous = await cleared("UREN1");
    setClock("2027-06-05T10:00:00Z");
    renewal = await startRescreening(ctx, { previous: { reference: previous.reference.toLowerCase() }, actorId: "UREN1", isApprover: false, requestKey: key() });
  });

  it("is a new draft linked to the screening it renews, and both records show the link", async () => {
    expect(renewal.kind).toBe("page");
    expect(renewal.screening.reference).not.toBe(previous.reference);
    expect(renewal.screening.status).toBe("draft");
    const next = await stateOf(renewal.screening.id);
    expect(next.screening.renews).toEqual({ id: previous.id, reference: previous.reference });
    const old = await stateOf(previous.id);
    expect(old.screening.renewedBy).toEqual({ id: renewal.screening.id, reference: renewal.screening.reference, status: "draft", requesterId: "UREN1" });
    expect((await ctx.prisma.auditEvent.findFirstOrThrow({ where: { screeningId: renewal.screening.id, type: "screening.created" } })).data).toMatchObject({
      reference: renewal.screening.reference,
      renews: previous.reference,
    });
    expect((await ctx.prisma.auditEvent.findFirstOrThrow({ where: { screeningId: previous.id, type: "screening.rescreening_started" } })).data).toEqual({
      rescreening: renewal.screening.reference,
      rescreeningId: renewal.screening.id,
    });
    expect((await verifyAuditChain(ctx.prisma)).ok).toBe(true);
  });

  it("shows the old answers on every page without making any of them an answer", async () => {
    expect(renewal.kind === "page" && renewal.draft).toEqual({ item: "thermal", destination: "DE", end_user: "Acme GmbH", delivery: "2027-06-30" });
    const state = await stateOf(renewal.screening.id);
    expect(state.answers).toEqual({});
    expect(Object.keys(state.drafts).sort()).toEqual(["end_user_page", "safeguards", "transaction"]);
  });

  it("asked for again, continues the one under way; anyone else is told there is nothing they can see", async () => {
    const again = await startRescreening(ctx, { previous: { screeningId: previous.id }, actorId: "UREN1", isApprover: false, requestKey: key() });
    expect(again.screening.id).toBe(renewal.screening.id);
    expect(await ctx.prisma.screening.count({ where: { previousScreeningId: previous.id } })).toBe(1);
    const other = startRescreening(ctx, { previous: { reference: previous.reference }, actorId: "USTRANGER", isApprover: false });
    await expect(other).rejects.toThrow(new ServiceError("not_found", `No screening ${previous.reference} that you can see. /screening list shows yours.`));
    expect(await ctx.prisma.auditEvent.count({ where: { screeningId: previous.id, actorId: "USTRANGER", type: "access.refused" } })).toBe(1);
    const byApprover = startRescreening(ctx, { previous: { reference: previous.reference }, actorId: "UAPPROVER1", isApprover: true });
    await expect(byApprover).rejects.toThrow(/already being re-screened as DD-\d{4}-\d{4} by <@UREN1>/);
  });

  it("refuses a reference that is not one, or names no screening", async () => {
    await expect(startRescreening(ctx, { previous: { reference: "<!channel>" }, actorId: "UREN1", isApprover: false })).rejects.toThrow(/not a screening reference/);
    await expect(startRescreening(ctx, { previous: { reference: "DD-1999-0999" }, actorId: "UREN1", isApprover: false })).rejects.toThrow("No screening DD-1999-0999 that you can see.");
  });

  it("stops the prompt of the screening it renews", async () => {
    setClock("2027-06-06T08:00:00Z");
    await promptReviewsDue(ctx);
    expect(await promptsOf(previous.id)).toEqual([]);
  });

  it("confirmed page by page, one change made, goes to compliance showing the change and the previous outcome", async () => {
    setClock("2027-06-05T10:05:00Z");
    // the first page changes the item; every other page is confirmed as it was prefilled
    await answerPages(renewal, "UREN1", { transaction: { item: "spyware", destination: "DE", end_user: "Acme GmbH", delivery: "2027-06-30" } });
    const submitted = await submitScreening(ctx, { screeningId: renewal.screening.id, actorId: "UREN1", requestKey: key() });
    expect(submitted.kind === "submitted" && submitted.escalated).toBe(true);
    const read = await screeningAnswers(ctx, { screeningId: renewal.screening.id, actorId: "UAPPROVER1", isApprover: true });
    expect(read.renewal?.changes).toEqual([{ questionId: "item", before: "thermal", after: "spyware" }]);
    expect(read.renewal?.pending).toBe(false);
    expect(read.renewal?.previous).toMatchObject({ id: previous.id, reference: previous.reference, status: "cleared", tier: "low", decisions: [] });
    // the sync of its escalation is enqueued like any other
    expect(await ctx.prisma.delivery.count({ where: { screeningId: renewal.screening.id, kind: "sync_escalation" } })).toBe(1);
  });
});

describe("a new rule-set version", () => {
  it("prompts decided screenings its rules would put in a higher tier, once per version", async () => {
    setClock("2026-12-01T12:00:00Z");
    const s = await cleared("URULES1");
    // the new version: thermal cameras now weigh 30 points (medium)
    const base = ctx.ruleSet;
    const stricter: RuleSet = {
      ...base,
      version: "a".repeat(64),
      riskModel: RiskModelSchema.parse({
        ...base.riskModel,
        answer_scores: base.riskModel.answer_scores.map((a) =>
          a.question === "item" ? { ...a, options: { ...a.options, thermal: { points: 30, rationale: "Now counted as identification" } } } : a,
        ),
      }),
    };
    const next: ServiceContext = { ...ctx, ruleSet: stricter };
    setClock("2026-12-20T12:00:00Z");
    const first = await promptAfterNewRuleSet(next);
    expect(first.prompted).toContain(s.id);
    const rows = await promptsOf(s.id);
    expect(rows.map((r) => r.payload)).toEqual([{ kind: "review_prompt", screeningId: s.id, channelId: "C0COMPLIANCE", reason: "new_rule_set", dueOn: null, tierNow: "Medium" }]);
    expect(await promptAfterNewRuleSet(next)).toEqual({ prompted: [] });
    expect(await promptsOf(s.id)).toHaveLength(1);
    // the version in force before changes no tier: nothing for it
    expect((await promptAfterNewRuleSet({ ...ctx, ruleSet: { ...base, version: "b".repeat(64) } })).prompted).toEqual([]);
  });
});
