import { describe, expect, it } from "vitest";
import { buildDraftSavedDm } from "../../../src/slack/blocks/dms.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings, unexpectedControls } from "./block-kit-limits.js";
import { escalatedDetail } from "./fixtures.js";

describe("the DM after the requester closed the interview modal", () => {
  it("says the screening is saved as a draft and how to continue it", () => {
    const detail = escalatedDetail(tinyRuleSet(), { screeningStatus: "draft", escalation: false });
    const dm = buildDraftSavedDm({ detail });
    const text = mrkdwnStrings(dm).join("\n");
    expect(text).toContain("*DD-2026-0007* is saved as a draft");
    expect(text).toContain("`/screening resume`");
    expect(text).toContain("Home tab");
    expect(dm.text).toBe("Your screening DD-2026-0007 is saved as a draft. Type /screening resume to continue where you stopped.");
    expect(text).not.toMatch(/score|tier/i);
    expect(unexpectedControls(dm)).toEqual([]);
    expect(blockKitProblems("message", dm)).toEqual([]);
  });
});
