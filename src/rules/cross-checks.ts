// Checks that need more than one node, or more than one file: unique ids, references between
// questions, options, groups, tiers and countries, conditions that fit the question they test,
// the order of conditions, and whether a page fits a Slack modal. Each problem points at the
// node that causes it. The schema has already accepted each file on its own.
import { referencedQuestions } from "../domain/conditions.js";
import { YES_NO_OPTIONS } from "../domain/interview.js";
import type {
  Condition,
  Country,
  ItemCategory,
  LeafCondition,
  Page,
  Question,
  QuestionType,
  Questionnaire,
  RiskModel,
} from "../domain/rule-set.js";
import { closest, type PathSegment, type RuleProblem } from "./problems.js";
import { lineOf, problemAt, type YamlSource } from "./yaml-source.js";

export interface Checked<T> {
  source: YamlSource;
  value: T;
}

export interface CheckInput {
  questionnaire?: Checked<Questionnaire> | undefined;
  riskModel?: Checked<RiskModel> | undefined;
  countries?: Checked<{ countries: Country[] }> | undefined;
  itemCategories?: Checked<{ item_categories: ItemCategory[] }> | undefined;
  countryRisk?: Checked<{ levels: Record<string, string> }> | undefined;
  countryAssessments?: Checked<{ countries: Record<string, unknown> }> | undefined;
}

export interface CheckResult {
  problems: RuleProblem[];
  /** the questionnaire's ids, options or conditions are broken: skip the satisfiability check */
  questionnaireUnsound: boolean;
  /** conditions (by owner key, e.g. "page:p", "question:q", "factor:f") that have a problem */
  taintedConditions: Set<string>;
}

/** Slack: a modal holds at most 100 blocks; a select at most 100 options. */
export const MAX_MODAL_BLOCKS = 100;
export const MAX_SELECT_OPTIONS = 100;

const CHOICE_TYPES: readonly QuestionType[] = ["single_choice", "multiple_choice"];

export interface IndexedQuestion {
  question: Question;
  page: Page;
  pageIndex: number;
  path: PathSegment[];
}

/** Questions by id (the first one when an id is duplicated). */
export function indexQuestions(questionnaire: Questionnaire): Map<string, IndexedQuestion> {
  const index = new Map<string, IndexedQuestion>();
  questionnaire.pages.forEach((page, pageIndex) =>
    page.questions.forEach((question, questionIndex) => {
      if (!index.has(question.id)) index.set(question.id, { question, page, pageIndex, path: ["pages", pageIndex, "questions", questionIndex] });
    }),
  );
  return index;
}

export function crossCheck(input: CheckInput): CheckResult {
  const problems: RuleProblem[] = [];
  const taintedConditions = new Set<string>();
  let questionnaireUnsound = false;
  const countryCodes = input.countries ? new Set(input.countries.value.countries.map((c) => c.code)) : undefined;
  const itemValues = input.itemCategories ? input.itemCategories.value.item_categories.map((c) => c.value) : undefined;

  if (input.countries) {
    const { source, value } = input.countries;
    problems.push(...duplicates(source, value.countries, ["countries"], "code", "country code"));
  }
  if (input.itemCategories) {
    const { source, value } = input.itemCategories;
    problems.push(...duplicates(source, value.item_categories, ["item_categories"], "value", "item category"));
  }
  if (input.countryRisk && countryCodes) {
    const { source, value } = input.countryRisk;
    for (const code of Object.keys(value.levels)) {
      if (!countryCodes.has(code)) {
        problems.push(problemAt(source, ["levels", code], `no country with code "${code}" in countries.yml`, "key"));
      }
    }
  }

  if (input.countryAssessments && countryCodes) {
    const { source, value } = input.countryAssessments;
    for (const code of Object.keys(value.countries)) {
      if (!countryCodes.has(code)) {
        problems.push(problemAt(source, ["countries", code], `no country with code "${code}" in countries.yml`, "key"));
      }
    }
  }

  let questions: Map<string, IndexedQuestion> | undefined;
  const conditions = (source: YamlSource) =>
    new ConditionChecker(source, questions ?? new Map(), countryCodes, itemValues, problems, taintedConditions);

  if (input.questionnaire) {
    const { source, value: questionnaire } = input.questionnaire;
    questions = indexQuestions(questionnaire);
    const before = problems.length;
    problems.push(...duplicates(source, questionnaire.pages, ["pages"], "id", "page id"));
    const allQuestions = questionnaire.pages.flatMap((page, p) =>
      page.questions.map((q, i) => {
        const path: PathSegment[] = ["pages", p, "questions", i];
        return { q, path };
      }),
    );
    problems.push(...duplicatesAt(source, allQuestions.map(({ q, path }) => ({ id: q.id, path: [...path, "id"] })), "question id"));
    for (const { q, path } of allQuestions) problems.push(...optionProblems(source, q, path, itemValues));
    for (const { q, path } of allQuestions) {
      if (q.party_country === undefined) continue;
      const target = questions.get(q.party_country);
      if (q.party === undefined) problems.push(problemAt(source, [...path, "party_country"], "party_country only goes with party: (the question names a party)"));
      else if (!target) problems.push(problemAt(source, [...path, "party_country"], `no question with id "${q.party_country}"`));
      else if (target.question.type !== "country") problems.push(problemAt(source, [...path, "party_country"], `"${q.party_country}" is a ${target.question.type} question; expected a country question`));
    }
    if (problems.length > before) questionnaireUnsound = true;

    (["item", "destination", "end_user"] as const).forEach((key) => {
      const id = questionnaire.summary[key];
      if (!questions?.has(id)) problems.push(problemAt(source, ["summary", key], unknownQuestion(id, questions)));
    });

    questionnaire.pages.forEach((page, p) => {
      problems.push(...pageSizeProblems(source, page, p));
      const checker = conditions(source);
      if (page.when) checker.check(page.when, ["pages", p, "when"], `page:${page.id}`, { pageIndex: p, pageId: page.id });
      page.questions.forEach((q, i) => {
        if (q.when) {
          checker.check(q.when, ["pages", p, "questions", i, "when"], `question:${q.id}`, {
            pageIndex: p,
            pageId: page.id,
            questionId: q.id,
          });
        }
      });
    });
    if (taintedConditions.size > 0) questionnaireUnsound = true;
  }

  if (input.riskModel) {
    const { source, value: model } = input.riskModel;
    problems.push(...duplicates(source, model.groups, ["groups"], "id", "group id"));
    problems.push(...duplicates(source, model.factors, ["factors"], "id", "factor id"));
    problems.push(...duplicates(source, model.hard_stops, ["hard_stops"], "id", "hard stop id"));
    problems.push(...duplicates(source, model.tiers, ["tiers"], "id", "tier id"));
    problems.push(...duplicates(source, model.approval_conditions, ["approval_conditions"], "id", "approval condition id"));

    const groups = new Map(model.groups.map((g) => [g.id, g]));
    const groupProblem = (id: string, path: PathSegment[]) => {
      if (!groups.has(id)) problems.push(problemAt(source, path, `no group with id "${id}"; expected one of ${[...groups.keys()].join(", ")}`));
    };

    model.answer_scores.forEach((entry, i) => {
      const path: PathSegment[] = ["answer_scores", i];
      groupProblem(entry.group, [...path, "group"]);
      const credit = groups.get(entry.group)?.kind === "mitigation";
      for (const [key, scored] of Object.entries(entry.options)) {
        if (scored.points > 0 && !scored.rationale) {
          problems.push(
            problemAt(
              source,
              [...path, "options", key],
              `${scored.points} points need a rationale (why this answer ${credit ? "earns a credit" : "adds risk"})`,
              "key",
            ),
          );
        }
      }
      if (!questions) return;
      const indexed = questions.get(entry.question);
      if (!indexed) {
        problems.push(problemAt(source, [...path, "question"], unknownQuestion(entry.question, questions)));
        return;
      }
      const q = indexed.question;
      if (q.type === "country") {
        if (!countryCodes) return;
        for (const key of Object.keys(entry.options)) {
          if (!countryCodes.has(key)) {
            problems.push(problemAt(source, [...path, "options", key], `no country with code "${key}" in countries.yml`, "key"));
          }
        }
        return;
      }
      const options = optionValues(q, itemValues);
      // options unknown (no options, or item-categories.yml broken): that has its own problem
      if (!options && CHOICE_TYPES.includes(q.type)) return;
      if (!options) {
        problems.push(
          problemAt(
            source,
            [...path, "question"],
            `only choice, yes/no and country answers can be scored; "${q.id}" is a ${q.type} question (use a factor with a condition instead)`,
          ),
        );
        return;
      }
      for (const key of Object.keys(entry.options)) {
        if (!options.includes(key)) {
          problems.push(
            problemAt(source, [...path, "options", key], `"${key}" is not an option of question "${q.id}"; expected one of ${options.join(", ")}`, "key"),
          );
        }
      }
      for (const option of options) {
        if (!(option in entry.options)) {
          problems.push(
            problemAt(
              source,
              [...path, "options"],
              `option "${option}" of question "${q.id}" has no score; add it with points: 0 if it should not count`,
            ),
          );
        }
      }
    });

    const checker = conditions(source);
    model.factors.forEach((f, i) => {
      groupProblem(f.group, ["factors", i, "group"]);
      if (questions) checker.check(f.when, ["factors", i, "when"], `factor:${f.id}`);
    });
    model.hard_stops.forEach((h, i) => {
      if (questions) checker.check(h.when, ["hard_stops", i, "when"], `hard_stop:${h.id}`);
    });

    problems.push(...tierProblems(source, model));
    problems.push(...reviewProblems(source, model, questions));
  }

  return { problems, questionnaireUnsound, taintedConditions };
}

// ---------------------------------------------------------------------------------------------

function duplicates<T extends object, K extends keyof T & string>(
  source: YamlSource,
  items: readonly T[],
  base: PathSegment[],
  key: K,
  what: string,
  scope = "",
): RuleProblem[] {
  return duplicatesAt(
    source,
    items.map((item, i) => ({ id: String(item[key]), path: [...base, i, key] })),
    what,
    scope,
  );
}

function duplicatesAt(
  source: YamlSource,
  items: ReadonlyArray<{ id: string; path: PathSegment[] }>,
  what: string,
  scope = "",
): RuleProblem[] {
  const first = new Map<string, PathSegment[]>();
  const out: RuleProblem[] = [];
  for (const { id, path } of items) {
    const earlier = first.get(id);
    if (earlier) {
      out.push(problemAt(source, path, `duplicate ${what} "${id}"${scope} (first defined at line ${lineOf(source, earlier)})`));
    } else {
      first.set(id, path);
    }
  }
  return out;
}

/** The values a condition or an answer score may use for a choice or yes/no question. */
function optionValues(q: Question, itemValues: readonly string[] | undefined): string[] | undefined {
  if (q.type === "yes_no") return YES_NO_OPTIONS.map((o) => o.value);
  if (!CHOICE_TYPES.includes(q.type)) return undefined;
  // the same precedence as optionsOf in src/domain/interview.ts
  if (q.options_from === "item_categories") return itemValues ? [...new Set(itemValues)] : undefined;
  if (q.options) return [...new Set(q.options.map((o) => o.value))];
  return undefined;
}

function optionProblems(source: YamlSource, q: Question, path: PathSegment[], itemValues: readonly string[] | undefined): RuleProblem[] {
  const out: RuleProblem[] = [];
  if (CHOICE_TYPES.includes(q.type)) {
    if (!q.options && !q.options_from) {
      out.push(problemAt(source, [...path, "options"], `a ${q.type} question needs options (a list) or options_from: item_categories`));
    } else if (q.options && q.options_from) {
      out.push(problemAt(source, [...path, "options_from"], "use either options or options_from, not both"));
    }
    if (q.options) {
      out.push(...duplicates(source, q.options, [...path, "options"], "value", "option value", ` in question "${q.id}"`));
    }
    const count = q.options?.length ?? (q.options_from === "item_categories" ? itemValues?.length : undefined) ?? 0;
    if (count > MAX_SELECT_OPTIONS) {
      out.push(problemAt(source, [...path, q.options ? "options" : "options_from"], `at most ${MAX_SELECT_OPTIONS} options fit a Slack select (got ${count})`));
    }
  } else {
    const why =
      q.type === "yes_no"
        ? "a yes_no question has the options yes and no built in"
        : q.type === "country"
          ? "a country question takes its options from countries.yml"
          : `a ${q.type} question has no options`;
    if (q.options) out.push(problemAt(source, [...path, "options"], `${why}; remove options`));
    if (q.options_from) out.push(problemAt(source, [...path, "options_from"], `${why}; remove options_from`));
  }
  return out;
}

/** Blocks a page needs in a modal: header and progress, intro, one input per question, one context per help. */
export function estimateBlocks(page: Questionnaire["pages"][number]): number {
  return 2 + (page.intro ? 1 : 0) + page.questions.reduce((n, q) => n + 1 + (q.help ? 1 : 0), 0);
}

function pageSizeProblems(source: YamlSource, page: Questionnaire["pages"][number], p: number): RuleProblem[] {
  const blocks = estimateBlocks(page);
  if (blocks <= MAX_MODAL_BLOCKS) return [];
  return [
    problemAt(
      source,
      ["pages", p],
      `the page needs about ${blocks} Slack blocks (one per question, one per help text, intro, header and progress); a modal holds at most ${MAX_MODAL_BLOCKS}: split the page`,
    ),
  ];
}

function tierProblems(source: YamlSource, model: RiskModel): RuleProblem[] {
  const out: RuleProblem[] = [];
  const tiers = model.tiers;
  const first = tiers[0];
  if (first && first.min_score !== 0) {
    out.push(problemAt(source, ["tiers", 0, "min_score"], `the first tier must start at min_score: 0 (got ${first.min_score})`));
  }
  tiers.forEach((t, i) => {
    const prev = tiers[i - 1];
    if (!prev) return;
    if (t.min_score === prev.min_score) {
      out.push(problemAt(source, ["tiers", i, "min_score"], `duplicate min_score ${t.min_score} (tier "${prev.id}" starts there too); each tier needs its own`));
    } else if (t.min_score < prev.min_score) {
      out.push(
        problemAt(
          source,
          ["tiers", i, "min_score"],
          `tiers must be sorted by min_score, lowest first; ${t.min_score} is below the previous tier "${prev.id}" (${prev.min_score})`,
        ),
      );
    }
  });
  const firstEscalating = tiers.findIndex((t) => t.escalate);
  if (firstEscalating >= 0) {
    tiers.forEach((t, i) => {
      if (i > firstEscalating && !t.escalate) {
        out.push(
          problemAt(
            source,
            ["tiers", i, "escalate"],
            `tier "${t.id}" is above the escalating tier "${tiers[firstEscalating]?.id}", so it must escalate too (escalate: true)`,
          ),
        );
      }
    });
  }
  const stopTier = tiers.find((t) => t.id === model.hard_stop_tier);
  if (!stopTier) {
    out.push(problemAt(source, ["hard_stop_tier"], `no tier with id "${model.hard_stop_tier}"; expected one of ${tiers.map((t) => t.id).join(", ")}`));
  } else if (!stopTier.escalate) {
    const escalating = tiers.filter((t) => t.escalate).map((t) => t.id);
    out.push(
      problemAt(
        source,
        ["hard_stop_tier"],
        `the hard-stop tier must escalate; "${stopTier.id}" does not${escalating.length ? ` (expected one of ${escalating.join(", ")})` : ""}`,
      ),
    );
  }
  model.factors.forEach((f, i) => {
    if (f.minimum_tier !== undefined && !tiers.some((t) => t.id === f.minimum_tier)) {
      out.push(problemAt(source, ["factors", i, "minimum_tier"], `no tier with id "${f.minimum_tier}"; expected one of ${tiers.map((t) => t.id).join(", ")}`));
    }
  });
  return out;
}

/** Re-screening (`review:`): a period for every tier and none for a tier that does not exist; date questions that are date questions. */
function reviewProblems(source: YamlSource, model: RiskModel, questions: Map<string, IndexedQuestion> | undefined): RuleProblem[] {
  const review = model.review;
  if (!review) return [];
  const out: RuleProblem[] = [];
  const tierIds = model.tiers.map((t) => t.id);
  for (const id of Object.keys(review.default_months_by_tier)) {
    if (!tierIds.includes(id)) out.push(problemAt(source, ["review", "default_months_by_tier", id], `no tier with id "${id}"; expected one of ${tierIds.join(", ")}`, "key"));
  }
  const missing = tierIds.filter((id) => !(id in review.default_months_by_tier));
  if (missing.length > 0) {
    out.push(problemAt(source, ["review", "default_months_by_tier"], `every tier needs a review period in months; missing: ${missing.join(", ")}`));
  }
  review.date_questions.forEach((id, i) => {
    if (!questions) return;
    const q = questions.get(id)?.question;
    if (!q) out.push(problemAt(source, ["review", "date_questions", i], unknownQuestion(id, questions)));
    else if (q.type !== "date") out.push(problemAt(source, ["review", "date_questions", i], `"${id}" is a ${q.type} question; expected a date question`));
  });
  return out;
}

function unknownQuestion(id: string, questions: Map<string, IndexedQuestion> | undefined): string {
  const near = closest(id, questions ? [...questions.keys()] : []);
  return `no question with id "${id}"${near ? ` (did you mean "${near}"?)` : ""}`;
}

// ---------------------------------------------------------------------------------------------
// Conditions

interface Owner {
  pageIndex: number;
  pageId: string;
  /** set for a question's own condition */
  questionId?: string;
}

class ConditionChecker {
  constructor(
    private readonly source: YamlSource,
    private readonly questions: Map<string, IndexedQuestion>,
    private readonly countryCodes: Set<string> | undefined,
    private readonly itemValues: readonly string[] | undefined,
    private readonly problems: RuleProblem[],
    private readonly tainted: Set<string>,
  ) {}

  /** `owner` is set for page and question conditions, which may only read earlier pages. */
  check(condition: Condition, path: PathSegment[], ownerKey: string, owner?: Owner): void {
    const report = (at: PathSegment[], message: string) => {
      this.problems.push(problemAt(this.source, at, message));
      this.tainted.add(ownerKey);
    };
    const walk = (c: Condition, at: PathSegment[]): void => {
      if ("all" in c) c.all.forEach((x, i) => walk(x, [...at, "all", i]));
      else if ("any" in c) c.any.forEach((x, i) => walk(x, [...at, "any", i]));
      else if ("not" in c) walk(c.not, [...at, "not"]);
      else if ("party_match" in c) {
        // the screening result is known only after the parties are named: factors and hard stops only
        if (owner) report([...at, "party_match"], "party_match may only be used in factors and hard stops, not to show a page or question");
      } else this.leaf(c, at, owner, report);
    };
    walk(condition, path);
  }

  private leaf(leaf: LeafCondition, at: PathSegment[], owner: Owner | undefined, report: (at: PathSegment[], m: string) => void): void {
    const target = this.questions.get(leaf.question);
    if (!target) {
      report([...at, "question"], unknownQuestion(leaf.question, this.questions));
      return;
    }
    if (owner) {
      const order = this.orderProblem(target, owner);
      if (order) report([...at, "question"], order);
    }
    const q = target.question;
    const type = q.type;
    const misfit = (key: string, fits: string) =>
      report([...at, key], `${key} only fits ${fits}; "${q.id}" is a ${type} question`);
    const options = type === "country" ? undefined : optionValues(q, this.itemValues);
    const checkValue = (value: string, valuePath: PathSegment[]) => {
      if (type === "country") {
        if (this.countryCodes && !this.countryCodes.has(value)) report(valuePath, `no country with code "${value}" in countries.yml`);
      } else if (options && !options.includes(value)) {
        report(valuePath, `"${value}" is not an option of question "${q.id}"; expected one of ${options.join(", ")}`);
      }
    };

    if (leaf.equals !== undefined) {
      const v = leaf.equals;
      if (typeof v === "boolean") {
        if (type !== "yes_no") misfit("equals", "a yes_no question when it is true or false");
      } else if (typeof v === "number") {
        if (type !== "number") misfit("equals", "a number question when it is a number");
      } else if (type === "multiple_choice") {
        report([...at, "equals"], `equals does not fit a multiple_choice question ("${q.id}"); use includes`);
      } else if (type === "number") {
        report([...at, "equals"], `"${q.id}" is a number question; expected a number (got "${v}")`);
      } else {
        checkValue(v, [...at, "equals"]);
      }
    }
    if (leaf.in !== undefined) {
      if (type === "multiple_choice") report([...at, "in"], `in does not fit a multiple_choice question ("${q.id}"); use includes`);
      else if (type === "number") misfit("in", "single_choice, yes_no, country and text questions");
      else leaf.in.forEach((v, i) => checkValue(v, [...at, "in", i]));
    }
    if (leaf.includes !== undefined) {
      if (type !== "multiple_choice") misfit("includes", "a multiple_choice question");
      else leaf.includes.forEach((v, i) => checkValue(v, [...at, "includes", i]));
    }
    if (leaf.gte !== undefined && type !== "number") misfit("gte", "a number question");
    if (leaf.lte !== undefined && type !== "number") misfit("lte", "a number question");
    if (leaf.country_fact !== undefined && type !== "country") misfit("country_fact", "a country question");
    if (leaf.same_as !== undefined) {
      const other = this.questions.get(leaf.same_as);
      if (!other) report([...at, "same_as"], unknownQuestion(leaf.same_as, this.questions));
      else if (other.question.type !== type) report([...at, "same_as"], `same_as compares questions of one type; "${q.id}" is ${type} and "${other.question.id}" is ${other.question.type}`);
      else if (owner) {
        const order = this.orderProblem(other, owner);
        if (order) report([...at, "same_as"], order);
      }
    }
  }

  /** Page and question conditions may only read answers from earlier pages. */
  private orderProblem(target: IndexedQuestion, owner: Owner): string | undefined {
    if (target.pageIndex < owner.pageIndex) return undefined;
    const rule = "conditions may only read answers from earlier pages";
    const id = target.question.id;
    if (owner.questionId === id) return `${rule}; "${id}" is this question itself (a cycle)`;
    const cycle = this.cycleBack(id, owner);
    const suffix = cycle ? ` (a cycle: ${cycle.join(" → ")})` : "";
    if (target.pageIndex === owner.pageIndex) {
      return owner.questionId
        ? `${rule}; "${id}" is on the same page "${owner.pageId}"${suffix}`
        : `${rule}; "${id}" is on this page itself (a cycle: the page would be shown only after it is answered)`;
    }
    return `${rule}; "${id}" is on the later page "${target.page.id}"${suffix}`;
  }

  /** A chain of visibility dependencies from `from` back to the owner, if there is one. */
  private cycleBack(from: string, owner: Owner): string[] | undefined {
    const start = owner.questionId ?? `page ${owner.pageId}`;
    const closes = (id: string) =>
      owner.questionId ? id === owner.questionId : this.questions.get(id)?.pageIndex === owner.pageIndex;
    if (closes(from)) return [start, from];
    const seen = new Set<string>([from]);
    const queue: string[][] = [[from]];
    for (let chain = queue.shift(); chain; chain = queue.shift()) {
      const last = chain[chain.length - 1];
      if (last === undefined) continue;
      for (const next of this.dependsOn(last)) {
        if (closes(next)) return [start, ...chain, next];
        if (!seen.has(next)) {
          seen.add(next);
          queue.push([...chain, next]);
        }
      }
    }
    return undefined;
  }

  /** Questions whose answers decide whether question `id` is shown: its own and its page's condition. */
  private dependsOn(id: string): string[] {
    const indexed = this.questions.get(id);
    if (!indexed) return [];
    const refs = new Set<string>();
    if (indexed.page.when) referencedQuestions(indexed.page.when).forEach((r) => refs.add(r));
    if (indexed.question.when) referencedQuestions(indexed.question.when).forEach((r) => refs.add(r));
    return [...refs];
  }
}
