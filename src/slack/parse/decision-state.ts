// The decision modal's view.state.values → rationale, chosen condition ids, free-text
// conditions, and (Approve under authorisation) the licence or authorisation: its reference,
// issuer, the issuer's name and the date of issue. Missing or malformed input is left out; never
// throws. The listener checks the text with the domain's rules and the service checks condition
// ids against the rule set and the authorisation with domain/decision-input.ts.
import { ACTION, BLOCK } from "../ids.js";
import { elementState } from "./state.js";

export interface DecisionState {
  rationale?: string;
  /** ids of approval conditions, without duplicates, in the order chosen */
  conditions: string[];
  conditionsText?: string;
  authorisationReference?: string;
  /** the chosen option's value (an authority id, unchecked) */
  authorisationIssuer?: string;
  authorisationIssuerName?: string;
  /** as the datepicker sends it (YYYY-MM-DD, unchecked) */
  authorisationIssuedOn?: string;
}

export function parseDecisionState(values: unknown): DecisionState {
  const rationale = elementState(values, BLOCK.rationale, ACTION.rationale)?.value ?? undefined;
  const conditionsText = elementState(values, BLOCK.conditionsText, ACTION.conditionsText)?.value ?? undefined;
  const selected = elementState(values, BLOCK.conditions, ACTION.conditions)?.selected_options ?? [];
  const reference = elementState(values, BLOCK.authorisationReference, ACTION.authorisationReference)?.value ?? undefined;
  const issuer = elementState(values, BLOCK.authorisationIssuer, ACTION.authorisationIssuer)?.selected_option?.value ?? undefined;
  const issuerName = elementState(values, BLOCK.authorisationIssuerName, ACTION.authorisationIssuerName)?.value ?? undefined;
  const issuedOn = elementState(values, BLOCK.authorisationIssuedOn, ACTION.authorisationIssuedOn)?.selected_date ?? undefined;
  return {
    ...(rationale !== undefined ? { rationale } : {}),
    conditions: [...new Set(selected.map((o) => o.value))],
    ...(conditionsText !== undefined ? { conditionsText } : {}),
    ...(reference !== undefined ? { authorisationReference: reference } : {}),
    ...(issuer !== undefined ? { authorisationIssuer: issuer } : {}),
    ...(issuerName !== undefined ? { authorisationIssuerName: issuerName } : {}),
    ...(issuedOn !== undefined ? { authorisationIssuedOn: issuedOn } : {}),
  };
}
