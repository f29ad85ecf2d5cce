import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePageDraft, parsePageState } from "../../../src/slack/parse/page-state.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";

const ruleSet = tinyRuleSet();
const questions = ruleSet.questionnaire.pages.flatMap((p) => p.questions);

const values = {
  "q:item": { answer: { type: "radio_buttons", selected_option: { text: { type: "plain_text", text: "Spyware" }, value: "spyware" } } },
  "q:destination": { answer: { type: "static_select", selected_option: { value: "DE" } } },
  "q:end_user": { answer: { type: "plain_text_input", value: "Acme" } },
  "q:value": { answer: { type: "number_input", value: "1200.5" } },
  "q:delivery": { answer: { type: "datepicker", selected_date: "2026-06-30" } },
  "q:end_user_type": { answer: { type: "static_select", selected_option: { value: "police" } } },
  "q:functions": { answer: { type: "checkboxes", selected_options: [{ value: "intercept" }, { value: "record" }] } },
  "q:reported_misuse": { answer: { type: "radio_buttons", selected_option: { value: "no" } } },
  "q:misuse_details": { answer: { type: "plain_text_input", value: null } },
  "q:hr_clause": { answer: { type: "radio_buttons", selected_option: null } },
};

describe("parsePageState", () => {
  it("reads each question's element by its type", () => {
    expect(parsePageState(values, questions)).toEqual({
      item: "spyware",
      destination: "DE",
      end_user: "Acme",
      value: "1200.5",
      delivery: "2026-06-30",
      end_user_type: "police",
      functions: ["intercept", "record"],
      reported_misuse: "no",
      misuse_details: undefined,
      hr_clause: undefined,
      audit_rights: undefined,
    });
  });

  it("treats an empty multi-select as unanswered", () => {
    const raw = parsePageState({ "q:functions": { answer: { type: "checkboxes", selected_options: [] } } }, questions);
    expect(raw.functions).toBeUndefined();
  });

  it("passes typed text on whatever its length, for the domain to call it too long", () => {
    const long = "x".repeat(1_000_000);
    const raw = parsePageState({ "q:end_user": { answer: { type: "plain_text_input", value: long } } }, questions);
    expect(raw.end_user).toBe(long);
  });

  it("gives undefined for malformed or misplaced input", () => {
    const raw = parsePageState(
      {
        "q:item": { answer: { selected_option: { value: 42 } } },
        "q:destination": { other_action: { selected_option: { value: "DE" } } },
        "q:end_user": { answer: "Acme" },
        "q:value": { answer: { value: { n: 1 } } },
        "q:functions": { answer: { selected_options: "intercept" } },
        "q:delivery": { answer: { selected_date: "x".repeat(200) } },
        "q:end_user_type": { answer: { value: "x".repeat(20_000) } },
      },
      questions,
    );
    expect(Object.values(raw).every((v) => v === undefined)).toBe(true);
    expect(Object.keys(raw).sort()).toEqual(questions.map((q) => q.id).sort());
  });

  it("does not read inherited properties", () => {
    const q = questions[0];
    if (!q) throw new Error("no question");
    expect(parsePageState({}, [{ ...q, id: "constructor" }])).toEqual({ constructor: undefined });
  });

  it("never throws, whatever Slack sends", () => {
    const junk = fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom("q:item", "q:functions", "q:end_user"), fc.dictionary(fc.constantFrom("answer", "x"), fc.anything())));
    fc.assert(
      fc.property(junk, (v) => {
        const raw = parsePageState(v, questions);
        return Object.values(raw).every((x) => x === undefined || typeof x === "string" || (Array.isArray(x) && x.every((s) => typeof s === "string")));
      }),
    );
    for (const v of [null, undefined, 1, "s", [], [[]], { "q:item": null }, { "q:item": { answer: null } }]) expect(() => parsePageState(v, questions)).not.toThrow();
  });
});

describe("parsePageDraft", () => {
  it("keeps what each reported input holds (null when empty), and says nothing of inputs not reported or malformed", () => {
    const draft = parsePageDraft(
      {
        "q:end_user": { answer: { type: "plain_text_input", value: "Acme (unfin" } },
        "q:value": { answer: { type: "number_input", value: "-5" } },
        "q:item": { answer: { type: "radio_buttons", selected_option: null } },
        "q:functions": { answer: { type: "checkboxes", selected_options: [] } },
        "q:destination": { answer: { selected_option: { value: 42 } } },
      },
      questions,
    );
    expect(draft).toEqual({ end_user: "Acme (unfin", value: "-5", item: null, functions: null });
    expect(parsePageDraft({}, questions)).toEqual({});
    expect(parsePageDraft(undefined, questions)).toEqual({});
  });
});
