// The builders against the rule set the product ships (rules/): the largest page, a review of
// a fully answered questionnaire, and every message, within Slack's limits.
import { beforeAll, describe, expect, it } from "vitest";
import { DECISION_OUTCOMES } from "../../../src/domain/approval-policy.js";
import { interviewState, missingAnswers, type PageInForce } from "../../../src/domain/interview.js";
import type { RuleSet } from "../../../src/domain/rule-set.js";
import { loadRuleSet } from "../../../src/rules/load.js";
import { buildDecisionModal } from "../../../src/slack/blocks/decision-modal.js";
import { buildClearedDm, buildDecisionDm, buildEscalatedDm, buildInfoRequestDm } from "../../../src/slack/blocks/dms.js";
import { buildEscalationMessage } from "../../../src/slack/blocks/escalation-message.js";
import { buildHomeView } from "../../../src/slack/blocks/home.js";
import { buildPageModal } from "../../../src/slack/blocks/page-modal.js";
import { buildResultModal } from "../../../src/slack/blocks/result-modal.js";
import { buildReviewModal } from "../../../src/slack/blocks/review-modal.js";
import { buildScreeningList, buildStatusSummary } from "../../../src/slack/blocks/summaries.js";
import { parsePageState } from "../../../src/slack/parse/page-state.js";
import { checkAnswer } from "../../../src/domain/interview.js";
import { checkBlockKitLimits } from "../../../src/sandbox/block-kit-limits.js";
import { blockKitProblems, unexpectedControls, type Surface } from "./block-kit-limits.js";
import { SCREENING_ID, decisionRecord, escalatedDetail, largestAnswerSet, untouchedStateValues } from "./fixtures.js";

let ruleSet: RuleSet;

beforeAll(async () => {
  const load = await loadRuleSet("rules");
  if (!load.ok) throw new Error(`rules/ does not load: ${JSON.stringify(load.problems.slice(0, 3))}`);
  ruleSet = load.ruleSet;
});

function expectWithinLimits(surface: Surface, payload: unknown): void {
  expect(blockKitProblems(surface, payload)).toEqual([]);
  expect(unexpectedControls(payload)).toEqual([]);
  // the stand-in Slack API refuses what Slack would: the same payload must pass it too
  expect(checkBlockKitLimits(surface, payload)).toEqual([]);
}

/** Every page with every question, as if all conditions held: the worst case for size. */
function allPages(rs: RuleSet): PageInForce[] {
  return rs.questionnaire.pages.map((page) => ({ page, questions: page.questions }));
}

describe("builders on the shipped rule set", () => {
  it("checks limits with a checker that does catch a broken payload", () => {
    const broken = { type: "modal", title: { type: "plain_text", text: "x".repeat(30) }, blocks: [{ type: "section", text: { type: "mrkdwn", text: "y".repeat(3001) } }] };
    expect(blockKitProblems("modal", broken)).toHaveLength(2);
    expect(checkBlockKitLimits("modal", broken)).toHaveLength(2);
  });

  it("fit every page, the largest first, within modal limits with every answer prefilled", () => {
    const answers = largestAnswerSet(ruleSet, "<!channel> & ");
    const pages = allPages(ruleSet).sort((a, b) => b.questions.length - a.questions.length);
    expect(pages[0]?.questions.length).toBeGreaterThan(5);
    pages.forEach((page, index) => {
      const view = buildPageModal({
        ruleSet,
        screening: { id: SCREENING_ID, reference: "DD-2026-0007" },
        page,
        answers,
        position: { index, count: pages.length },
        isLast: index === pages.length - 1,
      });
      expectWithinLimits("modal", view);
      expect(view.title.text.length).toBeLessThanOrEqual(24);
      // Prefill round-trips through the parser and the domain's check.
      const raw = parsePageState(untouchedStateValues(view), page.questions);
      for (const q of page.questions) {
        const check = checkAnswer(ruleSet, q, raw[q.id]);
        expect(check.ok && check.value, `${page.page.id}.${q.id}`).toEqual(answers[q.id]);
      }
    });
  });

  it("fit the review of a fully answered questionnaire with maximum-length free text in one modal", () => {
    const answers = largestAnswerSet(ruleSet, "<b>long & </b>");
    const pages = interviewState(ruleSet, answers).pages;
    expect(pages.length).toBe(ruleSet.questionnaire.pages.length);
    const view = buildReviewModal({ ruleSet, screening: { id: SCREENING_ID, reference: "DD-2026-0007" }, pages, answers, missing: missingAnswers(ruleSet, answers) });
    expectWithinLimits("modal", view);
    expect(view.blocks.filter((b) => b.type === "actions")).toHaveLength(pages.length);
  });

  it("fit the review of every page and question at once, with everything missing", () => {
    const pages = allPages(ruleSet);
    const missing = pages.flatMap((p) => p.questions.filter((q) => q.required).map((q) => ({ pageId: p.page.id, questionId: q.id })));
    const view = buildReviewModal({ ruleSet, screening: { id: SCREENING_ID, reference: "DD-2026-0007" }, pages, answers: {}, missing });
    expectWithinLimits("modal", view);
  });

  it("fit the escalation message, DMs, summaries, result, decision modals and home", () => {
    const answers = largestAnswerSet(ruleSet, "<!here> & ");
    const long = "<@U1> ".repeat(500);
    const conditions = ruleSet.riskModel.approval_conditions.map((c) => c.id);
    const decisions = [
      decisionRecord({ outcome: "request_info", rationale: long }),
      decisionRecord({ outcome: "approve_with_conditions", round: 2, rationale: long, conditions, conditionsText: long }),
    ];
    for (const status of ["open", "approved", "rejected", "info_requested"] as const) {
      const detail = escalatedDetail(ruleSet, { answers, status, decisions, round: 2 });
      expectWithinLimits("message", buildEscalationMessage({ ruleSet, detail }));
      expectWithinLimits("message", buildStatusSummary({ ruleSet, detail }));
    }
    const detail = escalatedDetail(ruleSet, { answers, decisions, round: 2 });
    const [info, approval] = decisions;
    if (!info || !approval) throw new Error("unreachable");
    expectWithinLimits("message", buildClearedDm({ ruleSet, detail }));
    expectWithinLimits("message", buildEscalatedDm({ ruleSet, detail }));
    expectWithinLimits("message", buildInfoRequestDm({ ruleSet, detail, decision: info }));
    expectWithinLimits("message", buildDecisionDm({ ruleSet, detail, decision: approval, final: true }));
    expectWithinLimits("message", buildDecisionDm({ ruleSet, detail, decision: approval, final: false }));
    expectWithinLimits("message", buildScreeningList(ruleSet, Array.from({ length: 25 }, () => ({ ...detail.screening, item: answers[ruleSet.questionnaire.summary.item] }))));
    const scoring = detail.screening.scoring;
    if (!scoring) throw new Error("unscored");
    expectWithinLimits("modal", buildResultModal({ screening: detail.screening, result: scoring, escalated: true }));
    for (const outcome of DECISION_OUTCOMES) {
      expectWithinLimits("modal", buildDecisionModal({ ruleSet, escalationId: detail.escalation?.id ?? "", reference: "DD-2026-0007", outcome }));
    }
    const mine = Array.from({ length: 30 }, () => ({ ...detail.screening, item: answers.item_description, destination: answers.destination }));
    const awaiting = Array.from({ length: 30 }, () => ({ screening: detail.screening, escalation: detail.escalation ?? decisionsMissing() }));
    expectWithinLimits("home", buildHomeView({ ruleSet, userId: "U0APPROVERA", mine, awaiting }));
  });
});

function decisionsMissing(): never {
  throw new Error("fixture has no escalation");
}
