import { describe, expect, it } from "vitest";
import { applyDecision, canDecide, type EscalationView, type PriorDecision } from "../../src/domain/approval-policy.js";
import { isEditable, nextStatus } from "../../src/domain/screening.js";

const at = new Date("2026-11-28T10:00:00Z");
const open = (decisions: PriorDecision[] = [], required = 1, round = 1): EscalationView => ({
  status: "open",
  round,
  requiredApprovals: required,
  requesterId: "UREQ",
  decisions,
});
const approver = (userId: string) => ({ userId, isApprover: true });

describe("canDecide", () => {
  it("lets an approver decide an open escalation", () => {
    expect(canDecide(approver("UA"), open(), "approve")).toEqual({ ok: true });
  });
  it("refuses someone who is not an approver", () => {
    expect(canDecide({ userId: "UX", isApprover: false }, open(), "approve")).toMatchObject({ ok: false, refusal: { code: "not_approver" } });
  });
  it("refuses the requester even when they are an approver", () => {
    expect(canDecide(approver("UREQ"), open(), "reject")).toMatchObject({ ok: false, refusal: { code: "own_screening" } });
  });
  it("refuses any decision on a final escalation and names who decided", () => {
    const done: EscalationView = { ...open([{ deciderId: "UA", outcome: "reject", round: 1, createdAt: at }]), status: "rejected" };
    expect(canDecide(approver("UB"), done, "approve")).toMatchObject({ ok: false, refusal: { code: "already_final", decidedBy: "UA" } });
  });
  it("refuses a decision while waiting for the requester's information", () => {
    expect(canDecide(approver("UA"), { ...open(), status: "info_requested" }, "approve")).toMatchObject({
      ok: false,
      refusal: { code: "waiting_for_requester" },
    });
  });
  it("refuses a second approval by the same approver in the same round", () => {
    const e = open([{ deciderId: "UA", outcome: "approve", round: 1, createdAt: at }], 2);
    expect(canDecide(approver("UA"), e, "approve_with_conditions")).toMatchObject({ ok: false, refusal: { code: "already_approved_by_you" } });
    expect(canDecide(approver("UA"), e, "reject")).toEqual({ ok: true });
  });
});

describe("applyDecision", () => {
  it("one approval closes a one-approval escalation", () => {
    expect(applyDecision(open(), "UA", "approve")).toEqual({ status: "approved", approvals: 1, final: true });
  });
  it("a two-approval escalation stays open after the first approval", () => {
    expect(applyDecision(open([], 2), "UA", "approve_with_conditions")).toEqual({ status: "open", approvals: 1, final: false });
  });
  it("closes after a second, different approver", () => {
    const e = open([{ deciderId: "UA", outcome: "approve", round: 1, createdAt: at }], 2);
    expect(applyDecision(e, "UB", "approve")).toEqual({ status: "approved", approvals: 2, final: true });
  });
  it("approvals from an earlier round do not count after a resubmission", () => {
    const e = open([{ deciderId: "UA", outcome: "approve", round: 1, createdAt: at }], 2, 2);
    expect(applyDecision(e, "UB", "approve")).toEqual({ status: "open", approvals: 1, final: false });
  });
  it("a rejection is final at once", () => {
    const e = open([{ deciderId: "UA", outcome: "approve", round: 1, createdAt: at }], 2);
    expect(applyDecision(e, "UB", "reject")).toMatchObject({ status: "rejected", final: true });
  });
  it("request info pauses the escalation", () => {
    expect(applyDecision(open(), "UA", "request_info")).toEqual({ status: "info_requested", approvals: 0, final: false });
  });
});

describe("screening status machine", () => {
  it.each([
    ["draft", "submit", "submitted"],
    ["submitted", "clear", "cleared"],
    ["submitted", "escalate", "escalated"],
    ["escalated", "approve", "approved"],
    ["escalated", "request_info", "info_requested"],
    ["info_requested", "reopen", "draft"],
    ["cleared", "submit", undefined],
    ["approved", "reject", undefined],
    ["rejected", "approve", undefined],
    ["draft", "approve", undefined],
  ] as const)("%s --%s--> %s", (from, event, to) => {
    expect(nextStatus(from, event)).toBe(to);
  });
  it("only drafts and info requests are editable", () => {
    expect(isEditable("draft")).toBe(true);
    expect(isEditable("info_requested")).toBe(true);
    expect(isEditable("escalated")).toBe(false);
    expect(isEditable("cleared")).toBe(false);
  });
});
