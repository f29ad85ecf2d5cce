// Which pages and questions are in force for given answers, which page comes next, whether a
// screening is complete, and whether one answer is valid for its question. Pure.
//
// Conditions may only read questions that come earlier in the questionnaire (the rules loader
// enforces this), so one pass in questionnaire order decides everything: an answer to a
// question that is no longer shown (because an earlier answer changed) is ignored, never
// scored and never used by a later condition.
import { countryLookup, evaluateCondition, isAnswered, type CountryLookup } from "./conditions.js";
import { perObject } from "./memo.js";
import type { AnswerValue, Answers, Option, Page, Question, RuleSet } from "./rule-set.js";

export interface PageInForce {
  page: Page;
  questions: Question[];
}

export interface InterviewState {
  /** visible pages in order, each with its visible questions (never empty) */
  pages: PageInForce[];
  /** answers of visible questions only */
  effectiveAnswers: Record<string, AnswerValue>;
}

export const countriesOf: (ruleSet: RuleSet) => CountryLookup = perObject((ruleSet) => countryLookup(ruleSet.countries));

export function interviewState(ruleSet: RuleSet, answers: Answers): InterviewState {
  const countries = countriesOf(ruleSet);
  const effective: Record<string, AnswerValue> = {};
  const pages: PageInForce[] = [];
  for (const page of ruleSet.questionnaire.pages) {
    if (page.when && !evaluateCondition(page.when, effective, countries)) continue;
    const questions: Question[] = [];
    for (const q of page.questions) {
      if (q.when && !evaluateCondition(q.when, effective, countries)) continue;
      questions.push(q);
      const v = answers[q.id];
      if (isAnswered(v)) effective[q.id] = v;
    }
    if (questions.length > 0) pages.push({ page, questions });
  }
  return { pages, effectiveAnswers: effective };
}

/**
 * Questions of one page that are visible given the answers so far, including answers being
 * entered on that page (a question may depend on an earlier question of the same page only
 * if the loader allowed it, which it does not: same-page dependencies cannot update live
 * in a modal). Returns undefined when the page is not in force.
 */
export function pageInForce(ruleSet: RuleSet, answers: Answers, pageId: string): PageInForce | undefined {
  return interviewState(ruleSet, answers).pages.find((p) => p.page.id === pageId);
}

/** The first page in force after `pageId` (or the first page at all); undefined means review. */
export function nextPage(ruleSet: RuleSet, answers: Answers, pageId?: string): PageInForce | undefined {
  const { pages } = interviewState(ruleSet, answers);
  if (pageId === undefined) return pages[0];
  const order = ruleSet.questionnaire.pages.map((p) => p.id);
  const current = order.indexOf(pageId);
  return pages.find((p) => order.indexOf(p.page.id) > current);
}

/** The page in force before `pageId`, for a "Back" step. */
export function previousPage(ruleSet: RuleSet, answers: Answers, pageId: string): PageInForce | undefined {
  const { pages } = interviewState(ruleSet, answers);
  const order = ruleSet.questionnaire.pages.map((p) => p.id);
  const current = order.indexOf(pageId);
  return [...pages].reverse().find((p) => order.indexOf(p.page.id) < current);
}

export interface MissingAnswer {
  pageId: string;
  questionId: string;
}

/** Required questions in force that have no answer, in questionnaire order. */
export function missingAnswers(ruleSet: RuleSet, answers: Answers): MissingAnswer[] {
  return missingIn(interviewState(ruleSet, answers));
}

/** missingAnswers for a state already worked out (scoring needs both, and one pass is enough). */
export function missingIn({ pages, effectiveAnswers }: InterviewState): MissingAnswer[] {
  const missing: MissingAnswer[] = [];
  for (const { page, questions } of pages) {
    for (const q of questions) {
      if (q.required && !isAnswered(effectiveAnswers[q.id])) missing.push({ pageId: page.id, questionId: q.id });
    }
  }
  return missing;
}

/** The first page in force that still has a required question unanswered. */
export function firstIncompletePage(ruleSet: RuleSet, answers: Answers): string | undefined {
  return missingAnswers(ruleSet, answers)[0]?.pageId;
}

export function isComplete(ruleSet: RuleSet, answers: Answers): boolean {
  return missingAnswers(ruleSet, answers).length === 0;
}

// ---------------------------------------------------------------------------------------------
// Options and answer validation

export const YES_NO_OPTIONS: readonly Option[] = [
  { value: "yes", label: "Yes" },
  { value: "no", label: "No" },
];

/** "North Korea (DPRK, Democratic People's Republic of Korea)": a country as the menu offers it, found by any of its names. */
export function countryOptionLabel(country: { name: string; aliases?: readonly string[] | undefined }, max = 75): string {
  const aliases = country.aliases ?? [];
  let label = country.name;
  for (const alias of aliases) {
    const next = label === country.name ? `${country.name} (${alias})` : `${label.slice(0, -1)}, ${alias})`;
    if (next.length > max) break;
    label = next;
  }
  return label;
}

const referenceOptions = perObject((ruleSet: RuleSet) => ({
  countries: ruleSet.countries.map((c): Option => ({ value: c.code, label: countryOptionLabel(c) })),
  countryNames: new Map(ruleSet.countries.map((c) => [c.code, c.name])),
  itemCategories: ruleSet.itemCategories.map((c): Option => ({ value: c.value, label: c.label, ...(c.help ? { help: c.help } : {}) })),
}));

/** The options a choice question offers (from the question, reference data, or yes/no). */
export function optionsOf(ruleSet: RuleSet, question: Question): readonly Option[] {
  if (question.type === "yes_no") return YES_NO_OPTIONS;
  if (question.type === "country") return referenceOptions(ruleSet).countries;
  if (question.options_from === "item_categories") return referenceOptions(ruleSet).itemCategories;
  return question.options ?? [];
}

/** Option value → label, for one list of options. */
const labelsOf = perObject((options: readonly Option[]): ReadonlyMap<string, string> => new Map(options.map((o) => [o.value, o.label])));

/** notOffered: a choice the modal never offered (a forged request, or rules changed since it was shown) */
export type AnswerCheck = { ok: true; value: AnswerValue | undefined } | { ok: false; message: string; notOffered?: true };

/** Default and hard limit for free text when a question sets no max_length. */
export const DEFAULT_TEXT_MAX = 3000;

// C0/C1 controls except tab and newline; zero-width and bidi controls that can disguise text.
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;

// With the u flag a well-formed pair is one code point outside this range, so only a lone
// (unpaired) UTF-16 surrogate matches: text no database or JSON encoder can store as UTF-8.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** The text with each lone surrogate replaced by U+FFFD, so it can be stored (drafts keep what was typed). */
export function wellFormedText(text: string): string {
  return text.replace(/[\uD800-\uDFFF]/gu, "\uFFFD");
}

/**
 * Checks one raw answer (as parsed from the modal: a string, string[], or undefined when left
 * empty) against its question. Returns the value to store, or a message a person understands.
 */
export function checkAnswer(ruleSet: RuleSet, question: Question, raw: string | string[] | undefined): AnswerCheck {
  const empty = raw === undefined || (typeof raw === "string" ? raw.trim() === "" : raw.length === 0);
  if (empty) {
    return question.required ? { ok: false, message: "This question needs an answer." } : { ok: true, value: undefined };
  }
  switch (question.type) {
    case "single_choice":
    case "yes_no":
    case "country": {
      if (typeof raw !== "string") return { ok: false, message: "Choose one option." };
      if (!labelsOf(optionsOf(ruleSet, question)).has(raw)) {
        return { ok: false, message: "That choice is not one of the options offered. Choose again from the list.", notOffered: true };
      }
      return { ok: true, value: raw };
    }
    case "multiple_choice": {
      const values = typeof raw === "string" ? [raw] : raw;
      const offered = optionsOf(ruleSet, question).map((o) => o.value);
      if (values.some((v) => !offered.includes(v))) {
        return { ok: false, message: "One of the choices is not among the options offered. Choose again from the list.", notOffered: true };
      }
      // stored in the order the options are offered, each once
      return { ok: true, value: offered.filter((v) => values.includes(v)) };
    }
    case "free_text": {
      if (typeof raw !== "string") return { ok: false, message: "Enter text." };
      const text = raw.normalize("NFC").trim();
      const max = question.max_length ?? DEFAULT_TEXT_MAX;
      if (text.length > max) {
        return { ok: false, message: `Too long: ${text.length} characters, at most ${max} allowed. Shorten it and submit again.` };
      }
      if (LONE_SURROGATE.test(text)) {
        return { ok: false, message: "Contains a character that is not valid text. Retype it and submit again." };
      }
      if (FORBIDDEN_CHARS.test(text)) {
        return {
          ok: false,
          message: "Contains invisible control or text-direction characters. Retype it without pasting formatting, then submit again.",
        };
      }
      if (!question.multiline && /[\r\n]/.test(text)) return { ok: false, message: "Use a single line." };
      return { ok: true, value: text };
    }
    case "date": {
      if (typeof raw !== "string" || !isIsoDate(raw)) return { ok: false, message: "Enter a date like 2026-03-31." };
      return { ok: true, value: raw };
    }
    case "number": {
      if (typeof raw !== "string") return { ok: false, message: "Enter a number." };
      const cleaned = raw.trim().replace(/[,_\s]/g, "");
      if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return { ok: false, message: "Enter a number using digits only, such as 250000." };
      const n = Number(cleaned);
      if (!Number.isFinite(n) || Math.abs(n) > 1e15) return { ok: false, message: "That number is out of range." };
      if (question.min !== undefined && n < question.min) return { ok: false, message: `Enter at least ${question.min}.` };
      if (question.max !== undefined && n > question.max) return { ok: false, message: `Enter at most ${question.max}.` };
      return { ok: true, value: n };
    }
  }
}

/** A real calendar date written as YYYY-MM-DD (2026-02-30 is not). */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const NUMBER_FORMAT = new Intl.NumberFormat("en-US");

/** A stored answer rendered for people (option labels, country names). */
export function describeAnswer(ruleSet: RuleSet, question: Question, value: AnswerValue | undefined): string {
  if (!isAnswered(value)) return "(not answered)";
  if (typeof value === "number") return NUMBER_FORMAT.format(value);
  const labels = labelsOf(optionsOf(ruleSet, question));
  if (Array.isArray(value)) {
    let text = "";
    for (const v of value) text += (text === "" ? "" : ", ") + (labels.get(v) ?? v);
    return text;
  }
  if (question.type === "free_text" || question.type === "date") return value;
  if (question.type === "country") return referenceOptions(ruleSet).countryNames.get(value) ?? value;
  return labels.get(value) ?? value;
}

export type QuestionIndex = ReadonlyMap<string, { page: Page; question: Question; order: number }>;

/** All questions of the questionnaire by id, with their position. */
export const questionIndex: (ruleSet: RuleSet) => QuestionIndex = perObject((ruleSet) => {
  const index = new Map<string, { page: Page; question: Question; order: number }>();
  let order = 0;
  for (const page of ruleSet.questionnaire.pages) {
    for (const question of page.questions) index.set(question.id, { page, question, order: order++ });
  }
  return index;
});

/**
 * The ISO code of a country given as its code, name or one of its aliases, in any case and with
 * or without accents ("KP", "North Korea", "DPRK", "Democratic People's Republic of Korea",
 * "Cote d'Ivoire"); undefined when none matches.
 */
export function findCountryCode(ruleSet: RuleSet, text: string): string | undefined {
  const key = foldCountryName(text);
  return countryNameIndex(ruleSet).get(key);
}

function foldCountryName(s: string): string {
  return s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[’'`.]/g, "")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

const countryNameIndex = perObject((ruleSet: RuleSet): ReadonlyMap<string, string> => {
  const index = new Map<string, string>();
  for (const c of ruleSet.countries) {
    for (const name of [c.code, c.name, ...(c.aliases ?? [])]) {
      const key = foldCountryName(name);
      if (!index.has(key)) index.set(key, c.code);
    }
  }
  return index;
});
