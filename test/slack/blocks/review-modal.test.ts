import type { ActionsBlock, AnyBlock, ModalView, SectionBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { interviewState, missingAnswers } from "../../../src/domain/interview.js";
import { QuestionnaireSchema, type AnswerValue, type RuleSet } from "../../../src/domain/rule-set.js";
import { buildReviewModal } from "../../../src/slack/blocks/review-modal.js";
import { ACTION, CALLBACK } from "../../../src/slack/ids.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings, unexpectedControls } from "./block-kit-limits.js";
import { INJECTION, INJECTION_ESCAPED, SCREENING_ID, answerEverything, tinyHighRiskAnswers } from "./fixtures.js";

const isActions = (b: AnyBlock): b is ActionsBlock => b.type === "actions";
const isSection = (b: AnyBlock): b is SectionBlock => b.type === "section";

function review(ruleSet: RuleSet, answers: Record<string, AnswerValue>): ModalView {
  return buildReviewModal({
    ruleSet,
    screening: { id: SCREENING_ID, reference: "DD-2026-0007" },
    pages: interviewState(ruleSet, answers).pages,
    answers,
    missing: missingAnswers(ruleSet, answers),
  });
}

/** A questionnaire of `pages` pages × `perPage` free-text questions with long labels. */
function bigRuleSet(pages: number, perPage: number): RuleSet {
  const base = tinyRuleSet();
  const questionnaire = QuestionnaireSchema.parse({
    label: "big",
    summary: { item: "p0_q0", destination: "p0_q1", end_user: "p0_q2" },
    pages: Array.from({ length: pages }, (_, p) => ({
      id: `p${p}`,
      title: `Page number ${p} of many`.slice(0, 24),
      questions: Array.from({ length: perPage }, (_, q) => ({
        id: `p${p}_q${q}`,
        type: "free_text",
        multiline: true,
        label: `Question ${q} on page ${p}: ${"a long label ".repeat(40)}`,
        source: "S",
      })),
    })),
  });
  return { ...base, questionnaire };
}

describe("buildReviewModal", () => {
  const ruleSet = tinyRuleSet();

  it("is the review modal with its own metadata and buttons", () => {
    const view = review(ruleSet, tinyHighRiskAnswers());
    expect(view.callback_id).toBe(CALLBACK.review);
    expect(view.private_metadata).toBe(JSON.stringify({ s: SCREENING_ID }));
    expect(view.notify_on_close).toBe(true);
    expect(view.title.text).toBe("Review and submit");
    expect(view.submit?.text).toBe("Submit screening");
    expect(view.close?.text).toBe("Save & close");
    expect(blockKitProblems("modal", view)).toEqual([]);
  });

  it("shows every page title and every answer as a person reads it", () => {
    const text = mrkdwnStrings(review(ruleSet, tinyHighRiskAnswers())).join("\n");
    for (const title of ["Transaction", "End user", "Government use", "Safeguards"]) expect(text).toContain(`*${title}*`);
    expect(text).toContain("Spyware");
    expect(text).toContain("Germany");
    expect(text).toContain("Intercept, Locate");
    expect(text).toContain("250,000");
    expect(text).toContain("Reports of journalists targeted.");
  });

  it("has one Edit button per page, each in its own block, valued with the page id", () => {
    const view = review(ruleSet, tinyHighRiskAnswers());
    const actions = view.blocks.filter(isActions);
    expect(actions.map((a) => a.elements[0])).toEqual(
      ["transaction", "end_user_page", "government", "safeguards"].map((value) => expect.objectContaining({ action_id: `${ACTION.editPage}:${value}`, value })),
    );
    expect(new Set(actions.map((a) => a.block_id)).size).toBe(4);
  });

  it("escapes answers", () => {
    const view = review(ruleSet, tinyHighRiskAnswers(INJECTION));
    expect(mrkdwnStrings(view).join("\n")).toContain(INJECTION_ESCAPED);
    expect(unexpectedControls(view)).toEqual([]);
  });

  it("warns at the top when required answers are missing, naming them", () => {
    const answers = tinyHighRiskAnswers();
    delete answers.end_user;
    delete answers.hr_clause;
    const view = review(ruleSet, answers);
    const warning = view.blocks.filter(isSection)[0]?.text?.text ?? "";
    expect(warning).toContain("2 required answers missing");
    expect(warning).toContain("Transaction: End user");
    expect(warning).toContain("Safeguards: Human-rights clause?");
  });

  it("has no warning when nothing is missing", () => {
    expect(mrkdwnStrings(review(ruleSet, tinyHighRiskAnswers())).join("\n")).not.toContain("missing");
  });

  it("fits 12 pages of 10 long free-text answers in 100 blocks and 3000 characters per section", () => {
    const rs = bigRuleSet(12, 10);
    const view = review(rs, answerEverything(rs, "first", "long answer <b> & "));
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(blockKitProblems("modal", view)).toEqual([]);
    expect(unexpectedControls(view)).toEqual([]);
    expect(view.blocks.filter(isActions)).toHaveLength(12);
  });

  it("still fits when a questionnaire is far larger than any real one", () => {
    const rs = bigRuleSet(60, 20);
    const view = review(rs, answerEverything(rs, "first"));
    expect(blockKitProblems("modal", view)).toEqual([]);
  });
});
