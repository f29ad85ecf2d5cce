import { describe, expect, it } from "vitest";
import { countryLookup, evaluateCondition, referencedQuestions } from "../../src/domain/conditions.js";
import { CountrySchema, type Answers, type Condition } from "../../src/domain/rule-set.js";

const countries = countryLookup([
  CountrySchema.parse({ code: "CU", name: "Cuba", comprehensive_embargo: true, ear_country_groups: ["E:1"] }),
  CountrySchema.parse({ code: "DE", name: "Germany", iccpr_party: true }),
  { ...CountrySchema.parse({ code: "XA", name: "Arcadia" }), operator_risk: "high" as const },
]);

const answers: Answers = {
  type: "police",
  funcs: ["intercept", "locate"],
  misuse: "yes",
  value: 250000,
  dest: "CU",
  other: "DE",
  risky: "XA",
  empty: "",
};

describe("evaluateCondition", () => {
  const cases: Array<[string, Condition, boolean]> = [
    ["equals on a choice", { question: "type", equals: "police" }, true],
    ["equals, other value", { question: "type", equals: "army" }, false],
    ["equals true on yes/no", { question: "misuse", equals: true }, true],
    ["equals false on yes/no", { question: "misuse", equals: false }, false],
    ["in", { question: "type", in: ["army", "police"] }, true],
    ["in, none match", { question: "type", in: ["army"] }, false],
    ["includes any of", { question: "funcs", includes: ["record", "locate"] }, true],
    ["includes none", { question: "funcs", includes: ["record"] }, false],
    ["gte", { question: "value", gte: 250000 }, true],
    ["lte below", { question: "value", lte: 1000 }, false],
    ["range", { question: "value", gte: 1000, lte: 300000 }, true],
    ["answered true", { question: "type", answered: true }, true],
    ["answered on an empty string", { question: "empty", answered: true }, false],
    ["not answered", { question: "missing", answered: false }, true],
    ["a test on an unanswered question is false", { question: "missing", equals: "x" }, false],
    ["not of an unanswered test is true", { not: { question: "missing", equals: "x" } }, true],
    ["country fact", { question: "dest", country_fact: "comprehensive_embargo" }, true],
    ["country group", { question: "dest", country_fact: "ear_group_e1" }, true],
    ["country fact absent", { question: "other", country_fact: "comprehensive_embargo" }, false],
    ["operator risk", { question: "risky", country_fact: "operator_risk_high" }, true],
    ["unknown country code", { question: "type", country_fact: "iccpr_party" }, false],
    ["all", { all: [{ question: "type", equals: "police" }, { question: "misuse", equals: true }] }, true],
    ["all with one false", { all: [{ question: "type", equals: "police" }, { question: "misuse", equals: false }] }, false],
    ["any", { any: [{ question: "type", equals: "army" }, { question: "misuse", equals: true }] }, true],
    ["any all false", { any: [{ question: "type", equals: "army" }, { question: "misuse", equals: false }] }, false],
    ["not", { not: { question: "other", country_fact: "iccpr_party" } }, false],
    [
      "nested",
      { all: [{ any: [{ question: "funcs", includes: ["intercept"] }, { question: "x", answered: true }] }, { not: { question: "type", equals: "army" } }] },
      true,
    ],
  ];
  it.each(cases)("%s", (_name, condition, expected) => {
    expect(evaluateCondition(condition, answers, countries)).toBe(expected);
  });
});

describe("referencedQuestions", () => {
  it("lists each question once in order of mention", () => {
    const c: Condition = { all: [{ question: "a", equals: "x" }, { any: [{ question: "b", answered: true }, { not: { question: "a", equals: "y" } }] }] };
    expect(referencedQuestions(c)).toEqual(["a", "b"]);
  });
});
