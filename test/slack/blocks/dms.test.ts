import type { ActionsBlock, AnyBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { buildClearedDm, buildDecisionDm, buildEscalatedDm, buildInfoRequestDm } from "../../../src/slack/blocks/dms.js";
import { ACTION } from "../../../src/slack/ids.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings, unexpectedControls } from "./block-kit-limits.js";
import { APPROVER_A, APPROVER_B, INJECTION, INJECTION_ESCAPED, SCREENING_ID, decisionRecord, escalatedDetail } from "./fixtures.js";

const isActions = (b: AnyBlock): b is ActionsBlock => b.type === "actions";
const textOf = (m: { blocks: AnyBlock[] }) => mrkdwnStrings(m).join("\n");

describe("requester DMs", () => {
  const ruleSet = tinyRuleSet();
  const lowAnswers = { item: "thermal", destination: "DE", end_user: INJECTION, end_user_type: "private", functions: ["record"], hr_clause: "yes", audit_rights: "yes" };

  it("cleared: says the screening is cleared with tier and score", () => {
    const detail = escalatedDetail(ruleSet, { answers: lowAnswers, screeningStatus: "cleared", escalation: false });
    const dm = buildClearedDm({ ruleSet, detail });
    expect(textOf(dm)).toContain("DD-2026-0007 is cleared");
    expect(textOf(dm)).toContain("Tier *Low*");
    expect(textOf(dm)).toContain(INJECTION_ESCAPED);
    expect(dm.text).toContain("DD-2026-0007");
    expect(unexpectedControls(dm)).toEqual([]);
    expect(blockKitProblems("message", dm)).toEqual([]);
  });

  it("escalated: says it was sent to compliance and not to proceed", () => {
    const dm = buildEscalatedDm({ ruleSet, detail: escalatedDetail(ruleSet) });
    expect(textOf(dm)).toContain("sent to compliance");
    expect(textOf(dm)).toContain("Do not proceed");
    expect(textOf(dm)).toContain("2 approvals are needed");
    expect(blockKitProblems("message", dm)).toEqual([]);
  });

  it("escalated: says what weighed most in plain words, without groups or citations", () => {
    const detail = escalatedDetail(ruleSet);
    const text = textOf(buildEscalatedDm({ ruleSet, detail }));
    expect(text).toContain("*What weighed most*");
    const heaviest = [...(detail.screening.scoring?.factors ?? [])].sort((a, b) => b.points - a.points)[0];
    expect(text).toContain(`*+${heaviest?.points}* ${heaviest?.rationale ?? ""}`);
    expect(text).not.toContain("Source:");
    expect(text).not.toContain(heaviest?.source ?? "no source");
  });

  it("a first approval of two says it awaits a second approver", () => {
    const decision = decisionRecord({ outcome: "approve", deciderId: APPROVER_A, rationale: INJECTION });
    const dm = buildDecisionDm({ ruleSet, detail: escalatedDetail(ruleSet, { decisions: [decision] }), decision, final: false });
    expect(textOf(dm)).toContain(`<@${APPROVER_A}> approved *DD-2026-0007*`);
    expect(textOf(dm)).toContain("approval 1 of 2");
    expect(textOf(dm)).toContain("awaits a second approver");
    expect(textOf(dm)).toContain(INJECTION_ESCAPED);
    expect(unexpectedControls(dm)).toEqual([]);
    expect(blockKitProblems("message", dm)).toEqual([]);
  });

  it("a final approval with conditions lists all conditions of the round", () => {
    const first = decisionRecord({ outcome: "approve_with_conditions", deciderId: APPROVER_A, conditions: ["hr_clause"] });
    const decision = decisionRecord({ outcome: "approve_with_conditions", deciderId: APPROVER_B, conditions: [], conditionsText: `No resale ${INJECTION}` });
    const detail = escalatedDetail(ruleSet, { status: "approved", decisions: [first, decision] });
    const dm = buildDecisionDm({ ruleSet, detail, decision, final: true });
    const text = textOf(dm);
    expect(text).toContain("DD-2026-0007 is approved");
    expect(text).toContain("under the conditions below");
    expect(text).toContain(`*Conditions*\nNo resale ${INJECTION_ESCAPED}`);
    expect(text).toContain(`<@${APPROVER_A}>: Human-rights clause`);
    expect(unexpectedControls(dm)).toEqual([]);
  });

  it("an approval under authorisation shows the licence or authorisation, and once final the requester may proceed only under it", () => {
    const hardStop = { item: "spyware", destination: "CU", end_user: "Ministry", end_user_type: "intelligence", functions: ["intercept"], hr_clause: "no", audit_rights: "no" };
    const first = decisionRecord({
      outcome: "approve_under_authorisation",
      deciderId: APPROVER_A,
      authorisation: { reference: `D123 ${INJECTION}`, issuer: "ofac", issuerName: null, issuedOn: "2026-10-01" },
    });
    const pending = buildDecisionDm({ ruleSet, detail: escalatedDetail(ruleSet, { answers: hardStop, decisions: [first] }), decision: first, final: false });
    expect(textOf(pending)).toContain("(Approve under authorisation), approval 1 of 2");
    expect(textOf(pending)).toContain(`*Licence or authorisation*\nD123 ${INJECTION_ESCAPED} · OFAC (Treasury) · issued 2026-10-01`);
    expect(textOf(pending)).toContain("do not proceed yet");
    expect(unexpectedControls(pending)).toEqual([]);

    const second = decisionRecord({ outcome: "approve_under_authorisation", deciderId: APPROVER_B, authorisation: { reference: "GL-44", issuer: "other", issuerName: "Ministry of Economy", issuedOn: "2026-09-30" } });
    const detail = escalatedDetail(ruleSet, { answers: hardStop, status: "approved", screeningStatus: "approved", decisions: [first, second] });
    const final = buildDecisionDm({ ruleSet, detail, decision: second, final: true });
    const text = textOf(final);
    expect(text).toContain("You may proceed only under the licence or authorisation below.");
    expect(text).toContain("*Licence or authorisation*\nGL-44 · Other government authority: Ministry of Economy · issued 2026-09-30");
    expect(text).toContain(`*Authorisations cited by the other approvers*\n• <@${APPROVER_A}>: D123 ${INJECTION_ESCAPED} · OFAC (Treasury) · issued 2026-10-01`);
    expect(final.text).toBe("DD-2026-0007 is approved: you may proceed under authorisation.");
    expect(unexpectedControls(final)).toEqual([]);
    expect(blockKitProblems("message", final)).toEqual([]);
  });

  it("a rejection says not to proceed", () => {
    const decision = decisionRecord({ outcome: "reject", deciderId: APPROVER_B });
    const dm = buildDecisionDm({ ruleSet, detail: escalatedDetail(ruleSet, { status: "rejected", decisions: [decision] }), decision, final: true });
    expect(textOf(dm)).toContain(`*DD-2026-0007 was rejected* by <@${APPROVER_B}>`);
    expect(textOf(dm)).toContain("Do not proceed");
  });

  it("a request for information quotes the question and offers 'Reply' and 'Edit answers'", () => {
    const decision = decisionRecord({ outcome: "request_info", deciderId: APPROVER_A, rationale: `Who is the consignee?\n${INJECTION}` });
    const detail = escalatedDetail(ruleSet, { status: "info_requested", screeningStatus: "info_requested", decisions: [decision] });
    const dm = buildInfoRequestDm({ ruleSet, detail, decision });
    expect(textOf(dm)).toContain(`>Who is the consignee?\n>${INJECTION_ESCAPED}`);
    const buttons = dm.blocks.filter(isActions).flatMap((b) => b.elements);
    expect(buttons).toHaveLength(2);
    expect(buttons[0]).toMatchObject({ type: "button", action_id: ACTION.reply, value: SCREENING_ID, text: { text: "Reply" } });
    expect(buttons[1]).toMatchObject({ type: "button", action_id: ACTION.reopen, value: SCREENING_ID, text: { text: "Edit answers" } });
    expect(unexpectedControls(dm)).toEqual([]);
    expect(blockKitProblems("message", dm)).toEqual([]);
    expect(buildDecisionDm({ ruleSet, detail, decision, final: false })).toEqual(dm);
  });
});
