// The reminders' messages (src/slack/blocks/reminders.ts): what each says, the buttons they
// carry, user text escaped, within Slack's limits.
import { describe, expect, it } from "vitest";
import type { DigestItem } from "../../../src/domain/reminders.js";
import { buildApproverReminderDm, buildDraftReminderDm, buildEscalationReminderReply, buildReminderDigest } from "../../../src/slack/blocks/reminders.js";
import { ACTION } from "../../../src/slack/ids.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings, unexpectedControls } from "./block-kit-limits.js";
import { INJECTION, INJECTION_ESCAPED, decisionRecord, escalatedDetail, screeningRecord, tinyHighRiskAnswers } from "./fixtures.js";

const ruleSet = tinyRuleSet();
const H = 3_600_000;

describe("reminder messages", () => {
  it("reminds the requester of a draft with how long it waited and a Resume button for it", () => {
    const detail = { screening: screeningRecord({ status: "draft" }), answers: { item: "spyware", destination: "DE" }, escalation: null };
    const message = buildDraftReminderDm({ ruleSet, detail, untouchedMs: 3 * 24 * H + 5 * H });
    expect(message.text).toBe("Your screening DD-2026-0007 is still a draft, untouched for 3 days. Press Resume to continue.");
    const text = mrkdwnStrings(message).join("\n");
    expect(text).toContain("Spyware → Germany");
    expect(JSON.stringify(message.blocks)).toContain(`"action_id":"${ACTION.resume}:${detail.screening.id}"`);
    expect(blockKitProblems("message", message)).toEqual([]);
  });

  it("says it is compliance's question that waits when information was requested", () => {
    const base = escalatedDetail(ruleSet, { status: "info_requested", screeningStatus: "info_requested" });
    const message = buildDraftReminderDm({ ruleSet, detail: base, untouchedMs: 2 * 24 * H });
    expect(message.text).toBe("Compliance is still waiting for your answer on DD-2026-0007.");
    expect(mrkdwnStrings(message).join("\n")).toContain("It asked for more information 2 days ago");
  });

  it("escapes what the requester typed in every reminder", () => {
    const answers = tinyHighRiskAnswers(INJECTION);
    const detail = escalatedDetail(ruleSet, { answers: { ...answers, item: "spyware" } });
    const draft = { ...detail, screening: { ...detail.screening, status: "draft" as const }, answers: { ...answers, item: INJECTION } };
    for (const message of [
      buildDraftReminderDm({ ruleSet, detail: draft, untouchedMs: H }),
      buildApproverReminderDm({ ruleSet, detail: { ...detail, answers: { ...detail.answers, item: INJECTION } }, waitingMs: 30 * H }),
    ]) {
      const text = mrkdwnStrings(message).join("\n");
      expect(text).toContain(INJECTION_ESCAPED);
      // the one link of our own: the compliance channel, named by its id
      expect(unexpectedControls(message).filter((c) => c !== "<#C0COMPLIANCE>")).toEqual([]);
    }
  });

  it("counts the approvals of this round in the thread reply, and says who was sent a DM", () => {
    const detail = escalatedDetail(ruleSet, { decisions: [decisionRecord({ outcome: "approve", deciderId: "U0APPROVERA" })] });
    const reply = buildEscalationReminderReply({ ruleSet, detail, waitingMs: 25 * H, notified: 2 });
    expect(reply.text).toBe("DD-2026-0007 has waited 25 hours for a decision.");
    expect(mrkdwnStrings(reply).join("\n")).toBe(
      ":alarm_clock: *DD-2026-0007 has waited 25 hours for a decision* (approvals 1 of 2). The 2 approvers who have not decided yet were sent a direct message.",
    );
    const none = buildEscalationReminderReply({ ruleSet, detail, waitingMs: 25 * H, notified: 0 });
    expect(mrkdwnStrings(none).join("\n")).not.toContain("direct message");
  });

  it("gives the approver View answers and names where to decide", () => {
    const detail = escalatedDetail(ruleSet);
    const dm = buildApproverReminderDm({ ruleSet, detail, waitingMs: 3 * 24 * H });
    expect(dm.text).toBe("DD-2026-0007 has waited 3 days for your decision.");
    expect(mrkdwnStrings(dm).join("\n")).toContain("Decide with the buttons on its message in <#C0COMPLIANCE>");
    expect(JSON.stringify(dm.blocks)).toContain(`"action_id":"${ACTION.viewAnswers}"`);
    expect(blockKitProblems("message", dm)).toEqual([]);
  });

  it("lists everything waiting in the digest, within a message's limits however much waits", () => {
    const item = (i: number, waitingOn: DigestItem["waitingOn"]): DigestItem => ({
      screeningId: `id-${i}`,
      reference: `DD-2026-${String(i).padStart(4, "0")}`,
      requesterId: "U0REQUESTER",
      waitingOn,
      waitingMs: (i + 1) * H,
      tier: waitingOn === "decision" ? "high" : null,
      approvals: 1,
      requiredApprovals: 2,
    });
    const items = [...Array.from({ length: 25 }, (_, i) => item(i, "decision")), ...Array.from({ length: 5 }, (_, i) => item(100 + i, "requester"))];
    const digest = buildReminderDigest({ ruleSet, day: "2026-12-16", items, more: 12 });
    expect(digest.text).toBe("Daily digest 2026-12-16: 42 waiting.");
    const text = mrkdwnStrings(digest).join("\n");
    expect(text).toContain("*Waiting for a decision* (25)");
    expect(text).toContain("• *DD-2026-0000* · High · waiting 1 hour · approvals 1 of 2 · requested by <@U0REQUESTER>");
    expect(text).toContain("*Waiting for the requester's information* (5)");
    expect(text).toContain("…and 12 more");
    expect(blockKitProblems("message", digest)).toEqual([]);
  });
});
