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

  it("leaves out what is empty or missing", () => {
    expect(parseDecisionState({ decision_rationale: { rationale: { type: "plain_text_input", value: null } } })).toEqual({ conditions: [] });
    expect(parseDecisionState(undefined)).toEqual({ conditions: [] });
  });

  it("never throws", () => {
    fc.assert(fc.property(fc.anything(), (v) => Array.isArray(parseDecisionState(v).conditions)));
  });
});
