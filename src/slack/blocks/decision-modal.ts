// The modal behind each decision button: the rationale, and for "Approve with conditions"
// which conditions apply. Pure.
import type { KnownBlock, ModalView } from "@slack/types";
import type { DecisionOutcome } from "../../domain/approval-policy.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { ACTION, BLOCK, CALLBACK } from "../ids.js";
import { LIMITS, escapeMrkdwn, mrkdwn, plainOption, plainText } from "./text.js";

export const DECISION_TITLES: Record<DecisionOutcome, string> = {
  approve: "Approve",
  approve_with_conditions: "Approve with conditions",
  reject: "Reject",
  request_info: "Request information",
};

/** The submit button names what pressing it does (at most 24 characters). */
export const DECISION_SUBMIT: Record<DecisionOutcome, string> = {
  approve: "Approve",
  approve_with_conditions: "Approve with conditions",
  reject: "Reject",
  request_info: "Send request",
};

const INTRO: Record<DecisionOutcome, string> = {
  approve: "If this tier needs two approvals, yours counts as one and a different approver gives the other.",
  approve_with_conditions:
    "The requester may proceed only under the conditions you set. If this tier needs two approvals, yours counts as one.",
  reject: "A rejection is final: the requester must not proceed.",
  request_info: "The escalation waits until the requester changes their answers and resubmits; approvals given so far no longer count.",
};

/**
 * What each field asks for agrees with what recording the decision requires
 * (domain/decision-input.ts): a rationale always; for conditions, at least one from the list or
 * in the approver's own words. Both condition fields are optional to Slack because either one
 * is enough; the listener answers "neither" with MISSING_CONDITION on the list.
 */
export function buildDecisionModal(args: { ruleSet: RuleSet; escalationId: string; reference: string; outcome: DecisionOutcome }): ModalView {
  const { ruleSet, escalationId, reference, outcome } = args;
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: mrkdwn(`*${DECISION_TITLES[outcome]}* ${escapeMrkdwn(reference)}\n${INTRO[outcome]}`),
    },
    {
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
    },
  ];
  if (outcome === "approve_with_conditions") {
    const options = ruleSet.riskModel.approval_conditions
      .slice(0, LIMITS.optionsPerSelect)
      .map((c) => plainOption(c.id, c.label, c.help));
    blocks.push({ type: "section", text: mrkdwn("*Conditions* (at least one): choose from the list, write your own, or both.") });
    if (options.length > 0) {
      blocks.push({
        type: "input",
        block_id: BLOCK.conditions,
        optional: true,
        label: plainText("Conditions from the list", LIMITS.label),
        hint: plainText("Leave empty only if you write a condition below.", LIMITS.hint),
        element: {
          type: "multi_static_select",
          action_id: ACTION.conditions,
          placeholder: plainText("Choose conditions", LIMITS.placeholder),
          options,
        },
      });
    }
    blocks.push({
      type: "input",
      block_id: BLOCK.conditionsText,
      optional: true,
      label: plainText("Conditions in your own words", LIMITS.label),
      hint: plainText(
        options.length > 0
          ? "Leave empty only if you chose from the list. For example contract clauses, capabilities removed before shipping, or a reassessment date."
          : "Required: the rule set lists no conditions to choose from. For example contract clauses, capabilities removed before shipping, or a reassessment date.",
        LIMITS.hint,
      ),
      element: { type: "plain_text_input", action_id: ACTION.conditionsText, multiline: true, max_length: LIMITS.textInput },
    });
  }
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

/** The block that carries "choose at least one condition": the list, or the text field when the rules list none. */
export function conditionsErrorBlock(ruleSet: RuleSet): string {
  return ruleSet.riskModel.approval_conditions.length > 0 ? BLOCK.conditions : BLOCK.conditionsText;
}
