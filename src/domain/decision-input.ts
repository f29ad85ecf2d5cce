// What a decision must carry besides who takes it (approval-policy.ts decides that): the
// rationale, and for "Approve with conditions" at least one condition. One rule, used by the
// decision modal's field errors and enforced again by the use case that records it. Pure.
import type { DecisionOutcome } from "./approval-policy.js";

export interface DecisionInput {
  rationale: string;
  /** ids of approval conditions from the rule set */
  conditions: readonly string[];
  /** conditions in the approver's own words */
  conditionsText: string | null;
}

/** Problems by field; an empty object means the decision may be recorded. */
export interface DecisionInputProblems {
  rationale?: string;
  conditions?: string;
}

export const MISSING_RATIONALE: Record<DecisionOutcome, string> = {
  approve: "Write why you approve: it is recorded with your decision and the requester sees it.",
  approve_with_conditions: "Write why you approve: it is recorded with your decision and the requester sees it.",
  reject: "Write why you reject: it is recorded with your decision and the requester sees it.",
  request_info: "Write what you need from the requester: they get it in a direct message.",
};

export const MISSING_CONDITION = "Choose at least one condition from the list, or write one in your own words below.";

export function decisionInputProblems(outcome: DecisionOutcome, input: DecisionInput): DecisionInputProblems {
  const problems: DecisionInputProblems = {};
  if (input.rationale.trim() === "") problems.rationale = MISSING_RATIONALE[outcome];
  if (outcome === "approve_with_conditions" && input.conditions.length === 0 && (input.conditionsText ?? "").trim() === "") {
    problems.conditions = MISSING_CONDITION;
  }
  return problems;
}
