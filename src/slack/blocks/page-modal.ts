// One questionnaire page as a modal: one input block per question in force, prefilled with what
// the requester left typed on it (a draft), else the answers saved so far. Pure.
import type { InputBlock, InputBlockElement, KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { countryOptionLabel, optionsOf, type PageInForce } from "../../domain/interview.js";
import type { AnswerValue, Answers, Question, RuleSet } from "../../domain/rule-set.js";
import { DEFAULT_TEXT_MAX } from "../../domain/interview.js";
import { isUnconfirmedRenewalPage } from "../../domain/rescreening.js";
import { ACTION, BLOCK, CALLBACK } from "../ids.js";
import { pageMetadata } from "../parse/metadata.js";
import { renewalPageNote } from "./rescreening.js";
import { LIMITS, escapeMrkdwn, mrkdwn, plainOption, plainText, safeMrkdwn, truncate } from "./text.js";

export interface PageModalArgs {
  ruleSet: RuleSet;
  screening: { id: string; reference: string };
  page: PageInForce;
  /** saved answers, to prefill the inputs */
  answers: Answers;
  /** what was typed on this page and left unsaved (question id → raw value, null when left empty); wins over `answers` */
  draft?: Readonly<Record<string, string | string[] | null>> | undefined;
  /** 0-based index among the pages in force, and how many there are */
  position: { index: number; count: number };
  /** how many steps the page before this one said there were, to say when answers changed that */
  shownCount?: number | undefined;
  isLast: boolean;
  /** a re-screening: the reference of the screening it renews, whose answers fill pages not yet confirmed */
  renews?: string | undefined;
}

export const PAGE_SUBMIT = "Next";
export const LAST_PAGE_SUBMIT = "Review answers";

/** Up to this many options a single choice shows as radio buttons, else a select menu. */
export const RADIO_MAX = 5;
/** Up to this many options a multiple choice shows as checkboxes, else a multi-select menu. */
export const CHECKBOX_MAX = 10;

export function buildPageModal(args: PageModalArgs): ModalView {
  const { ruleSet, screening, page, answers, draft, position, isLast } = args;
  const submit = isLast ? LAST_PAGE_SUBMIT : PAGE_SUBMIT;
  const progress = [escapeMrkdwn(screening.reference), progressText(position), stepChangeText(args.shownCount, position.count)];
  const blocks: KnownBlock[] = [{ type: "context", elements: [mrkdwn(progress.filter((t) => t !== undefined).join(" · "))] }];
  if (args.renews && isUnconfirmedRenewalPage({ reference: args.renews }, page.questions.map((q) => q.id), answers, draft ?? undefined)) {
    blocks.push(renewalPageNote(args.renews));
  }
  if (page.page.intro) blocks.push({ type: "section", text: mrkdwn(safeMrkdwn(page.page.intro)) });
  for (const question of page.questions) {
    const typed = draft && Object.hasOwn(draft, question.id) ? (draft[question.id] ?? undefined) : answers[question.id];
    blocks.push(buildQuestionInput(ruleSet, question, typed));
  }
  if (position.index > 0) {
    blocks.push({
      type: "actions",
      block_id: BLOCK.pageNav,
      elements: [{ type: "button", action_id: ACTION.back, text: plainText("Back", LIMITS.button), value: page.page.id }],
    });
  }
  return {
    type: "modal",
    callback_id: CALLBACK.page,
    private_metadata: pageMetadata({ screeningId: screening.id, pageId: page.page.id, stepCount: position.count }),
    notify_on_close: true,
    title: plainText(page.page.title, LIMITS.title),
    submit: plainText(submit, LIMITS.title),
    close: plainText("Save & close", LIMITS.title),
    blocks,
  };
}

/** "Step 2 of 4": where the requester is among the pages in force for their answers so far. */
export function progressText(position: { index: number; count: number }): string {
  return `Step ${position.index + 1} of ${position.count}`;
}

/** "Your answers added 2 steps" when the count differs from what the page before showed. */
export function stepChangeText(shownCount: number | undefined, count: number): string | undefined {
  if (shownCount === undefined || shownCount === count) return undefined;
  const change = Math.abs(count - shownCount);
  const steps = change === 1 ? "a step" : `${change} steps`;
  return `Your answers ${count > shownCount ? "added" : "removed"} ${steps}`;
}

/**
 * The input block of one question, prefilled with `value` when it fits the question. The hint is
 * the question's help only: sources and citations are for approvers, not the requester's form.
 */
export function buildQuestionInput(ruleSet: RuleSet, question: Question, value: AnswerValue | undefined): InputBlock {
  return {
    type: "input",
    block_id: BLOCK.question(question.id),
    label: plainText(question.label, LIMITS.label),
    optional: !question.required,
    ...(question.help ? { hint: plainText(question.help, LIMITS.hint) } : {}),
    element: questionElement(ruleSet, question, value),
  };
}

/** Options of a choice question as Block Kit options (plain text, within limits). */
export function questionOptions(ruleSet: RuleSet, question: Question): PlainTextOption[] {
  return optionsOf(ruleSet, question).map((o) => plainOption(o.value, o.label, o.help));
}

export interface OptionGroup {
  label: { type: "plain_text"; text: string; emoji?: boolean };
  options: PlainTextOption[];
}

/** Countries grouped by the first letter of their name, each group within Slack's 100 options. */
export function countryOptionGroups(ruleSet: RuleSet): OptionGroup[] {
  const byLetter = new Map<string, PlainTextOption[]>();
  const sorted = [...ruleSet.countries].sort((a, b) => a.name.localeCompare(b.name, "en"));
  for (const c of sorted) {
    const letter = firstLetter(c.name);
    const list = byLetter.get(letter) ?? [];
    list.push(plainOption(c.code, countryOptionLabel(c)));
    byLetter.set(letter, list);
  }
  const groups: OptionGroup[] = [];
  for (const [letter, options] of [...byLetter].sort(([a], [b]) => a.localeCompare(b, "en"))) {
    const chunks = chunk(options, LIMITS.optionsPerSelect);
    chunks.forEach((opts, i) => {
      const label = chunks.length > 1 ? `${letter} (${i + 1})` : letter;
      groups.push({ label: plainText(label, LIMITS.optionText), options: opts });
    });
  }
  return groups.slice(0, LIMITS.optionGroups);
}

function firstLetter(name: string): string {
  const base = name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").trim();
  const ch = base.charAt(0).toUpperCase();
  return /[A-Z]/.test(ch) ? ch : "#";
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function questionElement(ruleSet: RuleSet, q: Question, value: AnswerValue | undefined): InputBlockElement {
  const action_id = ACTION.answer;
  const placeholder = (fallback: string) => plainText(q.placeholder ?? fallback, LIMITS.placeholder);
  switch (q.type) {
    case "yes_no":
    case "single_choice": {
      const options = questionOptions(ruleSet, q);
      const initial = typeof value === "string" ? options.find((o) => o.value === value) : undefined;
      const init = initial ? { initial_option: initial } : {};
      if (q.type === "yes_no" || options.length <= RADIO_MAX) return { type: "radio_buttons", action_id, options, ...init };
      return { type: "static_select", action_id, placeholder: placeholder("Choose one"), ...selectOptions(options), ...init };
    }
    case "multiple_choice": {
      const options = questionOptions(ruleSet, q);
      const chosen = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
      const initial = options.filter((o) => o.value !== undefined && chosen.includes(o.value));
      const init = initial.length > 0 ? { initial_options: initial } : {};
      if (options.length <= CHECKBOX_MAX) return { type: "checkboxes", action_id, options, ...init };
      return { type: "multi_static_select", action_id, placeholder: placeholder("Choose all that apply"), ...selectOptions(options), ...init };
    }
    case "country": {
      const option_groups = countryOptionGroups(ruleSet);
      const initial = typeof value === "string" ? option_groups.flatMap((g) => g.options).find((o) => o.value === value) : undefined;
      return { type: "static_select", action_id, placeholder: placeholder("Choose a country"), option_groups, ...(initial ? { initial_option: initial } : {}) };
    }
    case "free_text": {
      const max = Math.min(q.max_length ?? DEFAULT_TEXT_MAX, LIMITS.textInput);
      const initial = typeof value === "string" && value !== "" ? { initial_value: truncate(value, max) } : {};
      return {
        type: "plain_text_input",
        action_id,
        multiline: q.multiline,
        max_length: max,
        ...(q.placeholder ? { placeholder: plainText(q.placeholder, LIMITS.placeholder) } : {}),
        ...initial,
      };
    }
    case "date": {
      const initial = typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) ? { initial_date: value } : {};
      return { type: "datepicker", action_id, placeholder: placeholder("Choose a date"), ...initial };
    }
    case "number": {
      const initial =
        typeof value === "number" && Number.isFinite(value)
          ? { initial_value: String(value) }
          : typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)
            ? { initial_value: value }
            : {};
      return {
        type: "number_input",
        action_id,
        is_decimal_allowed: true,
        ...(q.min !== undefined ? { min_value: String(q.min) } : {}),
        ...(q.max !== undefined ? { max_value: String(q.max) } : {}),
        ...(q.placeholder ? { placeholder: plainText(q.placeholder, LIMITS.placeholder) } : {}),
        ...initial,
      };
    }
  }
}

/** `options` when they fit one select menu, else groups of at most 100. */
function selectOptions(options: PlainTextOption[]): { options: PlainTextOption[] } | { option_groups: OptionGroup[] } {
  if (options.length <= LIMITS.optionsPerSelect) return { options };
  const groups = chunk(options, LIMITS.optionsPerSelect).map((opts, i) => ({
    label: plainText(`Options ${i * LIMITS.optionsPerSelect + 1}–${i * LIMITS.optionsPerSelect + opts.length}`, LIMITS.optionText),
    options: opts,
  }));
  return { option_groups: groups.slice(0, LIMITS.optionGroups) };
}
