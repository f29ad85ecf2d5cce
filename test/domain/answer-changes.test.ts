import { describe, expect, it } from "vitest";
import { changedAnswers } from "../../src/domain/answer-changes.js";
import type { AnswerValue } from "../../src/domain/rule-set.js";
import { tinyRuleSet } from "../support/tiny-rule-set.js";
import { tinyHighRiskAnswers } from "../slack/blocks/fixtures.js";

describe("changedAnswers", () => {
  const ruleSet = tinyRuleSet();
  const base = tinyHighRiskAnswers();

  it("is empty when nothing changed, whatever the key order", () => {
    const reordered = Object.fromEntries(Object.entries(base).reverse());
    expect(changedAnswers(ruleSet, base, reordered)).toEqual([]);
  });

  it("lists changed, added and removed answers in questionnaire order with old and new values", () => {
    const withoutValue: Record<string, AnswerValue> = { ...base, hr_clause: "yes", functions: ["intercept"], end_user: "Police" };
    delete withoutValue.value;
    expect(changedAnswers(ruleSet, base, withoutValue)).toEqual([
      { questionId: "end_user", before: "Ministry of Interior, cyber unit", after: "Police" },
      { questionId: "value", before: 250000, after: undefined },
      { questionId: "functions", before: ["intercept", "locate"], after: ["intercept"] },
      { questionId: "hr_clause", before: "no", after: "yes" },
    ]);
  });

  it("counts an answer left behind on a question no longer asked as removed, and ignores questions the rules do not know", () => {
    // police: the intelligence-only details question is no longer asked, though its row remains
    const after = { ...base, end_user_type: "police", unknown_question: "x" };
    expect(changedAnswers(ruleSet, base, after)).toEqual([
      { questionId: "end_user_type", before: "intelligence", after: "police" },
      { questionId: "misuse_details", before: "Reports of journalists targeted.", after: undefined },
    ]);
  });
});
