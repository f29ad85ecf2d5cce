import type { AnyBlock, InputBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { DECISION_OUTCOMES } from "../../../src/domain/approval-policy.js";
import { MISSING_CONDITION, MISSING_RATIONALE, decisionInputProblems } from "../../../src/domain/decision-input.js";
import { buildDecisionModal, conditionsErrorBlock } from "../../../src/slack/blocks/decision-modal.js";
import { ACTION, BLOCK, CALLBACK } from "../../../src/slack/ids.js";
import { parseDecisionMetadata } from "../../../src/slack/parse/metadata.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems } from "./block-kit-limits.js";
import { ESCALATION_ID } from "./fixtures.js";

const isInput = (b: AnyBlock): b is InputBlock => b.type === "input";
const NOW = new Date("2026-12-01T12:00:00Z");

describe("buildDecisionModal", () => {
  const ruleSet = tinyRuleSet();
  const build = (outcome: (typeof DECISION_OUTCOMES)[number]) => buildDecisionModal({ ruleSet, escalationId: ESCALATION_ID, reference: "DD-2026-0007", outcome });

  it("carries the escalation and outcome in its metadata, which parses back", () => {
    for (const outcome of DECISION_OUTCOMES) {
      const view = build(outcome);
      expect(view.callback_id).toBe(CALLBACK.decision);
      expect(view.private_metadata).toBe(JSON.stringify({ e: ESCALATION_ID, o: outcome }));
      expect(parseDecisionMetadata(view.private_metadata)).toEqual({ escalationId: ESCALATION_ID, outcome });
      expect(view.submit?.text.length).toBeLessThanOrEqual(24);
      expect(view.title.text.length).toBeLessThanOrEqual(24);
      expect(blockKitProblems("modal", view)).toEqual([]);
    }
  });

  it("titles the modal by outcome", () => {
    expect(DECISION_OUTCOMES.map((o) => build(o).title.text)).toEqual(["Approve", "Approve with conditions", "Authorised approval", "Reject", "Request information"]);
  });

  it("submits with a verb that names the decision", () => {
    expect(DECISION_OUTCOMES.map((o) => build(o).submit?.text)).toEqual(["Approve", "Approve with conditions", "Approve", "Reject", "Send request"]);
  });

  it("asks for a required multiline rationale of at most 3000 characters", () => {
    const rationale = build("approve").blocks.filter(isInput).find((b) => b.block_id === BLOCK.rationale);
    expect(rationale?.optional).toBeFalsy();
    expect(rationale?.label.text).toBe("Rationale");
    expect(rationale?.element).toMatchObject({ type: "plain_text_input", action_id: ACTION.rationale, multiline: true, max_length: 3000 });
  });

  it("asks what is needed from the requester when requesting info", () => {
    const rationale = build("request_info").blocks.filter(isInput).find((b) => b.block_id === BLOCK.rationale);
    expect(rationale?.label.text).toBe("What do you need from the requester?");
  });

  it("offers conditions only for 'Approve with conditions': two fields Slack treats as optional, and words saying at least one is required", () => {
    for (const outcome of ["approve", "reject", "request_info"] as const) {
      expect(build(outcome).blocks.filter(isInput).map((b) => b.block_id)).toEqual([BLOCK.rationale]);
    }
    const view = build("approve_with_conditions");
    const inputs = view.blocks.filter(isInput);
    expect(inputs.map((b) => b.block_id)).toEqual([BLOCK.rationale, BLOCK.conditions, BLOCK.conditionsText]);
    const [, conditions, text] = inputs;
    expect(conditions?.optional).toBe(true);
    expect(conditions?.element).toMatchObject({ type: "multi_static_select", action_id: ACTION.conditions, options: [{ value: "hr_clause", text: { text: "Human-rights clause" } }] });
    expect(text?.optional).toBe(true);
    expect(text?.element).toMatchObject({ type: "plain_text_input", action_id: ACTION.conditionsText, multiline: true, max_length: 3000 });
    expect(conditions?.label.text).toBe("Conditions from the list");
    expect(conditions?.hint?.text).toBe("Leave empty only if you write a condition below.");
    expect(text?.label.text).toBe("Conditions in your own words");
    expect(text?.hint?.text).toMatch(/^Leave empty only if you chose from the list\./);
    expect(JSON.stringify(view.blocks)).toContain("*Conditions* (at least one): choose from the list, write your own, or both.");
    // the error the listener gives for neither agrees with the words and lands on the list
    expect(MISSING_CONDITION).toMatch(/at least one condition from the list, or write one in your own words/);
    expect(conditionsErrorBlock(ruleSet)).toBe(BLOCK.conditions);
    expect(decisionInputProblems("approve_with_conditions", { rationale: "ok", conditions: [], conditionsText: "  " }, NOW)).toEqual({ conditions: MISSING_CONDITION });
    expect(decisionInputProblems("approve_with_conditions", { rationale: "ok", conditions: [], conditionsText: "Reassess in 2027" }, NOW)).toEqual({});
    expect(decisionInputProblems("approve_with_conditions", { rationale: "ok", conditions: ["hr_clause"], conditionsText: null }, NOW)).toEqual({});
  });

  it("without conditions in the rule set, asks for them in words and puts the error there", () => {
    const bare = { ...ruleSet, riskModel: { ...ruleSet.riskModel, approval_conditions: [] } };
    const view = buildDecisionModal({ ruleSet: bare, escalationId: ESCALATION_ID, reference: "DD-2026-0007", outcome: "approve_with_conditions" });
    const inputs = view.blocks.filter(isInput);
    expect(inputs.map((b) => b.block_id)).toEqual([BLOCK.rationale, BLOCK.conditionsText]);
    expect(inputs[1]?.hint?.text).toMatch(/^Required/);
    expect(conditionsErrorBlock(bare)).toBe(BLOCK.conditionsText);
    expect(blockKitProblems("modal", view)).toEqual([]);
  });

  it("says in the rationale's hint that it is required, as recording the decision requires it", () => {
    for (const outcome of DECISION_OUTCOMES) {
      const rationale = build(outcome).blocks.filter(isInput).find((b) => b.block_id === BLOCK.rationale);
      expect(rationale?.hint?.text).toMatch(/^Required\./);
      expect(decisionInputProblems(outcome, { rationale: " \n ", conditions: ["hr_clause"], conditionsText: null }, NOW).rationale).toBe(MISSING_RATIONALE[outcome]);
    }
  });

  it("under authorisation asks for the licence or authorisation: number, issuer (with a name for other), date of issue; then the rationale and optional conditions", () => {
    const view = build("approve_under_authorisation");
    const inputs = view.blocks.filter(isInput);
    expect(inputs.map((b) => b.block_id)).toEqual([
      BLOCK.authorisationReference,
      BLOCK.authorisationIssuer,
      BLOCK.authorisationIssuerName,
      BLOCK.authorisationIssuedOn,
      BLOCK.rationale,
      BLOCK.conditions,
      BLOCK.conditionsText,
    ]);
    const byBlock = new Map(inputs.map((b) => [b.block_id, b]));
    const reference = byBlock.get(BLOCK.authorisationReference);
    expect(reference?.optional).toBeFalsy();
    expect(reference?.label.text).toBe("Licence or authorisation number");
    expect(reference?.hint?.text).toMatch(/^Required, as on the document: for example a BIS licence number, an OFAC licence, a State Department \(DDTC\) authorisation/);
    expect(reference?.element).toMatchObject({ type: "plain_text_input", action_id: ACTION.authorisationReference, max_length: 100 });
    expect(reference?.element).not.toHaveProperty("multiline", true);

    const issuer = byBlock.get(BLOCK.authorisationIssuer);
    expect(issuer?.optional).toBeFalsy();
    expect(issuer?.element).toMatchObject({ type: "static_select", action_id: ACTION.authorisationIssuer });
    const options = issuer?.element.type === "static_select" ? (issuer.element.options ?? []) : [];
    expect(options.map((o) => [o.value, o.text.text])).toEqual([
      ["bis", "BIS (Commerce)"],
      ["ofac", "OFAC (Treasury)"],
      ["ddtc", "DDTC (State)"],
      ["eu_member_state", "EU member-state authority"],
      ["other", "Other government authority"],
    ]);
    const name = byBlock.get(BLOCK.authorisationIssuerName);
    expect(name?.optional).toBe(true);
    expect(name?.hint?.text).toMatch(/^Required if you chose “Other government authority”/);
    expect(name?.element).toMatchObject({ type: "plain_text_input", action_id: ACTION.authorisationIssuerName });

    const date = byBlock.get(BLOCK.authorisationIssuedOn);
    expect(date?.optional).toBeFalsy();
    expect(date?.element).toMatchObject({ type: "datepicker", action_id: ACTION.authorisationIssuedOn });
    expect(date?.hint?.text).toMatch(/cannot be in the future/);

    expect(byBlock.get(BLOCK.rationale)?.optional).toBeFalsy();
    expect(byBlock.get(BLOCK.conditions)?.optional).toBe(true);
    expect(byBlock.get(BLOCK.conditionsText)?.optional).toBe(true);
    expect(byBlock.get(BLOCK.conditionsText)?.hint?.text).toMatch(/^Optional\./);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain("*Approve under authorisation* DD-2026-0007");
    expect(text).toContain("*Conditions* (optional)");
    expect(view.submit?.text).toBe("Approve");
    expect(blockKitProblems("modal", view)).toEqual([]);
  });

  it("asks for no authorisation on any other decision", () => {
    for (const outcome of DECISION_OUTCOMES.filter((o) => o !== "approve_under_authorisation")) {
      const ids = build(outcome).blocks.filter(isInput).map((b) => b.block_id);
      expect(ids.filter((id) => id?.startsWith("decision_authorisation"))).toEqual([]);
    }
  });
});
