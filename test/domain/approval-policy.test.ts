import { describe, expect, it } from "vitest";
import {
  applyDecision,
  approversThisRound,
  canDecide,
  mayApproveHardStop,
  outcomesOffered,
  type Decider,
  type DecisionOutcome,
  type EscalationView,
  type PriorDecision,
} from "../../src/domain/approval-policy.js";
import { isEditable, nextStatus } from "../../src/domain/screening.js";

const at = new Date("2026-11-28T10:00:00Z");
const open = (decisions: PriorDecision[] = [], required = 1, round = 1): EscalationView => ({
  status: "open",
  round,
  requiredApprovals: required,
  requesterId: "UREQ",
  hardStop: false,
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

describe("the same approver never counts twice toward a two-approval tier", () => {
  const by = (deciderId: string, outcome: DecisionOutcome = "approve"): PriorDecision => ({ deciderId, outcome, round: 1, createdAt: at });
  it("a second approval by the same person (recorded twice, e.g. a race) leaves the tier open with one approval", () => {
    expect(applyDecision(open([by("UA")], 2), "UA", "approve")).toEqual({ status: "open", approvals: 1, final: false });
    expect(applyDecision(open([by("UA"), by("UA", "approve_with_conditions")], 2), "UA", "approve_with_conditions")).toEqual({
      status: "open",
      approvals: 1,
      final: false,
    });
  });
  it("approvals already recorded twice by one person count once; a different approver then makes two", () => {
    expect(approversThisRound(open([by("UA"), by("UA", "approve_with_conditions")], 2))).toEqual(["UA"]);
    expect(applyDecision(open([by("UA"), by("UA")], 3), "UB", "approve")).toEqual({ status: "open", approvals: 2, final: false });
    expect(applyDecision(open([by("UA"), by("UA")], 2), "UB", "approve")).toEqual({ status: "approved", approvals: 2, final: true });
  });
  it("a rejection reports the approvals of distinct people", () => {
    expect(applyDecision(open([by("UA"), by("UA")], 2), "UB", "reject")).toEqual({ status: "rejected", approvals: 1, final: true });
  });
});

describe("hard stops: approval only under an authorisation, by the hard-stop approvers", () => {
  const hardStop = (decisions: PriorDecision[] = [], required = 2): EscalationView => ({ ...open(decisions, required), hardStop: true });
  const NAMED = { userIds: ["UHARD1", "UHARD2"], usergroupId: "SHARD" };
  // Who clicks, with or without hard-stop approvers named (HARD_STOP_APPROVER_USER_IDS / _USERGROUP_ID).
  type Person = "hard-stop approver (also an approver)" | "hard-stop approver only" | "ordinary approver" | "requester (a hard-stop approver too)" | "outsider";
  const people: Record<Person, { named: Decider; unnamed: Decider }> = {
    "hard-stop approver (also an approver)": {
      named: { userId: "UHARD1", isApprover: true, hardStop: { isApprover: true, approvers: NAMED } },
      unnamed: { userId: "UHARD1", isApprover: true },
    },
    "hard-stop approver only": {
      named: { userId: "UHARD2", isApprover: false, hardStop: { isApprover: true, approvers: NAMED } },
      unnamed: { userId: "UHARD2", isApprover: false },
    },
    "ordinary approver": {
      named: { userId: "UA", isApprover: true, hardStop: { isApprover: false, approvers: NAMED } },
      unnamed: { userId: "UA", isApprover: true },
    },
    "requester (a hard-stop approver too)": {
      named: { userId: "UREQ", isApprover: true, hardStop: { isApprover: true, approvers: NAMED } },
      unnamed: { userId: "UREQ", isApprover: true },
    },
    outsider: {
      named: { userId: "UX", isApprover: false, hardStop: { isApprover: false, approvers: NAMED } },
      unnamed: { userId: "UX", isApprover: false },
    },
  };
  type Row = [person: Person, named: boolean, outcome: DecisionOutcome, expected: string];
  const rows: Row[] = [
    // hard-stop approvers named
    ["hard-stop approver (also an approver)", true, "approve_under_authorisation", "ok"],
    ["hard-stop approver only", true, "approve_under_authorisation", "ok"],
    ["hard-stop approver only", true, "reject", "ok"],
    ["ordinary approver", true, "approve_under_authorisation", "not_hard_stop_approver"],
    ["ordinary approver", true, "reject", "ok"],
    ["ordinary approver", true, "request_info", "ok"],
    ["requester (a hard-stop approver too)", true, "approve_under_authorisation", "own_screening"],
    ["outsider", true, "approve_under_authorisation", "not_approver"],
    ["outsider", true, "reject", "not_approver"],
    // a plain approval on a hard stop is refused, whoever sends it (the button is not offered: forged)
    ["hard-stop approver (also an approver)", true, "approve", "authorisation_required"],
    ["hard-stop approver (also an approver)", true, "approve_with_conditions", "authorisation_required"],
    ["ordinary approver", true, "approve", "authorisation_required"],
    // none named: the approvers approve hard stops
    ["ordinary approver", false, "approve_under_authorisation", "ok"],
    ["ordinary approver", false, "approve", "authorisation_required"],
    ["ordinary approver", false, "reject", "ok"],
    ["hard-stop approver only", false, "approve_under_authorisation", "not_approver"],
    ["requester (a hard-stop approver too)", false, "approve_under_authorisation", "own_screening"],
    ["outsider", false, "approve_under_authorisation", "not_approver"],
  ];
  it.each(rows)("%s (hard-stop approvers named: %s) → %s: %s", (person, named, outcome, expected) => {
    const actor = named ? people[person].named : people[person].unnamed;
    const check = canDecide(actor, hardStop(), outcome);
    if (expected === "ok") expect(check).toEqual({ ok: true });
    else expect(check).toMatchObject({ ok: false, refusal: { code: expected } });
  });

  it("a refusal names who can approve under authorisation", () => {
    const check = canDecide(people["ordinary approver"].named, hardStop(), "approve_under_authorisation");
    expect(check).toMatchObject({ ok: false, refusal: { code: "not_hard_stop_approver", approvers: NAMED } });
    if (check.ok) throw new Error("refused");
    expect(check.refusal.message).toMatch(/only the hard-stop approvers/i);
    expect(check.refusal.message).toMatch(/You can still reject it or request information/);
  });

  it("refuses Approve under authorisation where no hard stop holds", () => {
    expect(canDecide(approver("UA"), open(), "approve_under_authorisation")).toMatchObject({ ok: false, refusal: { code: "no_hard_stop" } });
  });

  it("still refuses on a final escalation first, naming who decided", () => {
    const done: EscalationView = { ...hardStop([{ deciderId: "UHARD1", outcome: "reject", round: 1, createdAt: at }]), status: "rejected" };
    expect(canDecide(people["ordinary approver"].named, done, "approve_under_authorisation")).toMatchObject({ ok: false, refusal: { code: "already_final", decidedBy: "UHARD1" } });
  });

  it("mayApproveHardStop: the named hard-stop approvers, or the approvers when none are named", () => {
    expect(Object.fromEntries(Object.entries(people).map(([k, v]) => [k, [mayApproveHardStop(v.named), mayApproveHardStop(v.unnamed)]]))).toEqual({
      "hard-stop approver (also an approver)": [true, true],
      "hard-stop approver only": [true, false],
      "ordinary approver": [false, true],
      "requester (a hard-stop approver too)": [true, true],
      outsider: [false, false],
    });
  });

  it("two approvals under authorisation by different people close a two-approval hard stop; the same person cannot give both", () => {
    const first = [{ deciderId: "UHARD1", outcome: "approve_under_authorisation" as const, round: 1, createdAt: at }];
    expect(applyDecision(hardStop(), "UHARD1", "approve_under_authorisation")).toEqual({ status: "open", approvals: 1, final: false });
    expect(canDecide(people["hard-stop approver (also an approver)"].named, hardStop(first), "approve_under_authorisation")).toMatchObject({
      ok: false,
      refusal: { code: "already_approved_by_you" },
    });
    expect(applyDecision(hardStop(first), "UHARD2", "approve_under_authorisation")).toEqual({ status: "approved", approvals: 2, final: true });
  });

  it("on a hard stop only approvals under an authorisation count (a plain one recorded before does not)", () => {
    const plain = [{ deciderId: "UA", outcome: "approve" as const, round: 1, createdAt: at }];
    expect(approversThisRound(hardStop(plain), { hardStop: true })).toEqual([]);
    expect(approversThisRound(hardStop(plain))).toEqual(["UA"]);
    expect(applyDecision(hardStop(plain), "UHARD1", "approve_under_authorisation")).toEqual({ status: "open", approvals: 1, final: false });
  });

  it("offers Approve under authorisation instead of the plain approvals on a hard stop", () => {
    expect(outcomesOffered(true)).toEqual(["approve_under_authorisation", "reject", "request_info"]);
    expect(outcomesOffered(false)).toEqual(["approve", "approve_with_conditions", "reject", "request_info"]);
  });
});

describe("screening status machine", () => {
  it.each([
    ["draft", "clear", "cleared"],
    ["draft", "escalate", "escalated"],
    ["draft", "resubmit", "escalated"],
    ["escalated", "approve", "approved"],
    ["escalated", "reject", "rejected"],
    ["escalated", "close", "cleared"],
    ["escalated", "request_info", "info_requested"],
    ["info_requested", "reopen", "draft"],
    ["cleared", "escalate", undefined],
    ["escalated", "clear", undefined],
    ["info_requested", "resubmit", undefined],
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
