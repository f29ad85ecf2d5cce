import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDecisionState } from "../../../src/slack/parse/decision-state.js";

describe("parseDecisionState", () => {
  it("reads rationale, conditions (deduplicated) and free-text conditions", () => {
    expect(
      parseDecisionState({
        decision_rationale: { rationale: { type: "plain_text_input", value: "Fine." } },
        decision_conditions: { conditions: { type: "multi_static_select", selected_options: [{ value: "a" }, { value: "b" }, { value: "a" }] } },
        decision_conditions_text: { conditions_text: { type: "plain_text_input", value: "No resale." } },
      }),
    ).toEqual({ rationale: "Fine.", conditions: ["a", "b"], conditionsText: "No resale." });
  });

  it("reads the licence or authorisation: reference, issuer, the issuer's name and the date of issue", () => {
    expect(
      parseDecisionState({
        decision_rationale: { rationale: { type: "plain_text_input", value: "Licensed." } },
        decision_authorisation_reference: { authorisation_reference: { type: "plain_text_input", value: "D1234567" } },
        decision_authorisation_issuer: { authorisation_issuer: { type: "static_select", selected_option: { value: "other" } } },
        decision_authorisation_issuer_name: { authorisation_issuer_name: { type: "plain_text_input", value: "Ministry of Economy" } },
        decision_authorisation_issued_on: { authorisation_issued_on: { type: "datepicker", selected_date: "2026-10-01" } },
      }),
    ).toEqual({
      rationale: "Licensed.",
      conditions: [],
      authorisationReference: "D1234567",
      authorisationIssuer: "other",
      authorisationIssuerName: "Ministry of Economy",
      authorisationIssuedOn: "2026-10-01",
    });
    expect(
      parseDecisionState({
        decision_authorisation_issuer: { authorisation_issuer: { type: "static_select", selected_option: null } },
        decision_authorisation_issued_on: { authorisation_issued_on: { type: "datepicker", selected_date: null } },
      }),
    ).toEqual({ conditions: [] });
  });

  it("leaves out what is empty or missing", () => {
    expect(parseDecisionState({ decision_rationale: { rationale: { type: "plain_text_input", value: null } } })).toEqual({ conditions: [] });
    expect(parseDecisionState(undefined)).toEqual({ conditions: [] });
  });

  it("never throws", () => {
    fc.assert(fc.property(fc.anything(), (v) => Array.isArray(parseDecisionState(v).conditions)));
  });
});
