// The modal behind each decision button: the rationale; for "Approve with conditions" which
// conditions apply; for "Approve under authorisation" the licence or authorisation that makes
// the export lawful despite a hard stop, and optional conditions. Pure.
import type { KnownBlock, ModalView } from "@slack/types";
import type { DecisionOutcome } from "../../domain/approval-policy.js";
import { AUTHORISATION_REFERENCE_MAX, AUTHORITIES, AUTHORITY_LABELS, AUTHORITY_NAME_MAX } from "../../domain/decision-input.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { ACTION, BLOCK, CALLBACK } from "../ids.js";
import { LIMITS, escapeMrkdwn, mrkdwn, plainOption, plainText } from "./text.js";

export const DECISION_TITLES: Record<DecisionOutcome, string> = {
  approve: "Approve",
  approve_with_conditions: "Approve with conditions",
  // "Approve under authorisation" is longer than a modal title may be (24 characters).
  approve_under_authorisation: "Authorised approval",
  reject: "Reject",
  request_info: "Request information",
};

/** The submit button names what pressing it does (at most 24 characters). */
export const DECISION_SUBMIT: Record<DecisionOutcome, string> = {
  approve: "Approve",
  approve_with_conditions: "Approve with conditions",
  approve_under_authorisation: "Approve",
  reject: "Reject",
  request_info: "Send request",
};

const INTRO: Record<DecisionOutcome, string> = {
  approve: "If this tier needs two approvals, yours counts as one and a different approver gives the other.",
  approve_with_conditions:
    "The requester may proceed only under the conditions you set. If this tier needs two approvals, yours counts as one.",
  approve_under_authorisation:
    "A hard stop holds: the rules prohibit this export unless a licence or authorisation makes it lawful. Enter it as issued; it is recorded with your approval and the requester sees it. " +
    "If this tier needs two approvals, yours counts as one; the other approver enters the authorisation too (it may be the same one).",
  reject: "A rejection is final: the requester must not proceed.",
  request_info: "The escalation waits until the requester changes their answers and resubmits; approvals given so far no longer count.",
};

/**
 * What each field asks for agrees with what recording the decision requires
 * (domain/decision-input.ts): a rationale always; for conditions, at least one from the list or
 * in the approver's own words; under authorisation, its reference, issuer and date of issue.
 * Both condition fields are optional to Slack because either one is enough; the listener
 * answers "neither" with MISSING_CONDITION on the list.
 */
export function buildDecisionModal(args: { ruleSet: RuleSet; escalationId: string; reference: string; outcome: DecisionOutcome }): ModalView {
  const { ruleSet, escalationId, reference, outcome } = args;
  const heading = outcome === "approve_under_authorisation" ? "Approve under authorisation" : DECISION_TITLES[outcome];
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: mrkdwn(`*${heading}* ${escapeMrkdwn(reference)}\n${INTRO[outcome]}`),
    },
  ];
  if (outcome === "approve_under_authorisation") blocks.push(...authorisationBlocks());
  blocks.push({
    type: "input",
    block_id: BLOCK.rationale,
    label: plainText(outcome === "request_info" ? "What do you need from the requester?" : "Rationale", LIMITS.label),
    hint: plainText(
      outcome === "request_info"
        ? "Required. The requester gets this in a direct message with a button to edit their answers."
        : "Required. Recorded with your decision for auditors; the requester sees it too.",
      LIMITS.hint,
    ),
    element: { type: "plain_text_input", action_id: ACTION.rationale, multiline: true, max_length: LIMITS.textInput },
  });
  if (outcome === "approve_with_conditions") blocks.push(...conditionBlocks(ruleSet, true));
  if (outcome === "approve_under_authorisation") blocks.push(...conditionBlocks(ruleSet, false));
  return {
    type: "modal",
    callback_id: CALLBACK.decision,
    private_metadata: JSON.stringify({ e: escalationId, o: outcome }),
    title: plainText(DECISION_TITLES[outcome], LIMITS.title),
    submit: plainText(DECISION_SUBMIT[outcome], LIMITS.title),
    close: plainText("Cancel", LIMITS.title),
    blocks,
  };
}

/** The licence or authorisation: reference, issuer (and its name when "other"), date of issue. */
function authorisationBlocks(): KnownBlock[] {
  return [
    {
      type: "input",
      block_id: BLOCK.authorisationReference,
      label: plainText("Licence or authorisation number", LIMITS.label),
      hint: plainText(
        "Required, as on the document: for example a BIS licence number, an OFAC licence, a State Department (DDTC) authorisation or an EU member-state licence.",
        LIMITS.hint,
      ),
      element: {
        type: "plain_text_input",
        action_id: ACTION.authorisationReference,
        max_length: AUTHORISATION_REFERENCE_MAX,
        placeholder: plainText("For example D1234567", LIMITS.placeholder),
      },
    },
    {
      type: "input",
      block_id: BLOCK.authorisationIssuer,
      label: plainText("Issued by", LIMITS.label),
      hint: plainText("Required. The government authority that issued it.", LIMITS.hint),
      element: {
        type: "static_select",
        action_id: ACTION.authorisationIssuer,
        placeholder: plainText("Choose the issuing authority", LIMITS.placeholder),
        options: AUTHORITIES.map((a) => plainOption(a, AUTHORITY_LABELS[a])),
      },
    },
    {
      type: "input",
      block_id: BLOCK.authorisationIssuerName,
      optional: true,
      label: plainText("Name of the issuing authority", LIMITS.label),
      hint: plainText(
        "Required if you chose “Other government authority”. Otherwise optional: for example which member state's authority issued an EU licence.",
        LIMITS.hint,
      ),
      element: { type: "plain_text_input", action_id: ACTION.authorisationIssuerName, max_length: AUTHORITY_NAME_MAX },
    },
    {
      type: "input",
      block_id: BLOCK.authorisationIssuedOn,
      label: plainText("Date of issue", LIMITS.label),
      hint: plainText("Required, as on the document. It cannot be in the future.", LIMITS.hint),
      element: { type: "datepicker", action_id: ACTION.authorisationIssuedOn, placeholder: plainText("Choose a date", LIMITS.placeholder) },
    },
  ];
}

/** Conditions from the rule set's list and in the approver's words; `required`: at least one of the two. */
function conditionBlocks(ruleSet: RuleSet, required: boolean): KnownBlock[] {
  const options = ruleSet.riskModel.approval_conditions.slice(0, LIMITS.optionsPerSelect).map((c) => plainOption(c.id, c.label, c.help));
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: mrkdwn(
        required
          ? "*Conditions* (at least one): choose from the list, write your own, or both."
          : "*Conditions* (optional): any the requester must meet besides the authorisation's own.",
      ),
    },
  ];
  if (options.length > 0) {
    blocks.push({
      type: "input",
      block_id: BLOCK.conditions,
      optional: true,
      label: plainText("Conditions from the list", LIMITS.label),
      hint: plainText(required ? "Leave empty only if you write a condition below." : "Optional.", LIMITS.hint),
      element: {
        type: "multi_static_select",
        action_id: ACTION.conditions,
        placeholder: plainText("Choose conditions", LIMITS.placeholder),
        options,
      },
    });
  }
  const examples = "For example contract clauses, capabilities removed before shipping, or a reassessment date.";
  blocks.push({
    type: "input",
    block_id: BLOCK.conditionsText,
    optional: true,
    label: plainText("Conditions in your own words", LIMITS.label),
    hint: plainText(
      !required
        ? `Optional. ${examples}`
        : options.length > 0
          ? `Leave empty only if you chose from the list. ${examples}`
          : `Required: the rule set lists no conditions to choose from. ${examples}`,
      LIMITS.hint,
    ),
    element: { type: "plain_text_input", action_id: ACTION.conditionsText, multiline: true, max_length: LIMITS.textInput },
  });
  return blocks;
}

/** The block that carries "choose at least one condition": the list, or the text field when the rules list none. */
export function conditionsErrorBlock(ruleSet: RuleSet): string {
  return ruleSet.riskModel.approval_conditions.length > 0 ? BLOCK.conditions : BLOCK.conditionsText;
}
