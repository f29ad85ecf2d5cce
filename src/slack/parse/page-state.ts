// A page modal's view.state.values → the raw answer of each question (as the domain's
// checkAnswer expects it). Missing or malformed input is undefined; never throws: whether an
// answer is required or valid is the domain's decision, not the parser's.
import type { Question } from "../../domain/rule-set.js";
import { ACTION, BLOCK } from "../ids.js";
import { elementState } from "./state.js";

export type RawAnswers = Record<string, string | string[] | undefined>;

export function parsePageState(values: unknown, questions: readonly Question[]): RawAnswers {
  const raw: RawAnswers = {};
  for (const q of questions) {
    const state = elementState(values, BLOCK.question(q.id), ACTION.answer);
    raw[q.id] = state ? readAnswer(q, state) : undefined;
  }
  return raw;
}

/** What was typed on a page, kept as a draft: question id → raw value, null when left empty. */
export type DraftValues = Record<string, string | string[] | null>;

/**
 * A page modal's view.state.values → a draft of the page, for Back and closing the modal: only
 * the questions whose input the payload reports (an input it leaves out, or sends malformed, is
 * not known to have changed, so the draft says nothing about it).
 */
export function parsePageDraft(values: unknown, questions: readonly Question[]): DraftValues {
  const draft: DraftValues = {};
  for (const q of questions) {
    const state = elementState(values, BLOCK.question(q.id), ACTION.answer);
    if (state) draft[q.id] = readAnswer(q, state) ?? null;
  }
  return draft;
}

function readAnswer(q: Question, state: NonNullable<ReturnType<typeof elementState>>): string | string[] | undefined {
  switch (q.type) {
    case "single_choice":
    case "yes_no":
    case "country":
      return state.selected_option?.value ?? undefined;
    case "multiple_choice": {
      const values = state.selected_options?.map((o) => o.value);
      return values && values.length > 0 ? values : undefined;
    }
    case "free_text":
    case "number":
      return state.value ?? undefined;
    case "date":
      return state.selected_date ?? undefined;
  }
}
