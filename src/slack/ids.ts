// Every callback_id, action_id and block_id the bot uses, in one place. Listeners match on
// these; builders emit them; nothing else invents ids.
import { DECISION_OUTCOMES, type DecisionOutcome } from "../domain/approval-policy.js";

export const CALLBACK = {
  page: "screening_page",
  review: "screening_review",
  result: "screening_result",
  decision: "escalation_decision",
  /** the placeholder opened at once while the screening is fetched or created */
  loading: "screening_loading",
  /** every answer of a screening, its reference facts and factors (View answers, Details) */
  answers: "screening_answers",
  /** the requester's written reply to compliance after "Request info" */
  reply: "compliance_reply",
  /** compliance's resolution of a potential restricted-party match (the reason) */
  matchResolution: "party_match_resolution",
  /** the misuse-report form (/screening report, the Report misuse shortcut) */
  misuseReport: "misuse_report",
  /** Close with rationale on a misuse report: the rationale */
  misuseReportClose: "misuse_report_close",
} as const;

/** Shortcuts (manifest.yml features.shortcuts): their callback_id. */
export const SHORTCUT = {
  /** message shortcut "Report misuse": the report form, with the message as evidence */
  reportMisuse: "report_misuse",
} as const;

export const ACTION = {
  /** one per decision button in the channel message; value = escalation id */
  decide: {
    approve: "decide_approve",
    approve_with_conditions: "decide_approve_with_conditions",
    approve_under_authorisation: "decide_approve_under_authorisation",
    reject: "decide_reject",
    request_info: "decide_request_info",
  } satisfies Record<DecisionOutcome, string>,
  /** in the requester's DM after "Request info", and on the Home tab; value = screening id */
  reopen: "reopen_screening",
  /** Home tab: continue a draft; value = screening id */
  resume: "resume_screening",
  /** per potential list match in the escalation message (suffixed with the match's number); value = screening id|match number|entry id */
  resolveMatch: {
    confirmed: "match_confirmed",
    not_same_party: "match_not_same_party",
  },
  /** the reason input of the match-resolution modal */
  matchReason: "match_reason",
  /** Home tab: start a new screening */
  start: "start_screening",
  /** escalation message (View answers) and /screening status (Details): every answer in a modal; value = screening id */
  viewAnswers: "view_answers",
  /** in the requester's DM after "Request info": write a reply to compliance; value = screening id */
  reply: "reply_to_compliance",
  /** the reply modal's text input */
  replyText: "reply_text",
  /** review modal: go back to a page to change answers; value = page id */
  editPage: "edit_page",
  /** page modal: back to the previous page, keeping what was typed on this one as a draft */
  back: "page_back",
  /** the re-screening prompt (DM, or the compliance channel when the requester left): value = screening id to renew */
  startRescreening: "start_rescreening",
  /** the single element inside each question's input block */
  answer: "answer",
  /** the buttons of a misuse report's channel message; value = report id */
  report: {
    acknowledge: "report_acknowledge",
    reassess: "report_reassess",
    close: "report_close",
  },
  /** the single element inside each input block of the misuse-report forms */
  reportField: "report_field",
  rationale: "rationale",
  conditions: "conditions",
  conditionsText: "conditions_text",
  /** decision modal, Approve under authorisation: the licence or authorisation */
  authorisationReference: "authorisation_reference",
  authorisationIssuer: "authorisation_issuer",
  authorisationIssuerName: "authorisation_issuer_name",
  authorisationIssuedOn: "authorisation_issued_on",
} as const;

export const BLOCK = {
  /** input block of a question: q:<question id> */
  question: (questionId: string) => `q:${questionId}`,
  rationale: "decision_rationale",
  conditions: "decision_conditions",
  conditionsText: "decision_conditions_text",
  authorisationReference: "decision_authorisation_reference",
  authorisationIssuer: "decision_authorisation_issuer",
  authorisationIssuerName: "decision_authorisation_issuer_name",
  authorisationIssuedOn: "decision_authorisation_issued_on",
  decisionActions: "decision_actions",
  reviewActions: "review_actions",
  pageNav: "page_nav",
  /** the escalation message's actions once the decision is final (View answers only) */
  answersActions: "answers_actions",
  /** the Details button under /screening status */
  statusActions: "status_actions",
  /** the re-screening prompt's buttons */
  reviewPromptActions: "review_prompt_actions",
  /** input block of the reply modal */
  reply: "reply_text",
  /** the reason input block of the match-resolution modal */
  matchReason: "match_reason",
  /** the escalation message's buttons for one potential list match: match_actions:<number> */
  matchActions: (index: number) => `match_actions:${index}`,
  /** the misuse-report form's input blocks, by field (domain/misuse-reports.ts REPORT_FIELDS) */
  report: {
    item: "report_item",
    parties: "report_parties",
    country: "report_country",
    happened: "report_happened",
    evidence: "report_evidence",
    screening: "report_screening",
    anonymous: "report_anonymous",
  },
  /** the buttons of a misuse report's channel message */
  reportActions: "report_actions",
  /** the rationale input of Close with rationale */
  reportRationale: "report_rationale",
} as const;

export const QUESTION_BLOCK_PREFIX = "q:";

export function decisionOutcomeForAction(actionId: string): DecisionOutcome | undefined {
  return DECISION_OUTCOMES.find((outcome) => ACTION.decide[outcome] === actionId);
}

/**
 * Buttons repeated in one view (an Edit per page, a Continue per screening) get an action id
 * made unique with a suffix; listeners match the family with `actionFamily`.
 */
export function uniqueActionId(actionId: string, suffix: string): string {
  return `${actionId}:${suffix}`.slice(0, 255);
}

export function actionFamily(actionId: string): RegExp {
  return new RegExp(`^${actionId}(:.*)?$`);
}
