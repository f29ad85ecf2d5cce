import type { AnyBlock, SectionBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { escalationIdOf, screeningIdOf } from "../../../src/domain/ids.js";
import type { ScreeningStatus } from "../../../src/domain/screening.js";
import { buildHomeView } from "../../../src/slack/blocks/home.js";
import { ACTION } from "../../../src/slack/ids.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings, unexpectedControls } from "./block-kit-limits.js";
import { INJECTION, REQUESTER, escalationRecord, screeningRecord } from "./fixtures.js";

const isSection = (b: AnyBlock): b is SectionBlock => b.type === "section";

function mine(n: number, status: ScreeningStatus = "draft") {
  return Array.from({ length: n }, (_, i) =>
    screeningRecord({ id: screeningIdOf(`00000000-0000-4000-8000-${String(i).padStart(12, "0")}`), reference: `DD-2026-${String(i + 1).padStart(4, "0")}`, status }),
  );
}

describe("buildHomeView", () => {
  const ruleSet = tinyRuleSet();

  it("is a home tab with a New screening button", () => {
    const view = buildHomeView({ ruleSet, userId: REQUESTER, mine: [], awaiting: null });
    expect(view.type).toBe("home");
    expect(view.blocks[0]?.type).toBe("header");
    expect(JSON.stringify(view.blocks)).toContain(`"action_id":"${ACTION.start}"`);
    expect(mrkdwnStrings(view).join("\n")).toContain("no screenings yet");
    expect(JSON.stringify(view.blocks)).not.toContain("Waiting for your decision");
    expect(blockKitProblems("home", view)).toEqual([]);
  });

  it("lists my screenings with status, tier, next action, and a Resume or View button", () => {
    const draft = { ...screeningRecord({ id: screeningIdOf("11111111-1111-4111-8111-111111111111"), reference: "DD-2026-0001" }), item: "spyware", destination: "DE" };
    const info = screeningRecord({ id: screeningIdOf("22222222-2222-4222-8222-222222222222"), reference: "DD-2026-0002", status: "info_requested", tier: "high" });
    const cleared = screeningRecord({ id: screeningIdOf("33333333-3333-4333-8333-333333333333"), reference: "DD-2026-0003", status: "cleared", tier: "low" });
    const view = buildHomeView({ ruleSet, userId: REQUESTER, mine: [draft, info, cleared], awaiting: null });
    // the entries of "Your screenings" (What is due names the editable ones too, without buttons)
    const sections = view.blocks.filter(isSection).filter((s) => s.block_id?.startsWith("mine:"));
    const draftBlock = sections.find((s) => s.text?.text.includes("DD-2026-0001"));
    expect(draftBlock?.text?.text).toContain("*DD-2026-0001* · Draft · tier —\nSpyware → Germany\n_Next: Finish the questionnaire: /screening resume_");
    expect(draftBlock?.accessory).toMatchObject({ type: "button", action_id: `${ACTION.resume}:${draft.id}`, value: draft.id, text: { text: "Resume" } });
    const infoBlock = sections.find((s) => s.text?.text.includes("DD-2026-0002"));
    expect(infoBlock?.text?.text).toContain("More information requested · tier high");
    expect(infoBlock?.accessory).toMatchObject({ action_id: `${ACTION.resume}:${info.id}`, value: info.id, text: { text: "Resume" } });
    expect(sections.find((s) => s.text?.text.includes("DD-2026-0003"))?.accessory).toMatchObject({
      type: "button",
      action_id: ACTION.viewAnswers,
      value: cleared.id,
      text: { text: "View" },
    });
    expect(blockKitProblems("home", view)).toEqual([]);
  });

  it("shows approvers what waits for their decision, escaped", () => {
    const screening = { ...screeningRecord({ status: "escalated", tier: "high", score: 70, requesterId: "U0OTHER" }), item: INJECTION, destination: "DE" };
    const view = buildHomeView({ ruleSet, userId: "U0APPROVERA", mine: [], awaiting: [{ screening, escalation: escalationRecord() }] });
    const text = mrkdwnStrings(view).join("\n");
    expect(JSON.stringify(view.blocks)).toContain("Waiting for your decision");
    expect(text).toContain("*DD-2026-0007* · tier high · score 70 · requested by <@U0OTHER>");
    expect(text).toContain("Approvals 0 of 2");
    expect(unexpectedControls(view)).toEqual([]);
  });

  it("links a waiting entry to its escalation message when the permalink is known, and offers View", () => {
    const permalink = "https://dd.slack.com/archives/C0COMPLIANCE/p1700000000000100";
    const screening = { ...screeningRecord({ status: "escalated", tier: "high", score: 70, requesterId: "U0OTHER" }), destination: "DE" };
    const view = buildHomeView({ ruleSet, userId: "U0APPROVERA", mine: [], awaiting: [{ screening, escalation: escalationRecord(), permalink }] });
    const entry = view.blocks.filter(isSection).find((s) => s.block_id?.startsWith("awaiting:"));
    expect(entry?.text?.text).toContain(`*<${permalink}|DD-2026-0007>* · tier high`);
    expect(entry?.accessory).toMatchObject({ action_id: ACTION.viewAnswers, value: screening.id, text: { text: "View" } });
    expect(blockKitProblems("home", view)).toEqual([]);
  });

  it("shows a waiting entry unlinked when the permalink is missing or could break out of the link", () => {
    const screening = screeningRecord({ status: "escalated", tier: "high", requesterId: "U0OTHER" });
    for (const permalink of [undefined, "https://x.example/a|<!channel>", "javascript:alert(1)", "https://x.example/a b"]) {
      const view = buildHomeView({ ruleSet, userId: "U0APPROVERA", mine: [], awaiting: [{ screening, escalation: escalationRecord(), permalink }] });
      const entry = view.blocks.filter(isSection).find((s) => s.block_id?.startsWith("awaiting:"));
      expect(entry?.text?.text).toMatch(/^\*DD-2026-0007\* · tier high/);
      expect(unexpectedControls(view)).toEqual([]);
    }
  });

  it("says so when nothing waits for an approver", () => {
    const view = buildHomeView({ ruleSet, userId: "U0APPROVERA", mine: [], awaiting: [] });
    expect(mrkdwnStrings(view).join("\n")).toContain("Nothing is waiting for your decision.");
  });

  it("caps long lists within 100 blocks and counts the rest", () => {
    const awaiting = mine(80, "escalated").map((screening, i) => ({
      screening,
      escalation: escalationRecord({ id: escalationIdOf(`00000000-0000-4000-9000-${String(i).padStart(12, "0")}`) }),
      permalink: `https://dd.slack.com/archives/C0COMPLIANCE/p17000000000${String(i).padStart(5, "0")}`,
    }));
    const view = buildHomeView({ ruleSet, userId: REQUESTER, mine: mine(80), awaiting });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = mrkdwnStrings(view).join("\n");
    expect(text).toContain("…and 60 more");
    expect(blockKitProblems("home", view)).toEqual([]);
  });

  it("says what is due: reviews coming up, drafts to finish and decisions waiting, each with how long", () => {
    const now = new Date("2026-12-16T12:00:00Z");
    const draft = screeningRecord({ id: screeningIdOf("11111111-1111-4111-8111-111111111111"), reference: "DD-2026-0001", updatedAt: new Date("2026-12-13T09:00:00Z") });
    const info = screeningRecord({ id: screeningIdOf("22222222-2222-4222-8222-222222222222"), reference: "DD-2026-0002", status: "info_requested", updatedAt: new Date("2026-12-16T07:00:00Z") });
    const cleared = screeningRecord({ id: screeningIdOf("33333333-3333-4333-8333-333333333333"), reference: "DD-2026-0003", status: "cleared" });
    const waiting = { ...screeningRecord({ reference: "DD-2026-0009", status: "escalated", requesterId: "U0OTHER", submittedAt: new Date("2026-12-15T12:00:00Z") }) };
    const escalation = escalationRecord({ createdAt: new Date("2026-12-14T12:00:00Z") });
    const reviews = [
      { screeningId: "44444444-4444-4444-8444-444444444444", reference: "DD-2025-0100", reviewDueAt: new Date("2026-12-28T00:00:00Z") },
      { screeningId: "55555555-5555-4555-8555-555555555555", reference: "DD-2025-0042", reviewDueAt: new Date("2026-12-10T00:00:00Z") },
    ];
    const view = buildHomeView({ ruleSet, userId: "U0APPROVERA", mine: [draft, info, cleared], awaiting: [{ screening: waiting, escalation }], now, reviews });
    const due = view.blocks.filter(isSection).filter((b) => b.block_id?.startsWith("due:")).map((b) => b.text?.text ?? "");
    expect(due).toHaveLength(3);
    expect(due[0]).toMatch(/^\*Reviews coming up\*/);
    expect(due[0]).toContain("• *DD-2025-0100* · review due <!date^");
    expect(due[0]).toContain("(in 11 days)");
    expect(due[0]).toContain("(overdue by 6 days)");
    expect(due[1]).toBe(
      "*Drafts to finish* (press *Resume* below)\n• *DD-2026-0001* · draft · untouched for 3 days\n• *DD-2026-0002* · compliance asked for more information · untouched for 5 hours",
    );
    // the round began when it was resubmitted, not when it was first escalated
    expect(due[2]).toBe("*Decisions waiting for you*\n• *DD-2026-0009* · waiting 24 hours · approvals 0 of 2");
    const entry = view.blocks.filter(isSection).find((b) => b.block_id?.startsWith("awaiting:"));
    expect(entry?.text?.text).toMatch(/ · waiting 24 hours$/);
    expect(unexpectedControls(view)).toEqual([]);
    expect(blockKitProblems("home", view)).toEqual([]);
  });

  it("says when nothing is due, and shows no durations without the time", () => {
    const cleared = screeningRecord({ status: "cleared" });
    const view = buildHomeView({ ruleSet, userId: REQUESTER, mine: [cleared], awaiting: null, now: new Date("2026-12-16T12:00:00Z") });
    expect(mrkdwnStrings(view).join("\n")).toContain("Nothing is due: no drafts to finish and no reviews coming up.");
    const timeless = buildHomeView({ ruleSet, userId: REQUESTER, mine: [screeningRecord({ reference: "DD-2026-0001" })], awaiting: null });
    const due = timeless.blocks.filter(isSection).find((b) => b.block_id === "due:0");
    expect(due?.text?.text).toBe("*Drafts to finish* (press *Resume* below)\n• *DD-2026-0001* · draft");
  });

  it("works without a rule set, showing summary answers as stored", () => {
    const view = buildHomeView({ userId: REQUESTER, mine: [{ ...screeningRecord(), item: "Spy kit", destination: "Elbonia" }], awaiting: null });
    expect(mrkdwnStrings(view).join("\n")).toContain("Spy kit → Elbonia");
  });
});
