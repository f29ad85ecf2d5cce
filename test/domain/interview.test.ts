import { describe, expect, it } from "vitest";
import {
  checkAnswer,
  describeAnswer,
  firstIncompletePage,
  interviewState,
  isComplete,
  missingAnswers,
  nextPage,
  previousPage,
  questionIndex,
  wellFormedText,
} from "../../src/domain/interview.js";
import type { Answers } from "../../src/domain/rule-set.js";
import { tinyRuleSet } from "../support/tiny-rule-set.js";

const rules = tinyRuleSet();
const q = (id: string) => {
  const found = questionIndex(rules).get(id);
  if (!found) throw new Error(`no question ${id}`);
  return found.question;
};

describe("pages in force", () => {
  const cases: Array<[string, Answers, string[]]> = [
    ["no answers: the conditional page is skipped", {}, ["transaction", "end_user_page", "safeguards"]],
    ["private end user: skipped", { end_user_type: "private" }, ["transaction", "end_user_page", "safeguards"]],
    ["police: government page shown", { end_user_type: "police" }, ["transaction", "end_user_page", "government", "safeguards"]],
  ];
  it.each(cases)("%s", (_n, answers, pages) => {
    expect(interviewState(rules, answers).pages.map((p) => p.page.id)).toEqual(pages);
  });

  it("shows a conditional question only when its condition holds", () => {
    const police = interviewState(rules, { end_user_type: "police" }).pages.find((p) => p.page.id === "government");
    const intel = interviewState(rules, { end_user_type: "intelligence" }).pages.find((p) => p.page.id === "government");
    expect(police?.questions.map((x) => x.id)).toEqual(["reported_misuse"]);
    expect(intel?.questions.map((x) => x.id)).toEqual(["reported_misuse", "misuse_details"]);
  });

  it("ignores answers to questions no longer shown", () => {
    const state = interviewState(rules, { end_user_type: "private", reported_misuse: "yes", misuse_details: "x" });
    expect(state.effectiveAnswers).toEqual({ end_user_type: "private" });
  });
});

describe("next and previous page", () => {
  const cases: Array<[string, Answers, string | undefined, string | undefined]> = [
    ["start", {}, undefined, "transaction"],
    ["after transaction", {}, "transaction", "end_user_page"],
    ["skips government for a private end user", { end_user_type: "private" }, "end_user_page", "safeguards"],
    ["goes to government for police", { end_user_type: "police" }, "end_user_page", "government"],
    ["after the last page comes the review", {}, "safeguards", undefined],
  ];
  it.each(cases)("%s", (_n, answers, from, expected) => {
    expect(nextPage(rules, answers, from)?.page.id).toBe(expected);
  });
  it("goes back over skipped pages", () => {
    expect(previousPage(rules, { end_user_type: "private" }, "safeguards")?.page.id).toBe("end_user_page");
    expect(previousPage(rules, { end_user_type: "police" }, "safeguards")?.page.id).toBe("government");
    expect(previousPage(rules, {}, "transaction")).toBeUndefined();
  });
});

describe("completeness", () => {
  const full: Answers = {
    item: "spyware",
    destination: "DE",
    end_user: "Ministry",
    end_user_type: "police",
    functions: ["intercept"],
    reported_misuse: "no",
    hr_clause: "yes",
    audit_rights: "no",
  };
  it("is complete when every required question in force is answered", () => {
    expect(isComplete(rules, full)).toBe(true);
  });
  it("lists what is missing in order, only for questions in force", () => {
    const { reported_misuse: _r, end_user: _e, ...rest } = full;
    expect(missingAnswers(rules, { ...rest, end_user_type: "intelligence" })).toEqual([
      { pageId: "transaction", questionId: "end_user" },
      { pageId: "government", questionId: "reported_misuse" },
      { pageId: "government", questionId: "misuse_details" },
    ]);
    expect(firstIncompletePage(rules, rest)).toBe("transaction");
  });
});

describe("checkAnswer", () => {
  const cases: Array<[string, string, string | string[] | undefined, { value?: unknown; error?: RegExp }]> = [
    ["required empty", "end_user", "  ", { error: /needs an answer/ }],
    ["optional empty", "value", undefined, { value: undefined }],
    ["choice from reference data", "item", "drone", { value: "drone" }],
    ["forged option", "item", "nuke", { error: /not one of the options/ }],
    ["country", "destination", "CU", { value: "CU" }],
    ["unknown country", "destination", "ZZ", { error: /not one of the options/ }],
    ["multi keeps option order, no duplicates", "functions", ["record", "intercept", "record"], { value: ["intercept", "record"] }],
    ["multi with a forged value", "functions", ["intercept", "fly"], { error: /not among the options/ }],
    ["number with separators", "value", "1,250,000", { value: 1250000 }],
    ["number below min", "value", "-5", { error: /at least 0/ }],
    ["not a number", "value", "lots", { error: /digits only/ }],
    ["date", "delivery", "2026-02-28", { value: "2026-02-28" }],
    ["impossible date", "delivery", "2026-02-30", { error: /date like/ }],
    ["text trimmed", "end_user", "  Acme Ltd  ", { value: "Acme Ltd" }],
    ["text with a newline on a single-line question", "end_user", "a\nb", { error: /single line/ }],
    ["multiline text allows newlines", "misuse_details", "a\nb", { value: "a\nb" }],
    ["too long", "misuse_details", "x".repeat(201), { error: /201 characters, at most 200/ }],
    ["zero-width character", "end_user", "Ac\u200Bme", { error: /invisible/ }],
    ["right-to-left override", "end_user", "Acme\u202Egpj.exe", { error: /invisible/ }],
    ["control character", "end_user", "Acme\u0007", { error: /invisible/ }],
    ["emoji and mentions are text", "end_user", "🚀 <!channel> <@U1>", { value: "🚀 <!channel> <@U1>" }],
    ["a lone high surrogate", "end_user", "Acme \uD800 Ltd", { error: /not valid text\. Retype it/ }],
    ["a lone low surrogate at the end", "misuse_details", "Acme\uDC00", { error: /not valid text/ }],
    ["a surrogate pair (emoji) is valid text", "end_user", "Acme \uD83D\uDE80", { value: "Acme 🚀" }],
    ["a million characters: too long, with the count", "end_user", "x".repeat(1_000_000), { error: /Too long: 1000000 characters, at most 3000 allowed/ }],
  ];
  it.each(cases)("%s", (_n, id, raw, expected) => {
    const result = checkAnswer(rules, q(id), raw);
    if (expected.error) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(expected.error);
    } else {
      expect(result).toEqual({ ok: true, value: expected.value });
    }
  });
});

describe("wellFormedText", () => {
  it("replaces only lone surrogates, keeping pairs", () => {
    expect(wellFormedText("a\uD800b\uDC00c 🚀")).toBe("a\uFFFDb\uFFFDc 🚀");
  });
});

describe("describeAnswer", () => {
  it("uses option labels and country names", () => {
    expect(describeAnswer(rules, q("item"), "spyware")).toBe("Spyware");
    expect(describeAnswer(rules, q("destination"), "CU")).toBe("Cuba");
    expect(describeAnswer(rules, q("functions"), ["intercept", "locate"])).toBe("Intercept, Locate");
    expect(describeAnswer(rules, q("reported_misuse"), "no")).toBe("No");
    expect(describeAnswer(rules, q("value"), 1250000)).toBe("1,250,000");
    expect(describeAnswer(rules, q("end_user"), undefined)).toBe("(not answered)");
  });
});
