// The decision modal's view.state.values → rationale, chosen condition ids and free-text
// conditions. Missing or malformed input is left out; never throws. The listener checks the
// text with the domain's rules and the service checks condition ids against the rule set.
import { ACTION, BLOCK } from "../ids.js";
import { elementState } from "./state.js";

export interface DecisionState {
  rationale?: string;
  /** ids of approval conditions, without duplicates, in the order chosen */
  conditions: string[];
  conditionsText?: string;
}

export function parseDecisionState(values: unknown): DecisionState {
  const rationale = elementState(values, BLOCK.rationale, ACTION.rationale)?.value ?? undefined;
  const conditionsText = elementState(values, BLOCK.conditionsText, ACTION.conditionsText)?.value ?? undefined;
  const selected = elementState(values, BLOCK.conditions, ACTION.conditions)?.selected_options ?? [];
  return {
    ...(rationale !== undefined ? { rationale } : {}),
    conditions: [...new Set(selected.map((o) => o.value))],
    ...(conditionsText !== undefined ? { conditionsText } : {}),
  };
}
