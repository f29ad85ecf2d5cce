// Evaluating `when` conditions (all / any / not over answers). Pure and total: an unanswered
// question makes every test on it false except `answered: false`.
import { perObject } from "./memo.js";
import type { AnswerValue, Answers, Condition, CountryFact, CountryRecord, LeafCondition, PartyMatchState } from "./rule-set.js";

/**
 * What is known about a screening besides its answers: the result of screening its parties
 * against the restricted-party lists. Absent: nothing screened (no list, or not yet).
 */
export interface ScreeningSignals {
  /** the strongest unresolved or confirmed match: "confirmed" outranks "potential" */
  partyMatch?: PartyMatchState | undefined;
}

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
    case "ear_part_746":
      return country.ear_part_746 !== undefined;
    case "ofac_government_blocked":
      return country.ofac_government_blocked;
    case "transshipment_hub":
      return country.transshipment_hub;
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
    case "assessed":
      return country.assessment !== undefined;
    case "framework_not_assessed":
      return country.assessment?.legal_framework === undefined;
    case "framework_adequate":
      return country.assessment?.legal_framework?.overall === "adequate";
    case "framework_partial":
      return country.assessment?.legal_framework?.overall === "partial";
    case "framework_inadequate":
      return country.assessment?.legal_framework?.overall === "inadequate";
    case "no_prior_judicial_authorisation":
      return country.assessment?.legal_framework?.judicial_authorisation === "inadequate";
    case "surveillance_misuse_pattern":
      return country.assessment?.surveillance_misuse === "credible_pattern";
    case "surveillance_misuse_isolated":
      return country.assessment?.surveillance_misuse === "isolated_cases";
    case "hr_record_serious":
      return country.assessment?.human_rights_record === "serious";
    case "hr_record_concerns":
      return country.assessment?.human_rights_record === "some_concerns";
    case "armed_conflict":
      return country.assessment?.armed_conflict === true;
    case "discriminatory_laws":
      return country.assessment?.discriminatory_laws === true;
  }
}

export function isAnswered(value: AnswerValue | undefined): value is AnswerValue {
  if (value === undefined) return false;
  if (typeof value === "string") return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return Number.isFinite(value);
}

// Hot path: scoring evaluates every factor and hard stop, and the interview every page and
// question condition, on each request. A condition is compiled once into a small tree of
// functions (a rule set never changes once loaded), so evaluating it does not re-inspect the
// shape of every node each time.
type Compiled = (answers: Answers, countries: CountryLookup, signals: ScreeningSignals) => boolean;
const compiled = perObject((condition: Condition) => compile(condition));

const NO_SIGNALS: ScreeningSignals = {};

export function evaluateCondition(condition: Condition, answers: Answers, countries: CountryLookup, signals: ScreeningSignals = NO_SIGNALS): boolean {
  return compiled(condition)(answers, countries, signals);
}

function compile(condition: Condition): Compiled {
  if ("all" in condition) {
    const parts = condition.all.map(compile);
    return (answers, countries, signals) => {
      for (const part of parts) if (!part(answers, countries, signals)) return false;
      return true;
    };
  }
  if ("any" in condition) {
    const parts = condition.any.map(compile);
    return (answers, countries, signals) => {
      for (const part of parts) if (part(answers, countries, signals)) return true;
      return false;
    };
  }
  if ("not" in condition) {
    const inner = compile(condition.not);
    return (answers, countries, signals) => !inner(answers, countries, signals);
  }
  if ("party_match" in condition) {
    const wanted = condition.party_match;
    // a confirmed match is also (at least) a potential one
    return (_answers, _countries, signals) => signals.partyMatch === wanted || (wanted === "potential" && signals.partyMatch === "confirmed");
  }
  return compileLeaf(condition);
}

/** Every test present on a leaf must hold (a leaf with `gte` and `lte` is a range). */
function compileLeaf(leaf: LeafCondition): Compiled {
  const answerTest = compileAnswerLeaf(leaf);
  return (answers, countries) => answerTest(answers, countries);
}

/** Whether a condition reads the party-screening result (anywhere in its tree). */
export function readsPartyMatch(condition: Condition): boolean {
  if ("all" in condition) return condition.all.some(readsPartyMatch);
  if ("any" in condition) return condition.any.some(readsPartyMatch);
  if ("not" in condition) return readsPartyMatch(condition.not);
  return "party_match" in condition;
}

function compileAnswerLeaf(leaf: LeafCondition): (answers: Answers, countries: CountryLookup) => boolean {
  const question = leaf.question;
  const wantAnswered = leaf.answered;
  const tests: Array<(value: AnswerValue, countries: CountryLookup, answers: Answers) => boolean> = [];
  if (leaf.equals !== undefined) {
    const expected = typeof leaf.equals === "boolean" ? (leaf.equals ? "yes" : "no") : leaf.equals;
    tests.push((v) => v === expected);
  }
  if (leaf.in !== undefined) {
    const set = new Set(leaf.in);
    tests.push((v) => typeof v === "string" && set.has(v));
  }
  if (leaf.includes !== undefined) {
    const wanted = new Set(leaf.includes);
    tests.push((v) => {
      if (!Array.isArray(v)) return false;
      for (const x of v) if (wanted.has(x)) return true;
      return false;
    });
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
    tests.push((v, countries) => {
      if (typeof v !== "string") return false;
      const country = countries(v);
      return country !== undefined && countryHasFact(country, fact);
    });
  }
  if (leaf.same_as !== undefined) {
    const other = leaf.same_as;
    tests.push((v, _countries, answers) => {
      const w = answers[other];
      if (!isAnswered(w)) return false;
      return Array.isArray(v) || Array.isArray(w) ? JSON.stringify(v) === JSON.stringify(w) : v === w;
    });
  }
  return (answers, countries) => {
    const value = answers[question];
    const answered = isAnswered(value);
    if (wantAnswered !== undefined && wantAnswered !== answered) return false;
    if (tests.length === 0) return true; // only `answered`, already checked
    if (!answered) return false;
    for (const test of tests) if (!test(value, countries, answers)) return false;
    return true;
  };
}

/** Question ids a condition reads, in order of first mention. */
export function referencedQuestions(condition: Condition): string[] {
  const out: string[] = [];
  const walk = (c: Condition): void => {
    if ("all" in c) c.all.forEach(walk);
    else if ("any" in c) c.any.forEach(walk);
    else if ("not" in c) walk(c.not);
    else if ("party_match" in c) return;
    else {
      if (!out.includes(c.question)) out.push(c.question);
      if (c.same_as !== undefined && !out.includes(c.same_as)) out.push(c.same_as);
    }
  };
  walk(condition);
  return out;
}
