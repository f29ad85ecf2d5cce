import { describe, expect, it } from "vitest";
import { scoreScreening } from "../../../src/domain/scoring.js";
import { buildResultModal } from "../../../src/slack/blocks/result-modal.js";
import { CALLBACK } from "../../../src/slack/ids.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings } from "./block-kit-limits.js";
import { screeningRecord, tinyHighRiskAnswers } from "./fixtures.js";

describe("buildResultModal", () => {
  const ruleSet = tinyRuleSet();

  it("says a low-risk screening is cleared, with tier and score, and only offers Done", () => {
    const result = scoreScreening(ruleSet, { item: "thermal", destination: "DE", end_user: "Acme", end_user_type: "private", functions: ["record"], hr_clause: "yes", audit_rights: "yes" });
    expect(result.escalate).toBe(false);
    const view = buildResultModal({ screening: screeningRecord({ status: "cleared" }), result, escalated: false });
    expect(view.callback_id).toBe(CALLBACK.result);
    expect(view.submit).toBeUndefined();
    expect(view.close?.text).toBe("Done");
    const text = mrkdwnStrings(view).join("\n");
    expect(text).toContain("DD-2026-0007 is cleared");
    expect(text).toContain("Tier *Low*, score *0 — below the escalation threshold of 25*");
    expect(blockKitProblems("modal", view)).toEqual([]);
  });

  it("says an escalated screening went to compliance, with tier, score, approvals and hard stops", () => {
    const result = scoreScreening(ruleSet, { ...tinyHighRiskAnswers(), destination: "CU" });
    const view = buildResultModal({ screening: screeningRecord({ status: "escalated" }), result, escalated: true });
    expect(view.title.text).toBe("Sent to compliance");
    const text = mrkdwnStrings(view).join("\n");
    expect(text).toContain("sent to compliance");
    expect(text).toContain(`Tier *Prohibited*, score *${result.total} — at or above the escalation threshold of 25*; 2 approvals are needed.`);
    expect(text).toContain("Embargoed");
    expect(blockKitProblems("modal", view)).toEqual([]);
  });
});
