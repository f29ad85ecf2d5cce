import { describe, expect, it } from "vitest";
import { buildScreeningList, buildStatusSummary, usageText } from "../../../src/slack/blocks/summaries.js";
import { ACTION } from "../../../src/slack/ids.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings, unexpectedControls } from "./block-kit-limits.js";
import { APPROVER_A, INJECTION, INJECTION_ESCAPED, decisionRecord, escalatedDetail, screeningRecord, tinyHighRiskAnswers } from "./fixtures.js";

describe("buildStatusSummary", () => {
  const ruleSet = tinyRuleSet();
  const buttonsOf = (msg: { blocks: unknown[] }) =>
    msg.blocks.flatMap((b) => {
      const block = b as { type?: string; elements?: Array<{ type?: string; action_id?: string; value?: string; text?: { text?: string } }> };
      return block.type === "actions" ? (block.elements ?? []).filter((e) => e.type === "button") : [];
    });

  it("lists the licences and authorisations approvals were given under, escaped", () => {
    const decisions = [
      decisionRecord({
        outcome: "approve_under_authorisation",
        deciderId: APPROVER_A,
        authorisation: { reference: `D123 ${INJECTION}`, issuer: "ddtc", issuerName: null, issuedOn: "2026-10-01" },
      }),
    ];
    const msg = buildStatusSummary({ ruleSet, detail: escalatedDetail(ruleSet, { answers: { ...tinyHighRiskAnswers(), destination: "CU" }, decisions }) });
    const text = mrkdwnStrings(msg).join("\n");
    expect(text).toContain("Compliance: approvals 1 of 2");
    expect(text).toContain(`*Licences and authorisations* the approvals were given under\n• <@${APPROVER_A}> · D123 ${INJECTION_ESCAPED} · DDTC (State) · issued 2026-10-01`);
    expect(unexpectedControls(msg)).toEqual([]);
    expect(blockKitProblems("message", msg)).toEqual([]);
    expect(mrkdwnStrings(buildStatusSummary({ ruleSet, detail: escalatedDetail(ruleSet) })).join("\n")).not.toContain("Licences and authorisations");
  });

  it("is short: status, tier, score with its scale, item → destination, end user, hard stops and the top 3 factors by weight, escaped", () => {
    const decisions = [decisionRecord({ outcome: "request_info", deciderId: APPROVER_A, rationale: INJECTION })];
    const detail = escalatedDetail(ruleSet, { answers: { ...tinyHighRiskAnswers(INJECTION), destination: "CU" }, status: "info_requested", screeningStatus: "info_requested", decisions });
    const scoring = detail.screening.scoring;
    if (!scoring) throw new Error("scored");
    const msg = buildStatusSummary({ ruleSet, detail });
    const text = mrkdwnStrings(msg).join("\n");
    expect(text).toContain("*DD-2026-0007* · More information requested");
    expect(text).toContain("*Tier*\nProhibited");
    expect(text).toContain(`*Score*\n${scoring.total} — at or above the escalation threshold of 25`);
    expect(text).toContain("*Item → destination*\nSpyware → Cuba");
    expect(text).toContain(`*End user*\n${INJECTION_ESCAPED}`);
    expect(text).toContain(":no_entry: *Hard stops* (1)");
    expect(text).toContain(":no_entry: Embargoed");
    // plain words for whoever asked; the sources are behind Details (View answers)
    expect(text).not.toContain("Source:");
    // the three heaviest factors, heaviest first, and none of the lighter ones
    const byWeight = [...scoring.factors].sort((a, b) => b.points - a.points);
    expect(scoring.factors.length).toBeGreaterThan(3);
    expect(text).toContain(`*Top factors* (3 of ${scoring.factors.length})`);
    const positions = byWeight.slice(0, 3).map((f) => text.indexOf(`*+${f.points}* ${f.rationale ?? ""}`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const f of byWeight.slice(3)) expect(text).not.toContain(`*+${f.points}* ${f.rationale ?? ""}`);
    // short: no decision texts, no group breakdown; the rationale stays out
    expect(text).not.toContain(`>${INJECTION_ESCAPED}`);
    expect(text).not.toContain("capped");
    expect(msg.blocks.length).toBeLessThanOrEqual(8);
    expect(unexpectedControls(msg)).toEqual([]);
    expect(msg.text).toContain("DD-2026-0007");
    expect(blockKitProblems("message", msg)).toEqual([]);
  });

  it("ends with a Details button that opens every answer of this screening", () => {
    const detail = escalatedDetail(ruleSet);
    const buttons = buttonsOf(buildStatusSummary({ ruleSet, detail }));
    expect(buttons.map((b) => [b.text?.text, b.action_id, b.value])).toEqual([["Details", ACTION.viewAnswers, detail.screening.id]]);
  });

  it("lists factors by weight, not in questionnaire order", () => {
    const detail = escalatedDetail(ruleSet);
    const scoring = detail.screening.scoring;
    if (!scoring) throw new Error("scored");
    // questionnaire order puts item (+30) first; reversing it must not change what is shown
    const reversed = { ...detail, screening: { ...detail.screening, scoring: { ...scoring, factors: [...scoring.factors].reverse() } } };
    const lines = (d: typeof detail) => mrkdwnStrings(buildStatusSummary({ ruleSet, detail: d })).join("\n").split("\n").filter((l) => l.startsWith("• *"));
    expect(lines(reversed)).toEqual(lines(detail));
    expect(lines(detail)[0]).toMatch(/^• \*\+30\* Intrusion software/);
  });

  it("shows a draft without scoring, still with Details", () => {
    const msg = buildStatusSummary({ ruleSet, detail: { screening: screeningRecord(), answers: {}, escalation: null } });
    expect(mrkdwnStrings(msg).join("\n")).toContain("*DD-2026-0007* · Draft");
    expect(buttonsOf(msg).map((b) => b.text?.text)).toEqual(["Details"]);
    expect(blockKitProblems("message", msg)).toEqual([]);
  });

  it("stays short with many decisions: it counts them", () => {
    const decisions = Array.from({ length: 80 }, (_, i) => decisionRecord({ outcome: "request_info", round: i + 1, rationale: `question ${i}` }));
    const msg = buildStatusSummary({ ruleSet, detail: escalatedDetail(ruleSet, { decisions, round: 80 }) });
    expect(msg.blocks.length).toBeLessThanOrEqual(8);
    const text = mrkdwnStrings(msg).join("\n");
    expect(text).toContain("80 decisions on record");
    expect(text).not.toContain("question 79");
    expect(blockKitProblems("message", msg)).toEqual([]);
  });
});

describe("buildScreeningList", () => {
  const ruleSet = tinyRuleSet();

  it("lists reference, status and tier per line", () => {
    const records = [
      screeningRecord({ reference: "DD-2026-0001", status: "cleared", tier: "low" }),
      { ...screeningRecord({ reference: "DD-2026-0002", status: "escalated", tier: "high" }), item: "spyware", destination: "DE" },
    ];
    const msg = buildScreeningList(ruleSet, records);
    const text = mrkdwnStrings(msg).join("\n");
    expect(text).toContain("*DD-2026-0001* · Cleared · tier low");
    expect(text).toContain("*DD-2026-0002* · Awaiting compliance decision · tier high · Spyware → Germany");
    expect(buildScreeningList(records).blocks).toHaveLength(msg.blocks.length);
    expect(blockKitProblems("message", msg)).toEqual([]);
  });

  it("says when there are none", () => {
    expect(buildScreeningList([]).text).toBe("You have no screenings yet. Start one with `/screening`.");
  });

  it("fits 100 screenings in one message", () => {
    const records = Array.from({ length: 100 }, (_, i) => ({ ...screeningRecord({ reference: `DD-2026-${String(i).padStart(4, "0")}` }), item: "x".repeat(500) }));
    expect(blockKitProblems("message", buildScreeningList(records))).toEqual([]);
  });
});

describe("usageText", () => {
  it("lists every /screening subcommand of the contract", () => {
    const text = usageText();
    for (const sub of ["`/screening`", "`/screening new`", "`/screening resume`", "`/screening list`", "`/screening status REF`", "`/screening help`"]) {
      expect(text).toContain(sub);
    }
    expect(text).not.toContain("Unknown");
  });

  it("starts by naming an unknown subcommand, escaped", () => {
    expect(usageText("frobnicate")).toMatch(/^Unknown subcommand "frobnicate"\.\n/);
    expect(usageText("<!channel>")).toMatch(/^Unknown subcommand "&lt;!channel&gt;"\./);
  });
});
