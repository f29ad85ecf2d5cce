// Re-screening before renewal, the pure policy: when a screening is reviewed again, when its
// prompt is due (and under which key), what a re-screening starts from, who may start one, and
// what approvers are shown of it.
import { describe, expect, it } from "vitest";
import type { AggregateChange, AggregateState } from "../../src/domain/aggregate.js";
import { escalationIdOf, screeningIdOf } from "../../src/domain/ids.js";
import type { DecisionRecord, EscalationRecord, ScreeningRecord } from "../../src/domain/records.js";
import {
  addMonths,
  decideRenewal,
  decideReviewPrompt,
  isUnconfirmedRenewalPage,
  promptOpensAt,
  renewalDrafts,
  renewalView,
  reviewDueDate,
  reviewPromptKey,
  reviewsDue,
  tierRiseUnder,
  triggerPromptKey,
  withReviewDate,
  type ReviewCandidate,
} from "../../src/domain/rescreening.js";
import { ReviewSchema, type RuleSet } from "../../src/domain/rule-set.js";
import { tinyRuleSet } from "../support/tiny-rule-set.js";

/** The tiny rule set with a review section: the `delivery` date counts, periods per tier, 30 days' lead. */
function ruleSetWithReview(overrides: Record<string, unknown> = {}): RuleSet {
  const base = tinyRuleSet();
  const review = ReviewSchema.parse({
    date_questions: ["delivery"],
    default_months_by_tier: { low: 24, medium: 12, high: 6, prohibited: 6 },
    lead_days: 30,
    source: "Test source",
    ...overrides,
  });
  return { ...base, riskModel: { ...base.riskModel, review } };
}

const rules = ruleSetWithReview();
const DECIDED = new Date("2026-03-10T15:30:00Z");

const SCREENING_ID = screeningIdOf("00000000-0000-4000-8000-000000000001");

function screening(over: Partial<ScreeningRecord> = {}): ScreeningRecord {
  return {
    id: SCREENING_ID,
    reference: "DD-2026-0001",
    requesterId: "UREQ",
    status: "draft",
    currentPage: null,
    ruleSetHash: rules.version,
    score: null,
    tier: null,
    hardStop: false,
    scoring: null,
    version: 3,
    createdAt: DECIDED,
    updatedAt: DECIDED,
    submittedAt: null,
    closedAt: null,
    ...over,
  };
}

function state(over: Partial<ScreeningRecord> = {}, answers: Record<string, string | string[] | number> = {}, escalation: EscalationRecord | null = null): AggregateState {
  return { screening: screening(over), teamId: "T1", answers, drafts: {}, escalation };
}

function decision(over: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id: "d1",
    round: 1,
    deciderId: "UAPPROVER1",
    outcome: "approve_with_conditions",
    rationale: "Acceptable with the clause",
    conditions: ["hr_clause"],
    conditionsText: "Review the clause yearly",
    authorisation: null,
    createdAt: new Date("2026-03-09T10:00:00Z"),
    ...over,
  };
}

function escalation(decisions: DecisionRecord[], over: Partial<EscalationRecord> = {}): EscalationRecord {
  return {
    id: escalationIdOf("00000000-0000-4000-8000-0000000000e1"),
    screeningId: SCREENING_ID,
    channelId: "C0COMPLIANCE",
    messageTs: "1.1",
    requiredApprovals: 1,
    status: "approved",
    round: 1,
    version: 2,
    createdAt: DECIDED,
    closedAt: DECIDED,
    decisions,
    ...over,
  };
}

const low = { item: "thermal", destination: "DE", end_user: "Acme GmbH", end_user_type: "private", functions: ["record"], hr_clause: "no", audit_rights: "no" };

describe("when a screening is reviewed again", () => {
  it("adds months on the same day, or the month's last day when it is shorter", () => {
    expect(addMonths(new Date("2026-01-31T18:00:00Z"), 1).toISOString()).toBe("2026-02-28T00:00:00.000Z");
    expect(addMonths(new Date("2027-11-30T00:00:00Z"), 3).toISOString()).toBe("2028-02-29T00:00:00.000Z");
    expect(addMonths(new Date("2026-03-10T15:30:00Z"), 24).toISOString()).toBe("2028-03-10T00:00:00.000Z");
  });

  it("is the tier's period after the decision day when no date was answered", () => {
    expect(reviewDueDate(rules, { answers: low, tier: "low", decidedAt: DECIDED })).toEqual({
      dueAt: new Date("2028-03-10T00:00:00Z"),
      basis: { kind: "tier_period", tier: "low", months: 24 },
    });
    expect(reviewDueDate(rules, { answers: low, tier: "high", decidedAt: DECIDED })?.dueAt.toISOString()).toBe("2026-09-10T00:00:00.000Z");
  });

  it("is the contract's end when it comes before the tier's period, and the period when the end is later", () => {
    expect(reviewDueDate(rules, { answers: { ...low, delivery: "2027-01-15" }, tier: "low", decidedAt: DECIDED })).toEqual({
      dueAt: new Date("2027-01-15T00:00:00Z"),
      basis: { kind: "answer", questionId: "delivery" },
    });
    expect(reviewDueDate(rules, { answers: { ...low, delivery: "2031-01-15" }, tier: "low", decidedAt: DECIDED })?.basis).toEqual({ kind: "tier_period", tier: "low", months: 24 });
  });

  it("ignores a date on or before the decision day, and an answer to a question not in force", () => {
    expect(reviewDueDate(rules, { answers: { ...low, delivery: "2026-03-10" }, tier: "low", decidedAt: DECIDED })?.basis.kind).toBe("tier_period");
    const hiddenDate = ruleSetWithReview({ date_questions: ["misuse_details"] });
    // misuse_details is a free-text question (the rules checker refuses that); it is never a date
    expect(reviewDueDate(hiddenDate, { answers: { ...low, misuse_details: "2026-05-01" }, tier: "low", decidedAt: DECIDED })?.basis.kind).toBe("tier_period");
  });

  it("is none when the rules set no review", () => {
    expect(reviewDueDate(tinyRuleSet(), { answers: low, tier: "low", decidedAt: DECIDED })).toBeNull();
  });
});

describe("withReviewDate", () => {
  const cleared: AggregateChange = { screening: { status: "cleared", tier: "low", closedAt: DECIDED }, audit: [{ actorId: "UREQ", type: "screening.cleared", data: {} }], deliveries: [] };

  it("gives a screening cleared or approved by the change its review date, and says so in the audit trail", () => {
    const out = withReviewDate(rules, state({}, low), cleared, DECIDED);
    expect(out.screening?.reviewDueAt?.toISOString()).toBe("2028-03-10T00:00:00.000Z");
    expect(out.audit.map((a) => a.type)).toEqual(["screening.cleared", "review.scheduled"]);
    expect(out.audit[1]?.data).toEqual({ dueOn: "2028-03-10", tier: "low", months: 24 });
    const approved = withReviewDate(rules, state({ status: "escalated", tier: "high" }, { ...low, delivery: "2026-06-01" }), { screening: { status: "approved" }, audit: [], deliveries: [] }, DECIDED);
    expect(approved.screening?.reviewDueAt?.toISOString()).toBe("2026-06-01T00:00:00.000Z");
    expect(approved.audit[0]?.data).toEqual({ dueOn: "2026-06-01", answer: "delivery" });
  });

  it("leaves every other change as it is", () => {
    const saved: AggregateChange = { answers: { item: "drone" }, audit: [], deliveries: [] };
    expect(withReviewDate(rules, state({}, low), saved, DECIDED)).toBe(saved);
    const escalated: AggregateChange = { screening: { status: "escalated" }, audit: [], deliveries: [] };
    expect(withReviewDate(rules, state({}, low), escalated, DECIDED)).toBe(escalated);
    // a change that keeps a decided screening decided (a list re-screening) does not move its date
    const rescored: AggregateChange = { screening: { status: "approved", score: 3 }, audit: [], deliveries: [] };
    expect(withReviewDate(rules, state({ status: "approved", tier: "low" }, low), rescored, DECIDED)).toBe(rescored);
    expect(withReviewDate(tinyRuleSet(), state({}, low), cleared, DECIDED)).toBe(cleared);
  });
});

describe("which prompts are due", () => {
  const candidate = (over: Partial<ReviewCandidate>): ReviewCandidate => ({
    screeningId: "00000000-0000-4000-8000-000000000001",
    reference: "DD-2026-0001",
    requesterId: "UREQ",
    status: "approved",
    reviewDueAt: new Date("2027-06-30T00:00:00Z"),
    ...over,
  });

  it("opens the lead time before the review day", () => {
    expect(promptOpensAt(new Date("2027-06-30T00:00:00Z"), 30).toISOString()).toBe("2027-05-31T00:00:00.000Z");
  });

  it("is nothing before the lead time, the review from its first moment on (overdue ones too), under one key per screening and date", () => {
    const c = candidate({});
    expect(reviewsDue(new Date("2027-05-30T23:59:59Z"), [c], 30)).toEqual([]);
    const due = reviewsDue(new Date("2027-05-31T00:00:00Z"), [c], 30);
    expect(due).toEqual([{ ...c, dueOn: "2027-06-30", key: "review:00000000-0000-4000-8000-000000000001:2027-06-30" }]);
    expect(reviewsDue(new Date("2027-09-01T00:00:00Z"), [c], 30)).toHaveLength(1);
    expect(reviewPromptKey(c.screeningId, "2027-06-30")).toBe(due[0]?.key);
  });

  it("only for decided screenings, soonest review first", () => {
    const later = candidate({ screeningId: "b", reference: "DD-2026-0002", reviewDueAt: new Date("2027-07-10T00:00:00Z") });
    const sooner = candidate({ screeningId: "a", reference: "DD-2026-0003", status: "cleared", reviewDueAt: new Date("2027-06-01T00:00:00Z") });
    const open = candidate({ screeningId: "c", status: "escalated" });
    expect(reviewsDue(new Date("2027-07-01T00:00:00Z"), [later, open, sooner], 30).map((d) => d.screeningId)).toEqual(["a", "b"]);
  });

  it("keys a trigger's prompts by the list set or rule-set version", () => {
    expect(triggerPromptKey("s1", "new_list_set", "abcdef0123456789ffff")).toBe("review:s1:lists:abcdef0123456789");
    expect(triggerPromptKey("s1", "new_rule_set", "0123456789abcdef0000")).toBe("review:s1:rules:0123456789abcdef");
  });
});

describe("the prompt", () => {
  const due = new Date("2027-06-30T00:00:00Z");

  it("is an audit event and an outbox row to the requester of a decided screening", () => {
    const change = decideReviewPrompt(state({ status: "approved", reviewDueAt: due }), { reason: "review_due", dueOn: "2027-06-30", complianceChannelId: "C0COMPLIANCE" });
    expect(change?.audit).toEqual([{ actorId: "system", type: "review.prompted", data: { reason: "review_due", to: "requester", dueOn: "2027-06-30" } }]);
    expect(change?.deliveries).toEqual([
      { kind: "review_prompt", screeningId: "00000000-0000-4000-8000-000000000001", channelId: "C0COMPLIANCE", reason: "review_due", dueOn: "2027-06-30" },
    ]);
  });

  it("is nothing once re-screened, for a date the screening no longer has, or for a screening still being filled in", () => {
    const cmd = { reason: "review_due" as const, dueOn: "2027-06-30", complianceChannelId: "C0COMPLIANCE" };
    expect(decideReviewPrompt(state({ status: "approved", reviewDueAt: due, renewedBy: { id: "x", reference: "DD-2027-0001", status: "draft", requesterId: "UREQ" } }), cmd)).toBeNull();
    expect(decideReviewPrompt(state({ status: "approved", reviewDueAt: new Date("2027-07-01T00:00:00Z") }), cmd)).toBeNull();
    expect(decideReviewPrompt(state({ status: "draft", reviewDueAt: due }), cmd)).toBeNull();
  });

  it("after new rules, goes to compliance in the thread of an open escalation", () => {
    const open = state({ status: "escalated" }, {}, escalation([], { status: "open", closedAt: null }));
    const change = decideReviewPrompt(open, { reason: "new_rule_set", dueOn: null, complianceChannelId: "C0COMPLIANCE", tierNow: { to: "high", toLabel: "High" }, version: "v".repeat(64) });
    expect(change?.audit[0]?.data).toMatchObject({ reason: "new_rule_set", to: "compliance_thread", tierNow: "high" });
    expect(change?.deliveries[0]).toMatchObject({ kind: "review_prompt", tierNow: "High" });
    expect(decideReviewPrompt(open, { reason: "review_due", dueOn: "2027-06-30", complianceChannelId: "C" })).toBeNull();
  });
});

describe("starting a re-screening", () => {
  const approved = (over: Partial<ScreeningRecord> = {}) => state({ status: "approved", ...over }, low);

  it("is for the requester or an approver of a cleared or approved screening", () => {
    expect(decideRenewal(approved(), { actorId: "UREQ", isApprover: false })).toEqual({ kind: "start" });
    expect(decideRenewal(approved({ status: "cleared" }), { actorId: "UAPPROVER1", isApprover: true })).toEqual({ kind: "start" });
    const other = decideRenewal(approved(), { actorId: "UOTHER", isApprover: false });
    expect(other).toMatchObject({ kind: "refused", refusal: { code: "not_found", audit: { type: "access.refused", data: { reason: "renew_of_other" } } } });
  });

  it("says why a screening that is not decided, or was rejected, cannot be renewed", () => {
    const message = (s: ScreeningRecord["status"]) => {
      const d = decideRenewal(approved({ status: s }), { actorId: "UREQ", isApprover: false });
      return d.kind === "refused" ? d.refusal.message : d.kind;
    };
    expect(message("draft")).toMatch(/not finished yet.*\/screening resume/);
    expect(message("escalated")).toMatch(/still waiting for compliance's decision/);
    expect(message("rejected")).toMatch(/was rejected, so it cannot be renewed/);
  });

  it("continues the requester's own re-screening under way, and names one that exists already", () => {
    const mine = { id: "n1", reference: "DD-2027-0004", status: "draft" as const, requesterId: "UREQ" };
    expect(decideRenewal(approved({ renewedBy: mine }), { actorId: "UREQ", isApprover: false })).toEqual({ kind: "continue", screeningId: "n1" });
    const held = decideRenewal(approved({ renewedBy: mine }), { actorId: "UAPPROVER1", isApprover: true });
    expect(held.kind === "refused" && held.refusal.message).toBe("DD-2026-0001 is already being re-screened as DD-2027-0004 by <@UREQ>. Nothing new was started.");
    const done = decideRenewal(approved({ renewedBy: { ...mine, status: "approved" } }), { actorId: "UREQ", isApprover: false });
    expect(done.kind === "refused" && done.refusal.message).toMatch(/already re-screened as DD-2027-0004\. .*\/screening renew DD-2027-0004/);
  });

  it("starts from the previous answers as drafts, page by page, none of them an answer yet", () => {
    const answers = { ...low, value: 250000, delivery: "2027-01-01", end_user_type: "police", reported_misuse: "no" };
    const drafts = renewalDrafts(rules, answers);
    expect(drafts).toEqual({
      transaction: { item: "thermal", destination: "DE", end_user: "Acme GmbH", value: "250000", delivery: "2027-01-01" },
      end_user_page: { end_user_type: "police", functions: ["record"] },
      government: { reported_misuse: "no" },
      safeguards: { hr_clause: "no", audit_rights: "no" },
    });
    // an answer left behind on a question no longer asked is not carried over
    expect(renewalDrafts(rules, { ...low, reported_misuse: "yes" }).government).toBeUndefined();
  });

  it("marks a page as unconfirmed while it shows the old answers and none of its questions is answered", () => {
    const renews = { reference: "DD-2026-0001" };
    expect(isUnconfirmedRenewalPage(renews, ["item", "destination"], {}, { item: "thermal" })).toBe(true);
    expect(isUnconfirmedRenewalPage(renews, ["item", "destination"], { item: "drone" }, { item: "thermal" })).toBe(false);
    expect(isUnconfirmedRenewalPage(null, ["item"], {}, { item: "thermal" })).toBe(false);
    expect(isUnconfirmedRenewalPage(renews, ["item"], {}, undefined)).toBe(false);
  });
});

describe("what approvers see of a re-screening", () => {
  const previous = {
    screening: screening({ status: "approved" as const, tier: "medium", score: 30, closedAt: DECIDED }),
    answers: low,
    escalation: escalation([decision({ id: "old", round: 1, outcome: "request_info" }), decision({ id: "d2", round: 2 })], { round: 2 }),
  };

  it("lists each changed answer old → new and the last round's decisions", () => {
    const current = { screening: screening({ id: screeningIdOf("00000000-0000-4000-8000-000000000002"), reference: "DD-2027-0001", status: "escalated" }), answers: { ...low, item: "drone", functions: ["record", "locate"] } };
    const view = renewalView(rules, previous, current);
    expect(view.changes).toEqual([
      { questionId: "item", before: "thermal", after: "drone" },
      { questionId: "functions", before: ["record"], after: ["record", "locate"] },
    ]);
    expect(view.pending).toBe(false);
    expect(view.previous).toMatchObject({ reference: "DD-2026-0001", status: "approved", tier: "medium", tierLabel: "Medium", decidedAt: DECIDED });
    expect(view.previous.decisions.map((d) => d.id)).toEqual(["d2"]);
  });

  it("while the re-screening is being filled in, compares only the pages confirmed so far", () => {
    const current = { screening: screening({ id: screeningIdOf("00000000-0000-4000-8000-000000000002"), status: "draft" }), answers: { item: "drone", destination: "DE", end_user: "Acme GmbH" } };
    const view = renewalView(rules, previous, current);
    expect(view.pending).toBe(true);
    expect(view.changes).toEqual([{ questionId: "item", before: "thermal", after: "drone" }]);
  });
});

describe("a new rule-set version", () => {
  it("names the higher tier the answers reach under the rules now in force, and nothing when it is not higher", () => {
    const spyware = { ...low, item: "spyware", end_user_type: "intelligence", functions: ["intercept"], reported_misuse: "no" };
    expect(tierRiseUnder(rules, { tier: "low", scoring: null }, spyware)).toEqual({ from: "low", to: "high", toLabel: "High" });
    expect(tierRiseUnder(rules, { tier: "high", scoring: null }, spyware)).toBeNull();
    expect(tierRiseUnder(rules, { tier: "low", scoring: null }, low)).toBeNull();
    // a tier the rules no longer have counts as changed
    expect(tierRiseUnder(rules, { tier: "gone", scoring: null }, low)).toMatchObject({ to: "low" });
  });
});
