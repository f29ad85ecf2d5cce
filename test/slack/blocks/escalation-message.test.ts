import type { ActionsBlock, AnyBlock, Button, SectionBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { buildDecisionActions, buildEscalationMessage, buildResubmissionReply } from "../../../src/slack/blocks/escalation-message.js";
import { ACTION, BLOCK } from "../../../src/slack/ids.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings, unexpectedControls } from "./block-kit-limits.js";
import { APPROVER_A, APPROVER_B, ESCALATION_ID, INJECTION, INJECTION_ESCAPED, decisionRecord, escalatedDetail, tinyHighRiskAnswers } from "./fixtures.js";

const isActions = (b: AnyBlock): b is ActionsBlock => b.type === "actions";
const isSection = (b: AnyBlock): b is SectionBlock => b.type === "section";
const isButton = (e: ActionsBlock["elements"][number]): e is Button => e.type === "button";

describe("buildEscalationMessage", () => {
  const ruleSet = tinyRuleSet();

  it("heads with reference and tier and lists the facts compliance needs", () => {
    const detail = escalatedDetail(ruleSet);
    const msg = buildEscalationMessage({ ruleSet, detail });
    expect(msg.blocks[0]).toMatchObject({ type: "header", text: { type: "plain_text", text: "DD-2026-0007 · Tier High" } });
    const fields = msg.blocks.filter(isSection).flatMap((s) => s.fields ?? []).map((f) => f.text);
    expect(fields).toEqual([
      "*Reference*\nDD-2026-0007",
      "*Requester*\n<@U0REQUESTER>",
      "*Item*\nSpyware",
      "*Destination*\nGermany",
      "*End user*\nMinistry of Interior, cyber unit",
      "*Tier*\nHigh",
      `*Score*\n${detail.screening.scoring?.total} — at or above the escalation threshold of 25`,
      "*Rule set version*\nffffffffffff (tiny)",
    ]);
    expect(blockKitProblems("message", msg)).toEqual([]);
  });

  it("lists the top factors with points, rationale, group and source, and points to the full record", () => {
    const text = mrkdwnStrings(buildEscalationMessage({ ruleSet, detail: escalatedDetail(ruleSet) })).join("\n");
    expect(text).toContain("*Top factors* (5 of");
    expect(text).toContain("• *+30* Intrusion software (answer: Spyware) · Capability · Source: _Test source §1_");
    expect(text).toContain("• *+25* Intelligence end user with reported misuse · End user · Source: _Test source §1_");
    expect(text).toContain("Full record: `/screening status DD-2026-0007`");
  });

  it("lists hard stops with reason and source", () => {
    const detail = escalatedDetail(ruleSet, { answers: { ...tinyHighRiskAnswers(), destination: "CU" } });
    const text = mrkdwnStrings(buildEscalationMessage({ ruleSet, detail })).join("\n");
    expect(text).toContain("*Hard stops*");
    expect(text).toContain("Embargoed · Source: _Test source §1_");
  });

  it("while open, offers exactly the four decision buttons labelled as the contract says", () => {
    const msg = buildEscalationMessage({ ruleSet, detail: escalatedDetail(ruleSet) });
    const actions = msg.blocks.filter(isActions);
    expect(actions).toHaveLength(1);
    const block = actions[0];
    expect(block?.block_id).toBe(BLOCK.decisionActions);
    const buttons = (block?.elements ?? []).filter(isButton);
    expect(buttons.map((b) => b.text.text)).toEqual(["Approve", "Approve with conditions", "Reject", "Request info"]);
    expect(buttons.map((b) => b.action_id)).toEqual([
      ACTION.decide.approve,
      ACTION.decide.approve_with_conditions,
      ACTION.decide.reject,
      ACTION.decide.request_info,
    ]);
    expect(buttons.every((b) => b.value === ESCALATION_ID)).toBe(true);
    expect(buttons.map((b) => b.style)).toEqual(["primary", undefined, "danger", undefined]);
    expect(buttons[2]?.confirm?.title?.text).toBe("Reject DD-2026-0007?");
    expect(buttons.filter((b) => b.confirm)).toHaveLength(1);
    expect(mrkdwnStrings(msg).join("\n")).toContain("*Approvals:* 0 of 2");
    expect(msg.text).toContain("DD-2026-0007");
    expect(msg.text).toContain("High");
    expect(msg.text).toContain("awaiting a compliance decision");
  });

  it("shows decisions so far with who, outcome, when, escaped rationale and conditions", () => {
    const d = decisionRecord({
      outcome: "approve_with_conditions",
      deciderId: APPROVER_A,
      rationale: INJECTION,
      conditions: ["hr_clause"],
      conditionsText: `Reassess by 2027 ${INJECTION}`,
      createdAt: new Date("2026-03-03T10:00:00Z"),
    });
    const msg = buildEscalationMessage({ ruleSet, detail: escalatedDetail(ruleSet, { decisions: [d] }) });
    const text = mrkdwnStrings(msg).join("\n");
    expect(text).toContain("<@U0APPROVERA> · *Approve with conditions* · <!date^1772532000^{date_short_pretty} {time}|2026-03-03T10:00:00Z>");
    expect(text).toContain(`>${INJECTION_ESCAPED}`);
    expect(text).toContain(`*Conditions:* Human-rights clause; Reassess by 2027 ${INJECTION_ESCAPED}`);
    expect(text).toContain("*Approvals:* 1 of 2");
    expect(unexpectedControls(msg)).toEqual([]);
    expect(msg.blocks.filter(isActions)).toHaveLength(1);
  });

  it("escapes the end user and other answers in the channel", () => {
    const msg = buildEscalationMessage({ ruleSet, detail: escalatedDetail(ruleSet, { answers: tinyHighRiskAnswers(INJECTION) }) });
    expect(mrkdwnStrings(msg)).toContain(`*End user*\n${INJECTION_ESCAPED}`);
    expect(unexpectedControls(msg)).toEqual([]);
    expect(msg.text).not.toContain("<!channel>");
  });

  it("once approved, removes the buttons and says who approved and when", () => {
    const decisions = [
      decisionRecord({ outcome: "approve", deciderId: APPROVER_A }),
      decisionRecord({ outcome: "approve_with_conditions", deciderId: APPROVER_B, conditions: ["hr_clause"], createdAt: new Date("2026-03-04T08:00:00Z") }),
    ];
    const msg = buildEscalationMessage({
      ruleSet,
      detail: escalatedDetail(ruleSet, { status: "approved", screeningStatus: "approved", decisions, closedAt: new Date("2026-03-04T08:00:00Z") }),
    });
    expect(msg.blocks.filter(isActions)).toHaveLength(0);
    const text = mrkdwnStrings(msg).join("\n");
    expect(text).toContain(`Approved by <@${APPROVER_A}> and <@${APPROVER_B}> on <!date^1772611200^`);
    expect(text).toContain("*Approvals:* 2 of 2");
    expect(msg.text).toContain("approved");
    expect(blockKitProblems("message", msg)).toEqual([]);
  });

  it("once rejected, removes the buttons and says who rejected", () => {
    const decisions = [decisionRecord({ outcome: "reject", deciderId: APPROVER_B })];
    const msg = buildEscalationMessage({ ruleSet, detail: escalatedDetail(ruleSet, { status: "rejected", decisions }) });
    expect(msg.blocks.filter(isActions)).toHaveLength(0);
    expect(mrkdwnStrings(msg).join("\n")).toContain(`Rejected by <@${APPROVER_B}> on <!date^`);
  });

  it("while information is requested, has no buttons and says it waits for the requester", () => {
    const decisions = [decisionRecord({ outcome: "request_info", deciderId: APPROVER_A, rationale: "Who is the consignee?" })];
    const msg = buildEscalationMessage({ ruleSet, detail: escalatedDetail(ruleSet, { status: "info_requested", decisions }) });
    expect(msg.blocks.filter(isActions)).toHaveLength(0);
    expect(mrkdwnStrings(msg).join("\n")).toContain(`More information requested by <@${APPROVER_A}> — waiting for the requester`);
  });

  it("never mentions ids that are not Slack user ids", () => {
    const decisions = [decisionRecord({ outcome: "request_info", deciderId: "<!channel>" })];
    const msg = buildEscalationMessage({ ruleSet, detail: escalatedDetail(ruleSet, { status: "info_requested", decisions }) });
    expect(unexpectedControls(msg)).toEqual([]);
  });

  it("stays within 50 blocks and the text limits with many long decisions", () => {
    const long = "r".repeat(3000);
    const decisions = Array.from({ length: 40 }, (_, i) =>
      decisionRecord({ outcome: i % 2 ? "request_info" : "approve_with_conditions", round: Math.floor(i / 2) + 1, rationale: long, conditions: ["hr_clause"], conditionsText: long }),
    );
    const msg = buildEscalationMessage({ ruleSet, detail: escalatedDetail(ruleSet, { decisions, round: 21 }) });
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    expect(blockKitProblems("message", msg)).toEqual([]);
    expect(mrkdwnStrings(msg).join("\n")).toContain("earlier decisions");
  });
});

describe("buildDecisionActions", () => {
  it("values every button with the escalation id", () => {
    const block = buildDecisionActions("e-1", "DD-2026-0001");
    expect(block.elements.map((e) => ("value" in e ? e.value : undefined))).toEqual(["e-1", "e-1", "e-1", "e-1"]);
  });
});

describe("buildResubmissionReply", () => {
  it("tells the thread the requester resubmitted, with the new tier", () => {
    const ruleSet = tinyRuleSet();
    const msg = buildResubmissionReply({ ruleSet, detail: escalatedDetail(ruleSet, { round: 2 }), round: 2 });
    expect(mrkdwnStrings(msg).join("\n")).toContain("<@U0REQUESTER> resubmitted DD-2026-0007 with changed answers (round 2)");
    expect(blockKitProblems("message", msg)).toEqual([]);
  });
});
