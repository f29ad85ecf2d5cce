// The rules' `review:` section (re-screening before renewal, risk-model.yml): accepted as written,
// and every reference it makes checked against the rest of the rule set, with file:line errors.
import { beforeAll, describe, expect, it } from "vitest";
import { checkRuleSetFiles, formatProblem } from "../../src/rules/load.js";
import { validTexts } from "./fixtures/rule-dirs.js";

let VALID: Record<string, string>;
beforeAll(async () => {
  VALID = await validTexts();
});

const R = "risk-model.yml";

function withReview(review: string) {
  return checkRuleSetFiles("rules", { ...VALID, [R]: `${VALID[R]}\nreview:\n${review}` });
}

function problems(review: string): string[] {
  const loaded = withReview(review);
  return loaded.ok ? [] : loaded.problems.map(formatProblem);
}

const PERIODS = `  default_months_by_tier: { low: 24, medium: 12, high: 6, critical: 3 }
  source: "Compliance setting"
`;

describe("the review section", () => {
  it("loads, with its defaults", () => {
    const loaded = withReview(`  date_questions: [delivery_date]\n${PERIODS}`);
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
    expect(loaded.ruleSet.riskModel.review).toEqual({
      date_questions: ["delivery_date"],
      default_months_by_tier: { low: 24, medium: 12, high: 6, critical: 3 },
      lead_days: 30,
      source: "Compliance setting",
    });
  });

  it("needs a period for every tier and none for a tier that does not exist", () => {
    const found = problems(`  default_months_by_tier: { low: 24, medium: 12, hihg: 6 }\n  source: "Compliance setting"\n`);
    // in the order of their place in the file
    expect(found).toEqual([
      expect.stringMatching(/^rules\/risk-model\.yml:\d+:\d+: review\.default_months_by_tier: every tier needs a review period in months; missing: high, critical$/),
      expect.stringMatching(/^rules\/risk-model\.yml:\d+:\d+: review\.default_months_by_tier\.hihg: no tier with id "hihg"; expected one of low, medium, high, critical$/),
    ]);
  });

  it("takes only date questions as review dates", () => {
    expect(problems(`  date_questions: [delivery_dat, end_user_name]\n${PERIODS}`)).toEqual([
      expect.stringMatching(/review\.date_questions\[0\]: no question with id "delivery_dat" \(did you mean "delivery_date"\?\)$/),
      expect.stringMatching(/review\.date_questions\[1\]: "end_user_name" is a free_text question; expected a date question$/),
    ]);
  });

  it("says which statuses a trigger may name", () => {
    const found = problems(`${PERIODS}  on_new_list_set: { statuses: [escalated], within_days: 365 }\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/review\.on_new_list_set\.statuses\[0\]: expected one of cleared, approved \(got "escalated"\)$/);
  });
});
