// Can a condition ever hold? Decided by enumerating every combination of answers that could
// make a difference, and running the real interview and condition code on each. A page or
// question that can never be shown, or a factor or hard stop that can never apply, is almost
// always a mistake in the rules (a contradictory `all`, a typo'd option, a wrong page order).
//
// The candidate answers for a question are finite and exact: what a condition can tell apart
// is only which mentioned value, which list of options, which side of a number boundary, and
// which country facts an answer has, so one representative per class suffices. Enumeration is
// capped; beyond the cap, or when a domain had to be approximated, the answer is "unknown" and
// nothing is reported (this check must never report a condition that can hold).
import { countryHasFact, evaluateCondition, referencedQuestions } from "../domain/conditions.js";
import { countriesOf, interviewState, optionsOf } from "../domain/interview.js";
import { COUNTRY_FACTS, OPERATOR_COUNTRY_FACTS, type AnswerValue, type Condition, type LeafCondition, type Page, type Question, type RuleSet } from "../domain/rule-set.js";

export type Satisfiable = "yes" | "never" | "unknown";

export interface SatisfiabilityOptions {
  /** combinations of answers tried at most per check */
  maxCombinations?: number;
  /**
   * Whether operator risk levels are fixed. When they are not (the operator may supply or change
   * them at any time), a check that reads operator_risk_* facts answers "unknown".
   */
  operatorRiskKnown: boolean;
}

export const DEFAULT_MAX_COMBINATIONS = 200_000;
const MAX_MULTI_CHOICE_CLASSES = 12;

type Candidate = AnswerValue | undefined;
interface Domain {
  values: Candidate[];
  exact: boolean;
}

interface Located {
  question: Question;
  page: Page;
}

export class SatisfiabilityChecker {
  private readonly questions = new Map<string, Located>();
  private readonly mentions = new Map<string, { strings: Set<string>; numbers: Set<number>; lists: string[][] }>();
  private readonly domains = new Map<string, Domain>();
  private readonly max: number;

  /** `otherConditions`: factor and hard-stop conditions, whose values also split the domains. */
  constructor(
    private readonly ruleSet: RuleSet,
    otherConditions: readonly Condition[],
    private readonly options: SatisfiabilityOptions,
  ) {
    this.max = options.maxCombinations ?? DEFAULT_MAX_COMBINATIONS;
    for (const page of ruleSet.questionnaire.pages) {
      if (page.when) this.collect(page.when);
      for (const question of page.questions) {
        if (!this.questions.has(question.id)) this.questions.set(question.id, { question, page });
        if (question.when) this.collect(question.when);
      }
    }
    otherConditions.forEach((c) => this.collect(c));
  }

  /** Can the page's own condition hold, given how the questions it reads can be shown? */
  page(page: Page): Satisfiable {
    const when = page.when;
    if (!when) return "yes";
    return this.search([when], (answers) => evaluateCondition(when, interviewState(this.ruleSet, answers).effectiveAnswers, countriesOf(this.ruleSet)));
  }

  /** Can the question be shown at all (its page in force and its own condition holding)? */
  question(page: Page, question: Question): Satisfiable {
    const conditions = [page.when, question.when].filter((c): c is Condition => c !== undefined);
    if (conditions.length === 0) return "yes";
    return this.search(conditions, (answers) =>
      interviewState(this.ruleSet, answers).pages.some((p) => p.page === page && p.questions.includes(question)),
    );
  }

  /** Can a factor's or hard stop's condition hold on the answers in force? */
  condition(when: Condition): Satisfiable {
    return this.search([when], (answers) => evaluateCondition(when, interviewState(this.ruleSet, answers).effectiveAnswers, countriesOf(this.ruleSet)));
  }

  private search(conditions: readonly Condition[], holds: (answers: Record<string, AnswerValue>) => boolean): Satisfiable {
    const ids = this.closure(conditions);
    if (!ids) return "unknown";
    const all = [...conditions, ...ids.flatMap((id) => this.visibilityConditions(id))];
    if (!this.options.operatorRiskKnown && all.some(readsOperatorRisk)) return "unknown";

    const domains = ids.map((id) => this.domain(id));
    if (domains.some((d) => d === undefined)) return "unknown";
    const ds = domains.filter((d): d is Domain => d !== undefined);
    const total = ds.reduce((n, d) => n * d.values.length, 1);
    if (total > this.max) return "unknown";

    const cursor = ds.map(() => 0);
    for (let n = 0; n < total; n++) {
      const answers: Record<string, AnswerValue> = {};
      ids.forEach((id, i) => {
        const v = ds[i]?.values[cursor[i] ?? 0];
        if (v !== undefined) answers[id] = v;
      });
      if (holds(answers)) return "yes";
      for (let i = 0; i < cursor.length; i++) {
        cursor[i] = (cursor[i] ?? 0) + 1;
        if ((cursor[i] ?? 0) < (ds[i]?.values.length ?? 0)) break;
        cursor[i] = 0;
      }
    }
    return ds.every((d) => d.exact) ? "never" : "unknown";
  }

  /** Every question the conditions read, and those that decide whether those are shown. */
  private closure(conditions: readonly Condition[]): string[] | undefined {
    const out: string[] = [];
    const queue = conditions.flatMap((c) => referencedQuestions(c));
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (out.includes(id)) continue;
      if (!this.questions.has(id)) return undefined;
      out.push(id);
      for (const c of this.visibilityConditions(id)) queue.push(...referencedQuestions(c));
    }
    return out;
  }

  private visibilityConditions(id: string): Condition[] {
    const located = this.questions.get(id);
    if (!located) return [];
    return [located.page.when, located.question.when].filter((c): c is Condition => c !== undefined);
  }

  private collect(condition: Condition): void {
    const walk = (c: Condition): void => {
      if ("all" in c) c.all.forEach(walk);
      else if ("any" in c) c.any.forEach(walk);
      else if ("not" in c) walk(c.not);
      else if (!("party_match" in c)) this.collectLeaf(c);
    };
    walk(condition);
  }

  private collectLeaf(leaf: LeafCondition): void {
    let m = this.mentions.get(leaf.question);
    if (!m) {
      m = { strings: new Set(), numbers: new Set(), lists: [] };
      this.mentions.set(leaf.question, m);
    }
    if (typeof leaf.equals === "string") m.strings.add(leaf.equals);
    if (typeof leaf.equals === "boolean") m.strings.add(leaf.equals ? "yes" : "no");
    if (typeof leaf.equals === "number") m.numbers.add(leaf.equals);
    leaf.in?.forEach((v) => m.strings.add(v));
    if (leaf.includes) m.lists.push(leaf.includes);
    if (leaf.gte !== undefined) m.numbers.add(leaf.gte);
    if (leaf.lte !== undefined) m.numbers.add(leaf.lte);
  }

  private domain(id: string): Domain | undefined {
    const cached = this.domains.get(id);
    if (cached) return cached;
    const located = this.questions.get(id);
    if (!located) return undefined;
    const domain = this.buildDomain(located.question);
    this.domains.set(id, domain);
    return domain;
  }

  private buildDomain(q: Question): Domain {
    const m = this.mentions.get(q.id) ?? { strings: new Set<string>(), numbers: new Set<number>(), lists: [] };
    switch (q.type) {
      case "yes_no":
        return { values: ["yes", "no", undefined], exact: true };
      case "single_choice": {
        const options = optionsOf(this.ruleSet, q).map((o) => o.value);
        const mentioned = options.filter((o) => m.strings.has(o));
        const other = options.find((o) => !m.strings.has(o));
        return { values: [...mentioned, ...(other !== undefined ? [other] : []), undefined], exact: true };
      }
      case "country": {
        const values: Candidate[] = [];
        const signatures = new Set<string>();
        for (const country of this.ruleSet.countries) {
          if (m.strings.has(country.code)) {
            values.push(country.code);
            continue;
          }
          const signature = COUNTRY_FACTS.map((f) => (countryHasFact(country, f) ? "1" : "0")).join("");
          if (signatures.has(signature)) continue;
          signatures.add(signature);
          values.push(country.code);
        }
        return { values: [...values, undefined], exact: true };
      }
      case "multiple_choice": {
        const options = optionsOf(this.ruleSet, q).map((o) => o.value);
        const classes = new Map<string, string>();
        for (const o of options) {
          const signature = m.lists.map((l) => (l.includes(o) ? "1" : "0")).join("");
          if (!classes.has(signature)) classes.set(signature, o);
        }
        const reps = [...classes.values()];
        if (reps.length > MAX_MULTI_CHOICE_CLASSES) {
          return { values: [...reps.map((r) => [r]), reps, undefined], exact: false };
        }
        const subsets: Candidate[] = [];
        for (let mask = 1; mask < 1 << reps.length; mask++) subsets.push(reps.filter((_, i) => (mask & (1 << i)) !== 0));
        return { values: [...subsets, undefined], exact: true };
      }
      case "number": {
        const bounds = new Set<number>(m.numbers);
        if (q.min !== undefined) bounds.add(q.min);
        if (q.max !== undefined) bounds.add(q.max);
        const sorted = [...bounds].sort((a, b) => a - b);
        const candidates = new Set<number>();
        sorted.forEach((b, i) => {
          candidates.add(b - 1);
          candidates.add(b);
          candidates.add(b + 1);
          const next = sorted[i + 1];
          if (next !== undefined) candidates.add((b + next) / 2);
        });
        const inRange = [...candidates].filter((n) => (q.min === undefined || n >= q.min) && (q.max === undefined || n <= q.max));
        const values = inRange.length > 0 ? inRange : [q.min ?? q.max ?? 0];
        return { values: [...values, undefined], exact: true };
      }
      case "free_text":
      case "date": {
        let fresh = "x";
        for (let i = 1; m.strings.has(fresh); i++) fresh = `x${i}`;
        return { values: [...m.strings, fresh, undefined], exact: true };
      }
    }
  }
}

function readsOperatorRisk(condition: Condition): boolean {
  if ("all" in condition) return condition.all.some(readsOperatorRisk);
  if ("any" in condition) return condition.any.some(readsOperatorRisk);
  if ("not" in condition) return readsOperatorRisk(condition.not);
  // the party-screening result, like the operator's files, is not fixed by the rules: never "never"
  if ("party_match" in condition) return true;
  return condition.country_fact !== undefined && OPERATOR_COUNTRY_FACTS.has(condition.country_fact);
}
