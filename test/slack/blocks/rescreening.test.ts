// What people see of re-screening: the prompt (to the requester, or to compliance when the
// requester has left), the note on a prefilled page, and what approvers read of a re-screening
// (the earlier decision and the changed answers) in the escalation message and View answers,
// escaped and within Slack's limits however much changed.
import type { ActionsBlock, Button } from "@slack/types";
import { describe, expect, it } from "vitest";
import { interviewState } from "../../../src/domain/interview.js";
import type { RenewalView } from "../../../src/domain/records.js";
import { renewalView } from "../../../src/domain/rescreening.js";
import { buildAnswersModal } from "../../../src/slack/blocks/answers-modal.js";
import { buildEscalationMessage } from "../../../src/slack/blocks/escalation-message.js";
import { buildPageModal } from "../../../src/slack/blocks/page-modal.js";
import { buildReviewPromptDm, buildReviewPromptForCompliance, buildRulesChangedNote, dayText, linkLines, renewalLines } from "../../../src/slack/blocks/rescreening.js";
import { ACTION } from "../../../src/slack/ids.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings } from "./block-kit-limits.js";
import { APPROVER_A, INJECTION, INJECTION_ESCAPED, SCREENING_ID, answerEverything, decisionRecord, escalatedDetail, screeningRecord, tinyHighRiskAnswers } from "./fixtures.js";

const ruleSet = tinyRuleSet();
/** Every mrkdwn text in a message, a view or a list of blocks, joined. */
const text = (payload: unknown) => mrkdwnStrings(payload).join("\n");

function previousApproved(answers = tinyHighRiskAnswers()) {
  const detail = escalatedDetail(ruleSet, {
    answers,
    status: "approved",
    screeningStatus: "approved",
    closedAt: new Date("2026-03-04T10:00:00Z"),
    decisions: [decisionRecord({ outcome: "approve_with_conditions", rationale: `Fine with the clause ${INJECTION}`, conditions: ["hr_clause"], conditionsText: INJECTION })],
  });
  return { ...detail, screening: { ...detail.screening, reference: "DD-2026-0003", closedAt: new Date("2026-03-04T10:00:00Z") } };
}

function current(answers: Record<string, string | string[] | number>) {
  const detail = escalatedDetail(ruleSet, { answers });
  return { ...detail, screening: { ...detail.screening, reference: "DD-2027-0011", renews: { id: "p", reference: "DD-2026-0003" } } };
}

describe("what approvers read of a re-screening", () => {
  it("the earlier decision (who, when, rationale, conditions) and each change old → new, user text escaped", () => {
    const renewal = renewalView(ruleSet, previousApproved(), current(tinyHighRiskAnswers(INJECTION)));
    const lines = renewalLines(ruleSet, renewal, { maxChanges: 10, label: 100, answer: 200, rationale: 400 }).join("\n");
    expect(lines).toContain(`*Previous screening DD-2026-0003*: approved by <@${APPROVER_A}> (Approve with conditions) on <!date^`);
    expect(lines).toContain(`Fine with the clause ${INJECTION_ESCAPED}`);
    expect(lines).toContain(`*Conditions:* Human-rights clause; ${INJECTION_ESCAPED}`);
    expect(lines).toContain("*1 answer changed since DD-2026-0003* (old → new)");
    expect(lines).toContain(`• *End user*: Ministry of Interior, cyber unit → ${INJECTION_ESCAPED}`);
    expect(lines).not.toContain(INJECTION);
  });

  it("says when nothing changed, and that the rules cleared the earlier screening when nobody had to decide", () => {
    const cleared = escalatedDetail(ruleSet, { answers: tinyHighRiskAnswers(), screeningStatus: "cleared", escalation: false });
    const renewal = renewalView(ruleSet, { ...cleared, screening: { ...cleared.screening, reference: "DD-2026-0003" } }, current(tinyHighRiskAnswers()));
    const lines = renewalLines(ruleSet, renewal, { maxChanges: 10, label: 100, answer: 200, rationale: 400 }).join("\n");
    expect(lines).toContain("*Previous screening DD-2026-0003*: cleared by the rules");
    expect(lines).toContain("*No answer changed since DD-2026-0003*: every page was confirmed as it was.");
  });

  it("in the escalation message: within a message's limits when every answer changed, the rest left to View answers", () => {
    const renewal: RenewalView = renewalView(ruleSet, previousApproved(answerEverything(ruleSet, "first", "a".repeat(3000))), current(answerEverything(ruleSet, "last", "b".repeat(3000))));
    expect(renewal.changes.length).toBeGreaterThan(5);
    const many: RenewalView = { ...renewal, changes: Array.from({ length: 40 }, (_, i) => renewal.changes[i % renewal.changes.length]!) };
    const msg = buildEscalationMessage({ ruleSet, detail: current(tinyHighRiskAnswers()), renewal: many });
    expect(blockKitProblems("message", msg)).toEqual([]);
    const all = text(msg);
    expect(all).toContain("*40 answers changed since DD-2026-0003*");
    expect(all).toContain("…and 28 more under *View answers*.");
    // the decision buttons are still there
    const buttons = msg.blocks.filter((b): b is ActionsBlock => b.type === "actions").flatMap((b) => b.elements as Button[]);
    expect(buttons.map((b) => b.action_id)).toContain(ACTION.decide.approve);
  });

  it("in View answers: the link, the earlier decision and every change, within a modal's limits", () => {
    const renewal = renewalView(ruleSet, previousApproved(), current(tinyHighRiskAnswers(INJECTION)));
    const view = buildAnswersModal({ ruleSet, answers: { detail: current(tinyHighRiskAnswers(INJECTION)), resubmission: null, renewal } });
    expect(blockKitProblems("modal", view)).toEqual([]);
    const all = text(view.blocks);
    expect(all).toContain(":recycle: Re-screening of *DD-2026-0003*");
    expect(all).toContain("*Previous screening DD-2026-0003*: approved");
    expect(all).toContain(`• *End user*: Ministry of Interior, cyber unit → ${INJECTION_ESCAPED}`);
  });

  it("links a screening to its re-screening, or shows when it is due for review", () => {
    expect(linkLines(screeningRecord({ status: "approved", renewedBy: { id: "n", reference: "DD-2027-0011", status: "draft", requesterId: "U1" } }))).toEqual([":recycle: Re-screened as *DD-2027-0011* (Draft)"]);
    expect(linkLines(screeningRecord({ status: "approved", reviewDueAt: new Date("2027-06-30T00:00:00Z") }))).toEqual([":calendar: Review due *30 June 2027*"]);
    expect(linkLines(screeningRecord({ status: "draft", renews: { id: "p", reference: "DD-2026-0003" } }))).toEqual([":recycle: Re-screening of *DD-2026-0003*"]);
    expect(linkLines(screeningRecord())).toEqual([]);
  });
});

describe("the prompt", () => {
  const detail = previousApproved();

  it("to the requester: why, the deal, and Start re-screening naming the screening", () => {
    const dm = buildReviewPromptDm({ ruleSet, detail, reason: "review_due", dueOn: "2027-06-30" });
    expect(blockKitProblems("message", dm)).toEqual([]);
    expect(text(dm)).toContain("DD-2026-0003 is due for review on *30 June 2027*");
    expect(text(dm)).toContain("`/screening renew DD-2026-0003`");
    const button = dm.blocks.filter((b): b is ActionsBlock => b.type === "actions").flatMap((b) => b.elements as Button[])[0];
    expect(button).toMatchObject({ action_id: ACTION.startRescreening, value: SCREENING_ID, text: { text: "Start re-screening" } });
    expect(text(buildReviewPromptDm({ ruleSet, detail, reason: "new_rule_set", dueOn: null, tierNow: "High" }))).toContain("its answers reach the tier *High*");
  });

  it("to compliance when the requester cannot be reached: who, why, and the same button", () => {
    const msg = buildReviewPromptForCompliance({ ruleSet, detail, reason: "review_due", dueOn: "2027-06-30", why: "user_not_found" });
    expect(blockKitProblems("message", msg)).toEqual([]);
    expect(text(msg)).toContain("Its requester <@U0REQUESTER> could not be reached (user_not_found: they may have left the workspace)");
    expect(msg.blocks.some((b) => b.type === "actions")).toBe(true);
  });

  it("in an open escalation's thread after new rules: the tier the answers reach now", () => {
    expect(text(buildRulesChangedNote({ detail: escalatedDetail(ruleSet), tierNow: "Prohibited" }))).toContain("would reach the tier *Prohibited* (it is *High* now)");
  });

  it("writes days in words", () => {
    expect(dayText("2027-02-01")).toBe("1 February 2027");
    expect(dayText("<x>")).toBe("&lt;x&gt;");
  });
});

describe("a prefilled page", () => {
  const page = interviewState(ruleSet, {}).pages[0]!;
  const args = {
    ruleSet,
    screening: { id: SCREENING_ID, reference: "DD-2027-0011" },
    page,
    answers: {},
    draft: { item: "spyware", destination: "DE" },
    position: { index: 0, count: 3 },
    isLast: false,
  };

  it("says where its answers come from and that Next confirms them, until the page is confirmed", () => {
    expect(text(buildPageModal({ ...args, renews: "DD-2026-0003" }).blocks)).toContain(
      ":recycle: Filled in from *DD-2026-0003*, unchanged since then. Press *Next* to confirm this page as it is, or change what is different first.",
    );
    expect(text(buildPageModal({ ...args, renews: "DD-2026-0003", answers: { item: "drone" } }).blocks)).not.toContain("Filled in from");
    expect(text(buildPageModal(args).blocks)).not.toContain("Filled in from");
  });
});
