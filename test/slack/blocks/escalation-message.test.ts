import type { ActionsBlock, AnyBlock, Button, SectionBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { approveCaution, buildDecisionActions, buildEscalationMessage, buildResubmissionReply } from "../../../src/slack/blocks/escalation-message.js";
import { ACTION, BLOCK } from "../../../src/slack/ids.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings, unexpectedControls } from "./block-kit-limits.js";
import { APPROVER_A, APPROVER_B, ESCALATION_ID, INJECTION, INJECTION_ESCAPED, SCREENING_ID, decisionRecord, escalatedDetail, tinyHighRiskAnswers } from "./fixtures.js";

const isActions = (b: AnyBlock): b is ActionsBlock => b.type === "actions";
const isSection = (b: AnyBlock): b is SectionBlock => b.type === "section";
const isButton = (e: ActionsBlock["elements"][number]): e is Button => e.type === "button";
const buttonsOf = (blocks: AnyBlock[]) => blocks.filter(isActions).flatMap((b) => b.elements.filter(isButton));
/** Medium tier: neither a hard stop nor the highest tier (drone, police, party to the ICCPR, safeguards). */
const mediumAnswers = () => ({ ...tinyHighRiskAnswers(), item: "drone", end_user_type: "police", functions: ["record"], hr_clause: "no", audit_rights: "no" });

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
    expect(text).toContain("*View answers*");
    expect(text).toContain("`/screening status DD-2026-0007`");
  });

  it("lists hard stops with reason and source", () => {
    const detail = escalatedDetail(ruleSet, { answers: { ...tinyHighRiskAnswers(), destination: "CU" } });
    const text = mrkdwnStrings(buildEscalationMessage({ ruleSet, detail })).join("\n");
    expect(text).toContain("*Hard stops*");
    expect(text).toContain("Embargoed · Source: _Test source §1_");
  });

  it("while open, offers the four decision buttons labelled as the contract says, then View answers", () => {
    const detail = escalatedDetail(ruleSet, { answers: mediumAnswers() });
    expect(detail.screening.scoring?.tier.id).toBe("medium");
    const msg = buildEscalationMessage({ ruleSet, detail });
    const actions = msg.blocks.filter(isActions);
    expect(actions).toHaveLength(1);
    const block = actions[0];
    expect(block?.block_id).toBe(BLOCK.decisionActions);
    const buttons = (block?.elements ?? []).filter(isButton);
    expect(buttons.map((b) => b.text.text)).toEqual(["Approve", "Approve with conditions", "Reject", "Request info", "View answers"]);
    expect(buttons.map((b) => b.action_id)).toEqual([
      ACTION.decide.approve,
      ACTION.decide.approve_with_conditions,
      ACTION.decide.reject,
      ACTION.decide.request_info,
      ACTION.viewAnswers,
    ]);
    expect(buttons.slice(0, 4).every((b) => b.value === ESCALATION_ID)).toBe(true);
    expect(buttons[4]?.value).toBe(SCREENING_ID);
    expect(buttons.map((b) => b.style)).toEqual(["primary", undefined, "danger", undefined, undefined]);
    expect(buttons[2]?.confirm?.title?.text).toBe("Reject DD-2026-0007?");
    expect(buttons.filter((b) => b.confirm)).toHaveLength(1);
    expect(mrkdwnStrings(msg).join("\n")).toContain("*Approvals:* 0 of 1");
    expect(msg.text).toContain("DD-2026-0007");
    expect(msg.text).toContain("Medium");
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
    expect(buttonsOf(msg.blocks)).toHaveLength(5);
  });

  it("escapes the end user and other answers in the channel", () => {
    const msg = buildEscalationMessage({ ruleSet, detail: escalatedDetail(ruleSet, { answers: tinyHighRiskAnswers(INJECTION) }) });
    expect(mrkdwnStrings(msg)).toContain(`*End user*\n${INJECTION_ESCAPED}`);
    expect(unexpectedControls(msg)).toEqual([]);
    expect(msg.text).not.toContain("<!channel>");
  });

  it("once approved, removes the decision buttons, keeps View answers, and says who approved and when", () => {
    const decisions = [
      decisionRecord({ outcome: "approve", deciderId: APPROVER_A }),
      decisionRecord({ outcome: "approve_with_conditions", deciderId: APPROVER_B, conditions: ["hr_clause"], createdAt: new Date("2026-03-04T08:00:00Z") }),
    ];
    const msg = buildEscalationMessage({
      ruleSet,
      detail: escalatedDetail(ruleSet, { status: "approved", screeningStatus: "approved", decisions, closedAt: new Date("2026-03-04T08:00:00Z") }),
    });
    expect(buttonsOf(msg.blocks).map((b) => [b.text.text, b.action_id, b.value])).toEqual([["View answers", ACTION.viewAnswers, SCREENING_ID]]);
    const text = mrkdwnStrings(msg).join("\n");
    expect(text).toContain(`Approved by <@${APPROVER_A}> and <@${APPROVER_B}> on <!date^1772611200^`);
    expect(text).toContain("*Approvals:* 2 of 2");
    expect(msg.text).toContain("approved");
    expect(blockKitProblems("message", msg)).toEqual([]);
  });

  it("once rejected, keeps only View answers and says who rejected", () => {
    const decisions = [decisionRecord({ outcome: "reject", deciderId: APPROVER_B })];
    const msg = buildEscalationMessage({ ruleSet, detail: escalatedDetail(ruleSet, { status: "rejected", decisions }) });
    expect(buttonsOf(msg.blocks).map((b) => b.text.text)).toEqual(["View answers"]);
    expect(mrkdwnStrings(msg).join("\n")).toContain(`Rejected by <@${APPROVER_B}> on <!date^`);
  });

  it("while information is requested, has no decision buttons and says it waits for the requester", () => {
    const decisions = [decisionRecord({ outcome: "request_info", deciderId: APPROVER_A, rationale: "Who is the consignee?" })];
    const msg = buildEscalationMessage({ ruleSet, detail: escalatedDetail(ruleSet, { status: "info_requested", decisions }) });
    expect(buttonsOf(msg.blocks).map((b) => b.text.text)).toEqual(["View answers"]);
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

describe("Approving on a hard stop or at the highest tier", () => {
  const ruleSet = tinyRuleSet();
  const approveOf = (detail: ReturnType<typeof escalatedDetail>) => buttonsOf(buildEscalationMessage({ ruleSet, detail }).blocks).find((b) => b.action_id === ACTION.decide.approve);

  it("on a hard stop gives way to Approve under authorisation, which asks for confirmation in plain words; Reject, Request info and View answers stay", () => {
    const detail = escalatedDetail(ruleSet, { answers: { ...tinyHighRiskAnswers(), destination: "CU" } });
    expect(detail.screening.scoring?.hardStops).toHaveLength(1);
    const buttons = buttonsOf(buildEscalationMessage({ ruleSet, detail }).blocks);
    expect(buttons.map((b) => b.text.text)).toEqual(["Approve under authorisation", "Reject", "Request info", "View answers"]);
    expect(buttons.map((b) => b.action_id)).toEqual([ACTION.decide.approve_under_authorisation, ACTION.decide.reject, ACTION.decide.request_info, ACTION.viewAnswers]);
    expect(buttons.map((b) => b.action_id)).not.toContain(ACTION.decide.approve);
    expect(buttons.map((b) => b.action_id)).not.toContain(ACTION.decide.approve_with_conditions);
    const authorised = buttons[0];
    expect(authorised?.value).toBe(ESCALATION_ID);
    expect(authorised?.style).toBeUndefined();
    expect(authorised?.confirm?.title?.text).toBe("Approve under authorisation?");
    expect(authorised?.confirm?.text.text).toContain("The rules say DD-2026-0007 must not go ahead: Embargoed.");
    expect(authorised?.confirm?.text.text).toMatch(/Approve only if a licence or authorisation makes this export lawful: you will be asked for its number, who issued it and when/);
    expect(authorised?.confirm?.style).toBe("danger");
  });

  it("without a hard stop offers no Approve under authorisation", () => {
    for (const detail of [escalatedDetail(ruleSet), escalatedDetail(ruleSet, { answers: { ...tinyHighRiskAnswers(), destination: "XX" } })]) {
      const ids = buttonsOf(buildEscalationMessage({ ruleSet, detail }).blocks).map((b) => b.action_id);
      expect(ids).toContain(ACTION.decide.approve);
      expect(ids).not.toContain(ACTION.decide.approve_under_authorisation);
    }
  });

  it("shows each approval's authorisation, escaped, and says the hard stop was approved under authorisation", () => {
    const hardStop = { ...tinyHighRiskAnswers(), destination: "CU" };
    const first = decisionRecord({
      outcome: "approve_under_authorisation",
      deciderId: APPROVER_A,
      authorisation: { reference: `D123 ${INJECTION}`, issuer: "other", issuerName: "Ministry <b>", issuedOn: "2026-10-01" },
    });
    const open = buildEscalationMessage({ ruleSet, detail: escalatedDetail(ruleSet, { answers: hardStop, decisions: [first] }) });
    const text = mrkdwnStrings(open).join("\n");
    expect(text).toContain("*Approve under authorisation*");
    expect(text).toContain(`*Authorisation:* D123 ${INJECTION_ESCAPED} · Other government authority: Ministry &lt;b&gt; · issued 2026-10-01`);
    expect(text).toContain("*Approvals:* 1 of 2");
    expect(unexpectedControls(open)).toEqual([]);
    const second = decisionRecord({ outcome: "approve_under_authorisation", deciderId: APPROVER_B, authorisation: { reference: "D123", issuer: "bis", issuerName: null, issuedOn: "2026-10-01" } });
    const closed = buildEscalationMessage({
      ruleSet,
      detail: escalatedDetail(ruleSet, { answers: hardStop, status: "approved", screeningStatus: "approved", decisions: [first, second], closedAt: new Date("2026-03-04T08:00:00Z") }),
    });
    const closedText = mrkdwnStrings(closed).join("\n");
    expect(closedText).toContain(`Approved under authorisation by <@${APPROVER_A}> and <@${APPROVER_B}>`);
    expect(closedText).toContain("*Authorisation:* D123 · BIS (Commerce) · issued 2026-10-01");
    expect(buttonsOf(closed.blocks).map((b) => b.text.text)).toEqual(["View answers"]);
  });

  it("in the highest tier (the rule set's last) is not primary and asks for confirmation", () => {
    // intelligence, misuse, no safeguards, not party to the ICCPR: the score alone reaches Prohibited
    const detail = escalatedDetail(ruleSet, { answers: { ...tinyHighRiskAnswers(), destination: "XX" } });
    const result = detail.screening.scoring;
    expect(result?.hardStops).toHaveLength(0);
    expect(result?.tier.id).toBe(ruleSet.riskModel.tiers.at(-1)?.id);
    const approve = approveOf(detail);
    expect(approve?.style).toBeUndefined();
    expect(approve?.confirm?.title?.text).toBe("Approve at the highest risk tier?");
    expect(approve?.confirm?.text.text).toMatch(/^DD-2026-0007 is in the highest risk tier \(Prohibited\): the rules see a serious risk/);
  });

  it("below the highest tier without a hard stop stays primary, without confirmation", () => {
    const detail = escalatedDetail(ruleSet); // High, one tier below Prohibited
    expect(detail.screening.scoring?.tier.id).toBe("high");
    expect(approveCaution(ruleSet, detail.screening)).toBeUndefined();
    const approve = approveOf(detail);
    expect(approve?.style).toBe("primary");
    expect(approve?.confirm).toBeUndefined();
  });

  it("keeps every confirmation within Slack's limits, however long the hard-stop reasons", () => {
    const block = buildDecisionActions({
      escalationId: ESCALATION_ID,
      screeningId: SCREENING_ID,
      reference: "DD-2026-0007",
      caution: { kind: "hard_stop", reasons: ["r".repeat(400), "s".repeat(400)] },
    });
    expect(blockKitProblems("message", { text: "x", blocks: [block] })).toEqual([]);
    const confirm = block.elements.find((e) => e.action_id === ACTION.decide.approve_under_authorisation && e.type === "button");
    expect(JSON.stringify(confirm)).toMatch(/r…\. Approve only if a licence or authorisation makes this export lawful/);
    const tier = buildDecisionActions({ escalationId: ESCALATION_ID, screeningId: SCREENING_ID, reference: "DD-2026-0007", caution: { kind: "highest_tier", tierLabel: "t".repeat(500) } });
    expect(blockKitProblems("message", { text: "x", blocks: [tier] })).toEqual([]);
  });
});

describe("buildDecisionActions", () => {
  it("values the decision buttons with the escalation id and View answers with the screening id", () => {
    const block = buildDecisionActions({ escalationId: "e-1", screeningId: "s-1", reference: "DD-2026-0001" });
    expect(block.elements.map((e) => ("value" in e ? e.value : undefined))).toEqual(["e-1", "e-1", "e-1", "e-1", "s-1"]);
  });
});

describe("reference data in the message", () => {
  const ruleSet = tinyRuleSet();

  it("lists the facts the scoring read with source and date, and nothing when there are none", () => {
    const detail = escalatedDetail(ruleSet);
    const scoring = detail.screening.scoring;
    if (!scoring) throw new Error("scored");
    const withoutFacts = { ...detail, screening: { ...detail.screening, scoring: { ...scoring, facts: undefined } } };
    const none = mrkdwnStrings(buildEscalationMessage({ ruleSet, detail: withoutFacts })).join("\n");
    expect(none).not.toContain("Reference data applied");
    const facts = [
      { subject: "Germany", statement: "Party to the ICCPR", source: "UN Treaty Collection", asOf: "2026-01-15" },
      { subject: `Germany ${INJECTION}`, statement: "No legal-framework assessment on file", source: "Compliance" },
    ];
    const msg = buildEscalationMessage({ ruleSet, detail: { ...detail, screening: { ...detail.screening, scoring: { ...scoring, facts } } } });
    const text = mrkdwnStrings(msg).join("\n");
    expect(text).toContain("*Reference data applied* (2)");
    expect(text).toContain("• *Germany*: Party to the ICCPR · Source: _UN Treaty Collection_ · as of 2026-01-15");
    expect(text).toContain(`• *Germany ${INJECTION_ESCAPED}*: No legal-framework assessment on file · Source: _Compliance_`);
    expect(unexpectedControls(msg)).toEqual([]);
  });
});

describe("buildResubmissionReply", () => {
  const ruleSet = tinyRuleSet();

  it("tells the thread the requester resubmitted, with the new tier", () => {
    const msg = buildResubmissionReply({ ruleSet, detail: escalatedDetail(ruleSet, { round: 2 }), round: 2 });
    expect(mrkdwnStrings(msg).join("\n")).toContain("<@U0REQUESTER> resubmitted DD-2026-0007 (round 2)");
    expect(blockKitProblems("message", msg)).toEqual([]);
  });

  it("lists what changed, question label: old → new, as a person reads the answers, escaped", () => {
    const changes = {
      previousSubmittedAt: new Date("2026-03-02T10:00:00Z"),
      pending: false,
      changes: [
        { questionId: "end_user_type", before: "intelligence", after: "police" },
        { questionId: "end_user", before: "Ministry", after: INJECTION },
        { questionId: "misuse_details", before: "Reports of journalists targeted." },
      ],
    };
    const msg = buildResubmissionReply({ ruleSet, detail: escalatedDetail(ruleSet, { round: 2 }), round: 2, changes });
    const text = mrkdwnStrings(msg).join("\n");
    expect(text).toContain("resubmitted DD-2026-0007 with 3 changed answers (round 2)");
    expect(text).toContain("• *Type*: Intelligence → Police");
    expect(text).toContain(`• *End user*: Ministry → ${INJECTION_ESCAPED}`);
    expect(text).toContain("• *Details*: Reports of journalists targeted. → (not answered)");
    expect(unexpectedControls(msg)).toEqual([]);
    expect(blockKitProblems("message", msg)).toEqual([]);
  });

  it("says so when no answer changed", () => {
    const msg = buildResubmissionReply({ ruleSet, detail: escalatedDetail(ruleSet, { round: 2 }), round: 2, changes: { previousSubmittedAt: new Date(), pending: false, changes: [] } });
    expect(mrkdwnStrings(msg).join("\n")).toContain("resubmitted DD-2026-0007 without changing any answer (round 2)");
  });

  it("shortens many long changes to fit a message and points to View answers", () => {
    const long = "y".repeat(3000);
    const changes = Array.from({ length: 60 }, (_, i) => ({ questionId: i % 2 ? "end_user" : "misuse_details", before: `${long}${i}`, after: long }));
    const msg = buildResubmissionReply({ ruleSet, detail: escalatedDetail(ruleSet, { round: 3 }), round: 3, changes: { previousSubmittedAt: new Date(), pending: false, changes } });
    expect(blockKitProblems("message", msg)).toEqual([]);
    expect(msg.blocks.length).toBeLessThanOrEqual(6);
    expect(mrkdwnStrings(msg).join("\n")).toContain("*View answers* on the message above shows every change");
  });
});
