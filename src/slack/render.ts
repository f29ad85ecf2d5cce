// Interview steps → the modal that shows them.
import type { View } from "@slack/types";
import type { RuleSet } from "../domain/rule-set.js";
import type { InterviewStep } from "../services/interview.js";
import { buildPageModal } from "./blocks/page-modal.js";
import { buildReviewModal } from "./blocks/review-modal.js";

/**
 * `shownCount`: the step count the page the requester just left showed (from its metadata), so
 * that the next page can say when their answers added or removed steps.
 */
export function renderStep(ruleSet: RuleSet, step: InterviewStep, opts: { shownCount?: number | undefined } = {}): View {
  if (step.kind === "page") {
    return buildPageModal({
      ruleSet,
      screening: { id: step.screening.id, reference: step.screening.reference },
      page: step.page,
      answers: step.answers,
      draft: step.draft,
      position: step.position,
      shownCount: opts.shownCount,
      isLast: step.isLast,
      renews: step.screening.renews?.reference,
    });
  }
  return buildReviewModal({
    ruleSet,
    screening: { id: step.screening.id, reference: step.screening.reference },
    pages: step.pages,
    answers: step.answers,
    missing: step.missing,
  });
}
