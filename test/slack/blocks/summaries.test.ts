import { describe, expect, it } from "vitest";
import { buildScreeningList, buildStatusSummary, usageText } from "../../../src/slack/blocks/summaries.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings, unexpectedControls } from "./block-kit-limits.js";
import { APPROVER_A, INJECTION, INJECTION_ESCAPED, decisionRecord, escalatedDetail, screeningRecord, tinyHighRiskAnswers } from "./fixtures.js";

describe("buildStatusSummary", () => {
  const ruleSet = tinyRuleSet();

  it("shows status, tier, score, every factor, decisions and the answer count, escaped", () => {
    const decisions = [decisionRecord({ outcome: "request_info", deciderId: APPROVER_A, rationale: INJECTION })];
    const detail = escalatedDetail(ruleSet, { answers: { ...tinyHighRiskAnswers(INJECTION), destination: "CU" }, status: "info_requested", screeningStatus: "info_requested", decisions });
    const msg = buildStatusSummary({ ruleSet, detail });
    const text = mrkdwnStrings(msg).join("\n");
    expect(text).toContain("*DD-2026-0007* · More information requested");
    expect(text).toContain("*Tier*\nProhibited");
    expect(text).toContain(`*Score*\n${detail.screening.scoring?.total}`);
    expect(text).toContain("*Answers*\n11 answers given");
    expect(text).toContain("Embargoed");
    for (const f of detail.screening.scoring?.factors ?? []) expect(text).toContain(f.rationale ?? "");
    expect(text).toContain("Capability +40 (capped, 55 before the cap)");
    expect(text).toContain(`*Request info*`);
    expect(text).toContain(INJECTION_ESCAPED);
    expect(unexpectedControls(msg)).toEqual([]);
    expect(msg.text).toContain("DD-2026-0007");
    expect(blockKitProblems("message", msg)).toEqual([]);
  });

  it("shows a draft without scoring", () => {
    const msg = buildStatusSummary({ ruleSet, detail: { screening: screeningRecord(), answers: {}, escalation: null } });
    expect(mrkdwnStrings(msg).join("\n")).toContain("*DD-2026-0007* · Draft");
    expect(blockKitProblems("message", msg)).toEqual([]);
  });

  it("stays within 50 blocks with many decisions, keeping the newest", () => {
    const decisions = Array.from({ length: 80 }, (_, i) => decisionRecord({ outcome: "request_info", round: i + 1, rationale: `question ${i}` }));
    const msg = buildStatusSummary({ ruleSet, detail: escalatedDetail(ruleSet, { decisions, round: 80 }) });
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    const text = mrkdwnStrings(msg).join("\n");
    expect(text).toContain("question 79");
    expect(text).toContain("earlier decisions not shown");
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
