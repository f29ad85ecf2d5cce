// Evaluating `when` conditions (all / any / not over answers). Pure and total: an unanswered
// question makes every test on it false except `answered: false`.
import type { AnswerValue, Answers, Condition, CountryFact, CountryRecord, LeafCondition } from "./rule-set.js";

/** Looks up a country by ISO code; conditions on country facts need it. */
export type CountryLookup = (code: string) => CountryRecord | undefined;

export function countryLookup(countries: readonly CountryRecord[]): CountryLookup {
  const byCode = new Map(countries.map((c) => [c.code, c]));
  return (code) => byCode.get(code);
}

export function countryHasFact(country: CountryRecord, fact: CountryFact): boolean {
  switch (fact) {
    case "comprehensive_embargo":
      return country.comprehensive_embargo;
    case "itar_126_1":
      return country.itar_126_1;
    case "ear_group_d1":
      return country.ear_country_groups.includes("D:1");
    case "ear_group_d5":
      return country.ear_country_groups.includes("D:5");
    case "ear_group_e1":
      return country.ear_country_groups.includes("E:1");
    case "ear_group_e2":
      return country.ear_country_groups.includes("E:2");
    case "iccpr_party":
      return country.iccpr_party;
    case "iccpr_optional_protocol":
      return country.iccpr_optional_protocol;
    case "operator_risk_high":
      return country.operator_risk === "high";
    case "operator_risk_medium":
      return country.operator_risk === "medium";
    case "operator_risk_low":
      return country.operator_risk === "low";
  }
}

export function isAnswered(value: AnswerValue | undefined): value is AnswerValue {
  if (value === undefined) return false;
  if (typeof value === "string") return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return Number.isFinite(value);
}

export function evaluateCondition(condition: Condition, answers: Answers, countries: CountryLookup): boolean {
  if ("all" in condition) return condition.all.every((c) => evaluateCondition(c, answers, countries));
  if ("any" in condition) return condition.any.some((c) => evaluateCondition(c, answers, countries));
  if ("not" in condition) return !evaluateCondition(condition.not, answers, countries);
  return evaluateLeaf(condition, answers, countries);
}

/** Every test present on a leaf must hold (a leaf with `gte` and `lte` is a range). */
function evaluateLeaf(leaf: LeafCondition, answers: Answers, countries: CountryLookup): boolean {
  const value = answers[leaf.question];
  const answered = isAnswered(value);
  if (leaf.answered !== undefined && leaf.answered !== answered) return false;
  const tests: Array<(v: AnswerValue) => boolean> = [];
  if (leaf.equals !== undefined) {
    const expected = leaf.equals;
    tests.push((v) => (typeof expected === "boolean" ? v === (expected ? "yes" : "no") : v === expected));
  }
  if (leaf.in !== undefined) {
    const set = leaf.in;
    tests.push((v) => typeof v === "string" && set.includes(v));
  }
  if (leaf.includes !== undefined) {
    const wanted = leaf.includes;
    tests.push((v) => Array.isArray(v) && v.some((x) => wanted.includes(x)));
  }
  if (leaf.gte !== undefined) {
    const min = leaf.gte;
    tests.push((v) => typeof v === "number" && v >= min);
  }
  if (leaf.lte !== undefined) {
    const max = leaf.lte;
    tests.push((v) => typeof v === "number" && v <= max);
  }
  if (leaf.country_fact !== undefined) {
    const fact = leaf.country_fact;
    tests.push((v) => {
      if (typeof v !== "string") return false;
      const country = countries(v);
      return country !== undefined && countryHasFact(country, fact);
    });
  }
  if (tests.length === 0) return true; // only `answered`, already checked
  if (!answered) return false;
  return tests.every((t) => t(value));
}

/** Question ids a condition reads, in order of first mention. */
export function referencedQuestions(condition: Condition): string[] {
  const out: string[] = [];
  const walk = (c: Condition): void => {
    if ("all" in c) c.all.forEach(walk);
    else if ("any" in c) c.any.forEach(walk);
    else if ("not" in c) walk(c.not);
    else if (!out.includes(c.question)) out.push(c.question);
  };
  walk(condition);
  return out;
}
