// The reminders' policy, table by table: when each reminder is due, which one, whom it goes to,
// quiet weekends, the digest, and the words for how long something waited.
import { describe, expect, it } from "vitest";
import {
  DEFAULT_REMINDER_POLICY,
  approversToRemind,
  digestDue,
  digestReminder,
  escalationDue,
  escalationReminder,
  formatWait,
  latestDue,
  momentOf,
  nextDue,
  quietShift,
  requesterReminder,
  type ReminderPolicy,
  type WaitingOnApprovers,
  type WaitingOnRequester,
} from "../../src/domain/reminders.js";

const H = 3_600_000;
const D = 24 * H;
const at = (iso: string) => new Date(iso);
// 2026-12-16 is a Wednesday; 2026-12-19 a Saturday, 2026-12-20 a Sunday, 2026-12-21 a Monday.
const WED = "2026-12-16";

function draft(over: Partial<WaitingOnRequester> = {}): WaitingOnRequester {
  return {
    screeningId: "11111111-1111-4111-8111-111111111111",
    reference: "DD-2026-0001",
    requesterId: "UREQ",
    status: "draft",
    version: 4,
    untouchedSince: at(`${WED}T10:00:00Z`),
    remindedN: 0,
    ...over,
  };
}

function escalation(over: Partial<WaitingOnApprovers> = {}): WaitingOnApprovers {
  return {
    screeningId: "22222222-2222-4222-8222-222222222222",
    escalationId: "33333333-3333-4333-8333-333333333333",
    reference: "DD-2026-0002",
    requesterId: "UREQ",
    version: 7,
    round: 1,
    waitingSince: at(`${WED}T10:00:00Z`),
    hardStop: false,
    tier: "high",
    requiredApprovals: 2,
    approvals: 0,
    decidedThisRound: [],
    remindedN: 0,
    ...over,
  };
}

const policy = (over: Partial<ReminderPolicy> = {}): ReminderPolicy => ({ ...DEFAULT_REMINDER_POLICY, ...over });

describe("due moments", () => {
  const escalating = [24 * H, 48 * H, 72 * H];

  it.each([
    // hours after the start → the latest due reminder (n), with 24 h, then 48 h, then every 72 h
    [23, null],
    [24, 1],
    [71, 1],
    [72, 2],
    [143, 2],
    [144, 3],
    [216, 4],
    [288, 5],
  ])("escalating intervals: %i h after the start, the latest due is n = %s", (hours, n) => {
    const start = at(`${WED}T10:00:00Z`);
    const due = latestDue(start, escalating, new Date(start.getTime() + hours * H), { repeatLast: true, quietWeekends: false });
    expect(due?.n ?? null).toBe(n);
  });

  it("a draft schedule ends with its last interval; an escalation's repeats the last one", () => {
    const start = at(`${WED}T10:00:00Z`);
    const later = new Date(start.getTime() + 400 * D);
    expect(latestDue(start, [3 * D], later, { repeatLast: false, quietWeekends: false })?.n).toBe(1);
    expect(latestDue(start, [3 * D, 7 * D], later, { repeatLast: false, quietWeekends: false })?.n).toBe(2);
    expect(momentOf(start, [3 * D], 2, { repeatLast: false, quietWeekends: false })).toBeNull();
    expect(momentOf(start, [24 * H, 48 * H], 4, { repeatLast: true, quietWeekends: false })).toEqual(new Date(start.getTime() + (24 + 48 + 48 + 48) * H));
  });

  it("says when the next reminder comes, and that none comes after a draft's last", () => {
    const start = at(`${WED}T10:00:00Z`);
    expect(nextDue(start, [3 * D], start, { repeatLast: false, quietWeekends: false })).toEqual({ n: 1, at: at("2026-12-19T10:00:00Z") });
    expect(nextDue(start, [3 * D], at("2026-12-20T00:00:00Z"), { repeatLast: false, quietWeekends: false })).toBeNull();
  });

  it("quiet weekends move a Saturday or Sunday moment to Monday 09:00 UTC, and leave weekdays alone", () => {
    expect(quietShift(at("2026-12-19T10:00:00Z"), true)).toEqual(at("2026-12-21T09:00:00Z"));
    expect(quietShift(at("2026-12-20T23:59:00Z"), true)).toEqual(at("2026-12-21T09:00:00Z"));
    expect(quietShift(at("2026-12-21T08:00:00Z"), true)).toEqual(at("2026-12-21T08:00:00Z"));
    expect(quietShift(at("2026-12-19T10:00:00Z"), false)).toEqual(at("2026-12-19T10:00:00Z"));
  });

  it("a draft due on Saturday is reminded on Monday at 09:00, once for the weekend's moments", () => {
    const w = draft({ untouchedSince: at(`${WED}T10:00:00Z`) }); // 3 days → Saturday 10:00
    const quiet = policy({ quietWeekends: true });
    expect(requesterReminder(w, at("2026-12-19T10:00:00Z"), quiet)).toBeNull();
    expect(requesterReminder(w, at("2026-12-21T08:59:59Z"), quiet)).toBeNull();
    const monday = requesterReminder(w, at("2026-12-21T09:00:00Z"), quiet);
    expect(monday).toMatchObject({ n: 1, dueAt: at("2026-12-21T09:00:00Z") });
    // an escalation waiting from Friday: 24 h (Sat) and 72 h (Mon 10:00) → Monday 09:00 has only the first; 10:00 the second
    const e = escalation({ waitingSince: at("2026-12-18T10:00:00Z") });
    expect(escalationDue(e, at("2026-12-20T12:00:00Z"), quiet)).toBeNull();
    expect(escalationDue(e, at("2026-12-21T09:00:00Z"), quiet)).toEqual({ n: 1, at: at("2026-12-21T09:00:00Z") });
    expect(escalationDue(e, at("2026-12-21T10:00:00Z"), quiet)).toEqual({ n: 2, at: at("2026-12-21T10:00:00Z") });
  });
});

describe("the requester's reminder", () => {
  it("is due after the draft interval, keyed by the draft's version and n, with a DM carrying how long", () => {
    const w = draft();
    expect(requesterReminder(w, at("2026-12-19T09:59:59Z"), policy())).toBeNull();
    const claim = requesterReminder(w, at("2026-12-19T10:05:00Z"), policy());
    expect(claim).toEqual({
      key: `reminder:draft:${w.screeningId}:v4:1`,
      subject: `draft:${w.screeningId}:v4`,
      n: 1,
      kind: "draft",
      screeningId: w.screeningId,
      version: 4,
      dueAt: at("2026-12-19T10:00:00Z"),
      messages: [{ screeningId: w.screeningId, message: { kind: "reminder_draft", screeningId: w.screeningId, version: 4, n: 1, untouchedMs: 3 * D + 5 * 60_000 } }],
    });
  });

  it("is not due again once claimed, and a touched draft (new version) starts over", () => {
    expect(requesterReminder(draft({ remindedN: 1 }), at("2027-01-30T00:00:00Z"), policy())).toBeNull();
    const touched = requesterReminder(draft({ version: 5, untouchedSince: at("2026-12-20T10:00:00Z") }), at("2026-12-23T10:00:00Z"), policy());
    expect(touched?.key).toBe("reminder:draft:11111111-1111-4111-8111-111111111111:v5:1");
  });

  it("with two intervals reminds a second time, and no more", () => {
    const twice = policy({ draftIntervalsMs: [3 * D, 4 * D] });
    expect(requesterReminder(draft({ remindedN: 1 }), at("2026-12-23T10:00:00Z"), twice)?.n).toBe(2);
    expect(requesterReminder(draft({ remindedN: 2 }), at("2027-06-01T10:00:00Z"), twice)).toBeNull();
  });
});

describe("the escalation's reminder", () => {
  it("goes to its thread and to each approver who has not decided this round, never the requester", () => {
    const w = escalation({ decidedThisRound: ["UAPPROVER1"], requesterId: "UAPPROVER3" });
    const due = escalationDue(w, at("2026-12-17T10:00:00Z"), policy());
    expect(due).toEqual({ n: 1, at: at("2026-12-17T10:00:00Z") });
    const claim = escalationReminder(w, due!, at("2026-12-17T10:00:00Z"), { approvers: ["UAPPROVER3", "UAPPROVER2", "UAPPROVER1"], hardStopApprovers: ["UHARD"] });
    expect(claim.key).toBe(`reminder:escalation:${w.escalationId}:r1:1`);
    expect(claim.version).toBe(7);
    expect(claim.messages.map((m) => m.message)).toEqual([
      { kind: "reminder_escalation", escalationId: w.escalationId, round: 1, n: 1, waitingMs: 24 * H, notified: 1 },
      { kind: "reminder_approver", escalationId: w.escalationId, round: 1, n: 1, userId: "UAPPROVER2", waitingMs: 24 * H },
    ]);
  });

  it("on a hard stop also reminds the hard-stop approvers, once each", () => {
    expect(approversToRemind({ hardStop: true, decidedThisRound: [], requesterId: "UREQ" }, { approvers: ["UA", "UB"], hardStopApprovers: ["UB", "UH"] })).toEqual(["UA", "UB", "UH"]);
    expect(approversToRemind({ hardStop: false, decidedThisRound: [], requesterId: "UREQ" }, { approvers: ["UA"], hardStopApprovers: ["UH"] })).toEqual(["UA"]);
  });

  it("starts over with a new round, and is not due again for a moment already claimed", () => {
    expect(escalationDue(escalation({ remindedN: 1 }), at("2026-12-18T10:00:00Z"), policy())).toBeNull();
    expect(escalationDue(escalation({ remindedN: 1 }), at("2026-12-19T10:00:00Z"), policy())?.n).toBe(2);
    const round2 = escalation({ round: 2, remindedN: 0, waitingSince: at("2026-12-18T12:00:00Z") });
    const due = escalationDue(round2, at("2026-12-19T12:00:00Z"), policy());
    expect(due?.n).toBe(1);
    expect(escalationReminder(round2, due!, at("2026-12-19T12:00:00Z"), { approvers: [], hardStopApprovers: [] }).key).toBe(`reminder:escalation:${round2.escalationId}:r2:1`);
  });
});

describe("the daily digest", () => {
  it("is due from its hour of the current UTC day, never on a quiet weekend, and not at all when off", () => {
    expect(digestDue(at(`${WED}T08:59:00Z`), policy())).toBeNull();
    expect(digestDue(at(`${WED}T09:00:00Z`), policy())).toEqual(at(`${WED}T09:00:00Z`));
    expect(digestDue(at(`${WED}T23:00:00Z`), policy())).toEqual(at(`${WED}T09:00:00Z`));
    expect(digestDue(at("2026-12-19T12:00:00Z"), policy({ quietWeekends: true }))).toBeNull();
    expect(digestDue(at("2026-12-19T12:00:00Z"), policy())).toEqual(at("2026-12-19T09:00:00Z"));
    expect(digestDue(at(`${WED}T12:00:00Z`), policy({ digestHourUtc: null }))).toBeNull();
  });

  it("lists decisions waiting, oldest first, then screenings waiting on their requester's information", () => {
    const now = at(`${WED}T12:00:00Z`);
    const older = escalation({ reference: "DD-2026-0003", waitingSince: at("2026-12-14T12:00:00Z"), approvals: 1 });
    const newer = escalation({ reference: "DD-2026-0004", waitingSince: at("2026-12-16T06:00:00Z") });
    const info = draft({ reference: "DD-2026-0005", status: "info_requested", untouchedSince: at("2026-12-15T12:00:00Z") });
    const plainDraft = draft({ reference: "DD-2026-0006" });
    const claim = digestReminder(at(`${WED}T09:00:00Z`), now, "C0COMPLIANCE", { approvers: [newer, older], requesters: [plainDraft, info] });
    expect(claim.key).toBe("reminder:digest:2026-12-16:1");
    const message = claim.messages[0]?.message;
    expect(message?.kind).toBe("reminder_digest");
    if (message?.kind !== "reminder_digest") return;
    expect(message.channelId).toBe("C0COMPLIANCE");
    expect(message.items.map((i) => [i.reference, i.waitingOn, i.waitingMs / H])).toEqual([
      ["DD-2026-0003", "decision", 48],
      ["DD-2026-0004", "decision", 6],
      ["DD-2026-0005", "requester", 24],
    ]);
  });

  it("is claimed with nothing to send when nothing waits", () => {
    const claim = digestReminder(at(`${WED}T09:00:00Z`), at(`${WED}T09:01:00Z`), "C0COMPLIANCE", { approvers: [], requesters: [draft()] });
    expect(claim.messages).toEqual([]);
  });
});

describe("formatWait", () => {
  it.each([
    [0, "1 minute"],
    [59 * 60_000, "59 minutes"],
    [H, "1 hour"],
    [47 * H + 59 * 60_000, "47 hours"],
    [48 * H, "2 days"],
    [3 * D + 5 * H, "3 days"],
  ])("%i ms → %s", (ms, words) => {
    expect(formatWait(ms)).toBe(words);
  });
});
