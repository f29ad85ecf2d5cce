// Which answers changed between two submissions of one screening (a resubmission after
// "Request info"), compared as the questionnaire reads them: only answers to questions in
// force on either side count, in questionnaire order. Pure.
import { interviewState, questionIndex } from "./interview.js";
import type { AnswerValue, Answers, RuleSet } from "./rule-set.js";

export interface AnswerChange {
  questionId: string;
  /** undefined: not answered then, or the question was not asked then */
  before?: AnswerValue | undefined;
  /** undefined: not answered now, or the question is no longer asked */
  after?: AnswerValue | undefined;
}

/**
 * Answers that differ between `before` and `after`. An answer left behind on a question that is
 * no longer shown is not an answer (it is never scored), so it counts as removed.
 */
export function changedAnswers(ruleSet: RuleSet, before: Answers, after: Answers): AnswerChange[] {
  const was = interviewState(ruleSet, before).effectiveAnswers;
  const now = interviewState(ruleSet, after).effectiveAnswers;
  const order = questionIndex(ruleSet);
  const ids = new Set([...Object.keys(was), ...Object.keys(now)]);
  return [...ids]
    .filter((id) => !sameAnswer(was[id], now[id]))
    .sort((a, b) => (order.get(a)?.order ?? Number.MAX_SAFE_INTEGER) - (order.get(b)?.order ?? Number.MAX_SAFE_INTEGER))
    .map((questionId) => ({ questionId, before: was[questionId], after: now[questionId] }));
}

function sameAnswer(a: AnswerValue | undefined, b: AnswerValue | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}
