// The misuse-report surfaces at their largest and most hostile: every field at its limit, ten
// links, mentions and links typed as text, twenty-five screenings under review. They stay within
// Slack's limits (two independent checks), show typed text as text, and an anonymous report
// names nobody.
import { beforeAll, describe, expect, it } from "vitest";
import type { MisuseReportRecord, ReviewedScreening } from "../../../src/domain/misuse-reports.js";
import type { RuleSet } from "../../../src/domain/rule-set.js";
import { loadRuleSet } from "../../../src/rules/load.js";
import { checkBlockKitLimits } from "../../../src/sandbox/block-kit-limits.js";
import { buildMisuseReportMessage, buildMisuseReviewNote, reportActionsFor } from "../../../src/slack/blocks/misuse-report-message.js";
import { buildMisuseReportModal, buildReportCloseModal, buildReportSentModal } from "../../../src/slack/blocks/misuse-report-modal.js";
import { BLOCK } from "../../../src/slack/ids.js";
import { blockKitProblems } from "./block-kit-limits.js";

let ruleSet: RuleSet;
beforeAll(async () => {
  const load = await loadRuleSet("rules");
  if (!load.ok) throw new Error("rules/ does not load");
  ruleSet = load.ruleSet;
});

const at = new Date("2026-12-01T10:00:00Z");
const hostile = "<!channel> <@U0BOSS> <https://evil.example|click> & ";

function report(over: Partial<MisuseReportRecord> = {}): MisuseReportRecord {
  const reviewed: ReviewedScreening[] = Array.from({ length: 25 }, (_, i) => ({
    screeningId: `s${i}`,
    reference: `DD-2026-${String(i + 1).padStart(4, "0")}`,
    previousStatus: i % 2 === 0 ? "approved" : "escalated",
    matchedOn: i === 0 ? "reference" : "end_user",
  }));
  return {
    id: "0f0e0d0c-0000-4000-8000-000000000001",
    reference: "MR-2026-0001",
    status: "closed",
    anonymous: true,
    reporterId: null,
    item: hostile.repeat(10).slice(0, 300),
    parties: hostile.repeat(20).slice(0, 500),
    country: "DE",
    happened: `${hostile}\n`.repeat(60).slice(0, 3000),
    evidence: Array.from({ length: 10 }, (_, i) => `https://example.org/${"a".repeat(1900)}/${i}`),
    screeningId: null,
    screeningReference: "DD-2026-0001",
    source: { channelId: "C0SOURCE", messageTs: "1700000000.000100" },
    channelId: "C0COMPLIANCE",
    messageTs: "1700000000.000200",
    acknowledged: { by: "UAPP1", at },
    reassessment: { by: "UAPP1", at, reviewed },
    closed: { by: "UAPP2", at, rationale: hostile.repeat(100).slice(0, 3000) },
    version: 3,
    createdAt: at,
    ...over,
  };
}

describe("the report's channel message", () => {
  it("fits Slack's limits at its largest, escapes what was typed, and names no anonymous reporter or source", () => {
    const message = buildMisuseReportMessage({ ruleSet, report: report() });
    expect(checkBlockKitLimits("message", message)).toEqual([]);
    expect(blockKitProblems("message", message)).toEqual([]);
    const json = JSON.stringify(message);
    expect(json).not.toContain("<!channel>");
    expect(json).not.toContain("<@U0BOSS>");
    expect(json).not.toContain("<https://evil");
    expect(json).toContain("_Anonymous_");
    expect(json).not.toContain("C0SOURCE");
    // every link is there (shortened), none dropped
    expect(json.match(/• https:\/\/example\.org\//g)).toHaveLength(10);
    // the history and the closing rationale, however long
    expect(json).toContain("DD-2026-0020");
    expect(json).toContain("…and 5 more");
    expect(json).toContain("Closed by <@UAPP2>");
  });

  it("names a reporter who gave their name, and the channel the report came from", () => {
    const json = JSON.stringify(buildMisuseReportMessage({ ruleSet, report: report({ anonymous: false, reporterId: "UREP", status: "open", acknowledged: null, reassessment: null, closed: null }) }));
    expect(json).toContain("<@UREP>");
    expect(json).toContain("<#C0SOURCE>");
  });

  it("offers the buttons its status allows", () => {
    expect(reportActionsFor("open")).toEqual(["acknowledge", "reassess", "close"]);
    expect(reportActionsFor("acknowledged")).toEqual(["reassess", "close"]);
    expect(reportActionsFor("reassessment")).toEqual(["close"]);
    expect(reportActionsFor("closed")).toEqual([]);
  });

  it("keeps the thread note within limits and escaped", () => {
    const note = buildMisuseReviewNote({ ruleSet, report: report(), reference: "DD-2026-0001", reopened: true, by: "UAPP1" });
    expect(checkBlockKitLimits("message", note)).toEqual([]);
    expect(JSON.stringify(note)).not.toContain("<!channel>");
  });
});

describe("the report forms", () => {
  it("fit Slack's limits, with and without the anonymity choice and a long prefill", () => {
    const long = { happened: "x".repeat(5000), evidence: `https://example.org/${"p".repeat(4000)}` };
    for (const anonymousAllowed of [true, false]) {
      const view = buildMisuseReportModal({ ruleSet, anonymousAllowed, metadata: "m".repeat(4000), prefill: long });
      expect(checkBlockKitLimits("modal", view)).toEqual([]);
      expect(blockKitProblems("modal", view)).toEqual([]);
      expect(view.blocks.some((b) => b.block_id === BLOCK.report.anonymous)).toBe(anonymousAllowed);
    }
    for (const view of [buildReportCloseModal({ reportId: "0f0e0d0c-0000-4000-8000-000000000001", reference: "MR-2026-0001" }), buildReportSentModal({ reference: "MR-2026-0001", anonymous: true })]) {
      expect(checkBlockKitLimits("modal", view)).toEqual([]);
      expect(blockKitProblems("modal", view)).toEqual([]);
    }
  });
});
