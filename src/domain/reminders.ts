// Reminders: when something waiting on a person is due a nudge, and which one. Pure.
//
// Three things wait on people:
// - a draft (or a screening compliance asked more of) waits on its requester: reminded when it
//   has been untouched for the first interval, then after each further one (none after the last);
// - an open escalation waits on the approvers: reminded when it has waited the first interval
//   since its round began, then after each further one, the last repeating while it waits;
// - everything waiting is listed once a day in the compliance channel (the digest).
//
// Each reminder is a "due moment" with a deterministic key, `reminder:<subject>:<n>`: the store
// claims the key in the same statement that enqueues the Slack messages, so however many
// instances find the same moment due, exactly one sends it. The subject names what waits and
// the stretch of waiting (a draft's version: touching it starts a new stretch; an escalation's
// round), so a touched draft or a new round starts over at n = 1.
//
// Quiet weekends: a due moment falling on a Saturday or Sunday (UTC) moves to Monday 09:00 UTC;
// several moments moved to the same Monday collapse into one reminder (the latest).

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface ReminderPolicy {
  /** draft untouched this long → first reminder; each further interval → another; none after the last */
  draftIntervalsMs: readonly number[];
  /** escalation waiting this long → first reminder; each further interval → another; the last repeats */
  escalationIntervalsMs: readonly number[];
  /** hour of the day (UTC, 0–23) of the digest in the compliance channel; null: no digest */
  digestHourUtc: number | null;
  /** due moments on a Saturday or Sunday (UTC) move to Monday 09:00 UTC; no digest on weekends */
  quietWeekends: boolean;
}

export const DEFAULT_REMINDER_POLICY: ReminderPolicy = Object.freeze({
  draftIntervalsMs: Object.freeze([3 * DAY]),
  escalationIntervalsMs: Object.freeze([24 * HOUR, 48 * HOUR, 72 * HOUR]),
  digestHourUtc: 9,
  quietWeekends: false,
});

/** The hour (UTC) on Monday that weekend moments move to. */
export const QUIET_WEEKEND_RESUME_HOUR_UTC = 9;

/** A moment as it is kept: on a weekend, and quiet, Monday 09:00 UTC; otherwise itself. */
export function quietShift(at: Date, quietWeekends: boolean): Date {
  if (!quietWeekends) return at;
  const day = at.getUTCDay(); // 0 Sunday … 6 Saturday
  if (day !== 0 && day !== 6) return at;
  const daysToMonday = day === 6 ? 2 : 1;
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + daysToMonday, QUIET_WEEKEND_RESUME_HOUR_UTC));
}

export function isWeekendUtc(at: Date): boolean {
  const day = at.getUTCDay();
  return day === 0 || day === 6;
}

/** A reminder's place in its schedule: the n-th (1-based), due at `at` (after any weekend shift). */
export interface DueMoment {
  n: number;
  at: Date;
}

/** Most moments looked at for one schedule; a repeating interval of an hour covers 11 years. */
const MAX_MOMENTS = 100_000;

/**
 * The n-th moment of a schedule that starts at `start`: the sum of the first n intervals after
 * it (past the list, the last one again when `repeatLast`), shifted off weekends when quiet.
 * null when the schedule has no n-th moment.
 */
export function momentOf(start: Date, intervalsMs: readonly number[], n: number, opts: { repeatLast: boolean; quietWeekends: boolean }): Date | null {
  if (n < 1 || intervalsMs.length === 0) return null;
  if (!opts.repeatLast && n > intervalsMs.length) return null;
  let t = start.getTime();
  for (let i = 0; i < n; i++) t += intervalsMs[Math.min(i, intervalsMs.length - 1)] ?? 0;
  return quietShift(new Date(t), opts.quietWeekends);
}

/**
 * The latest moment of the schedule that is due at `now` (null: none yet). Moments missed while
 * no instance ran are not sent one by one afterwards: the latest stands for them.
 */
export function latestDue(start: Date, intervalsMs: readonly number[], now: Date, opts: { repeatLast: boolean; quietWeekends: boolean }): DueMoment | null {
  if (intervalsMs.length === 0 || intervalsMs.some((ms) => !(ms > 0))) return null;
  const limit = now.getTime();
  let best: DueMoment | null = null;
  let t = start.getTime();
  for (let n = 1; n <= MAX_MOMENTS; n++) {
    if (!opts.repeatLast && n > intervalsMs.length) break;
    t += intervalsMs[Math.min(n - 1, intervalsMs.length - 1)] ?? 0;
    // Shifting keeps the order (a later raw moment never lands earlier), so the due ones are a prefix.
    const at = quietShift(new Date(t), opts.quietWeekends);
    if (at.getTime() > limit) break;
    best = { n, at };
  }
  return best;
}

/** The next moment after `now` (for "next reminder" hints), or null when the schedule ends. */
export function nextDue(start: Date, intervalsMs: readonly number[], now: Date, opts: { repeatLast: boolean; quietWeekends: boolean }): DueMoment | null {
  const latest = latestDue(start, intervalsMs, now, opts);
  const n = (latest?.n ?? 0) + 1;
  const at = momentOf(start, intervalsMs, n, opts);
  return at ? { n, at } : null;
}

// ---------------------------------------------------------------------------------------------
// What waits, as the store reads it

/** A screening waiting on its requester: a draft, or more information requested by compliance. */
export interface WaitingOnRequester {
  screeningId: string;
  reference: string;
  requesterId: string;
  status: "draft" | "info_requested";
  /** the screening's version: any change to it starts a new stretch of waiting */
  version: number;
  /** when it was last changed (the draft saved, the information requested) */
  untouchedSince: Date;
  /** the highest n already claimed for this stretch (0: none) */
  remindedN: number;
}

/** An open escalation waiting on the approvers. */
export interface WaitingOnApprovers {
  screeningId: string;
  escalationId: string;
  reference: string;
  requesterId: string;
  /** the screening's version when read: the claim holds only if it is still this */
  version: number;
  round: number;
  /** when its current round began: escalated, or resubmitted after "Request info" */
  waitingSince: Date;
  hardStop: boolean;
  tier: string | null;
  requiredApprovals: number;
  /** approvals in the current round */
  approvals: number;
  /** who decided in the current round (they are not reminded) */
  decidedThisRound: readonly string[];
  /** the highest n already claimed for this round (0: none) */
  remindedN: number;
}

/** Who may act on an escalation, as the Slack layer knows them (user ids). */
export interface ReminderRecipients {
  approvers: readonly string[];
  /** those who may approve a hard stop under an authorisation (empty: the approvers do) */
  hardStopApprovers: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// What to send

/** The Slack messages of one due moment (the outbox's payloads, validated by the store). */
export type ReminderMessage =
  | { kind: "reminder_draft"; screeningId: string; version: number; n: number; untouchedMs: number }
  | { kind: "reminder_escalation"; escalationId: string; round: number; n: number; waitingMs: number; notified: number }
  | { kind: "reminder_approver"; escalationId: string; round: number; n: number; userId: string; waitingMs: number }
  | { kind: "reminder_digest"; channelId: string; day: string; items: DigestItem[]; more: number };

export interface DigestItem {
  screeningId: string;
  reference: string;
  requesterId: string;
  /** decision: waiting on the approvers; requester: compliance asked for more information */
  waitingOn: "decision" | "requester";
  waitingMs: number;
  tier: string | null;
  approvals: number;
  requiredApprovals: number;
}

/** One due moment to claim, with the messages it sends once claimed. */
export interface ReminderClaim {
  /** `reminder:<subject>:<n>`, unique: the claim */
  key: string;
  subject: string;
  n: number;
  kind: "draft" | "escalation" | "digest";
  /** the screening it is about (null: the digest) */
  screeningId: string | null;
  /** claimed only if the screening is still at this version (null: no check) */
  version: number | null;
  dueAt: Date;
  messages: Array<{ screeningId: string | null; message: ReminderMessage }>;
}

export function draftSubject(w: Pick<WaitingOnRequester, "screeningId" | "version">): string {
  return `draft:${w.screeningId}:v${w.version}`;
}

export function escalationSubject(w: Pick<WaitingOnApprovers, "escalationId" | "round">): string {
  return `escalation:${w.escalationId}:r${w.round}`;
}

export function digestSubject(day: string): string {
  return `digest:${day}`;
}

export function claimKey(subject: string, n: number): string {
  return `reminder:${subject}:${n}`;
}

/** The requester's reminder due now, if any (not yet claimed as far as the read knew). */
export function requesterReminder(w: WaitingOnRequester, now: Date, policy: ReminderPolicy): ReminderClaim | null {
  const due = latestDue(w.untouchedSince, policy.draftIntervalsMs, now, { repeatLast: false, quietWeekends: policy.quietWeekends });
  if (!due || due.n <= w.remindedN) return null;
  const subject = draftSubject(w);
  return {
    key: claimKey(subject, due.n),
    subject,
    n: due.n,
    kind: "draft",
    screeningId: w.screeningId,
    version: w.version,
    dueAt: due.at,
    messages: [
      {
        screeningId: w.screeningId,
        message: { kind: "reminder_draft", screeningId: w.screeningId, version: w.version, n: due.n, untouchedMs: Math.max(0, now.getTime() - w.untouchedSince.getTime()) },
      },
    ],
  };
}

/** Whether an escalation has a reminder due now (before anyone is asked who the approvers are). */
export function escalationDue(w: WaitingOnApprovers, now: Date, policy: ReminderPolicy): DueMoment | null {
  const due = latestDue(w.waitingSince, policy.escalationIntervalsMs, now, { repeatLast: true, quietWeekends: policy.quietWeekends });
  return due && due.n > w.remindedN ? due : null;
}

/**
 * Who is reminded of an escalation: those who may decide it (on a hard stop, the hard-stop
 * approvers too) and have not decided this round, never its requester. Sorted, no repeats.
 */
export function approversToRemind(w: Pick<WaitingOnApprovers, "hardStop" | "decidedThisRound" | "requesterId">, recipients: ReminderRecipients): string[] {
  const may = new Set(recipients.approvers);
  if (w.hardStop) for (const id of recipients.hardStopApprovers) may.add(id);
  for (const id of w.decidedThisRound) may.delete(id);
  may.delete(w.requesterId);
  return [...may].sort();
}

/**
 * An escalation's reminder due now: a reply in its thread, and a direct message to each
 * approver who has not decided this round.
 */
export function escalationReminder(w: WaitingOnApprovers, due: DueMoment, now: Date, recipients: ReminderRecipients): ReminderClaim {
  const subject = escalationSubject(w);
  const waitingMs = Math.max(0, now.getTime() - w.waitingSince.getTime());
  const toRemind = approversToRemind(w, recipients);
  return {
    key: claimKey(subject, due.n),
    subject,
    n: due.n,
    kind: "escalation",
    screeningId: w.screeningId,
    version: w.version,
    dueAt: due.at,
    messages: [
      { screeningId: w.screeningId, message: { kind: "reminder_escalation", escalationId: w.escalationId, round: w.round, n: due.n, waitingMs, notified: toRemind.length } },
      ...toRemind.map((userId) => ({
        screeningId: w.screeningId,
        message: { kind: "reminder_approver" as const, escalationId: w.escalationId, round: w.round, n: due.n, userId, waitingMs },
      })),
    ],
  };
}

/** Items listed in one digest at most; the rest are counted. */
export const DIGEST_MAX_ITEMS = 30;

/** "2026-12-16": the UTC day of a moment. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * Today's digest moment if it has come (the digest hour of the current UTC day; none on a
 * quiet weekend). Only today's: a digest is not worth sending a day late, the next one comes.
 */
export function digestDue(now: Date, policy: ReminderPolicy): Date | null {
  if (policy.digestHourUtc === null) return null;
  if (policy.quietWeekends && isWeekendUtc(now)) return null;
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), policy.digestHourUtc));
  return at.getTime() <= now.getTime() ? at : null;
}

/**
 * The digest of everything waiting, oldest first: decisions waiting on approvers, then
 * screenings waiting on their requester's information. Claimed even when nothing waits (then it
 * sends nothing), so that the day's digest is decided once.
 */
export function digestReminder(
  dueAt: Date,
  now: Date,
  channelId: string,
  waiting: { approvers: readonly WaitingOnApprovers[]; requesters: readonly WaitingOnRequester[] },
): ReminderClaim {
  const day = utcDay(dueAt);
  const subject = digestSubject(day);
  const items: DigestItem[] = [
    ...[...waiting.approvers]
      .sort((a, b) => a.waitingSince.getTime() - b.waitingSince.getTime())
      .map(
        (w): DigestItem => ({
          screeningId: w.screeningId,
          reference: w.reference,
          requesterId: w.requesterId,
          waitingOn: "decision",
          waitingMs: Math.max(0, now.getTime() - w.waitingSince.getTime()),
          tier: w.tier,
          approvals: w.approvals,
          requiredApprovals: w.requiredApprovals,
        }),
      ),
    ...waiting.requesters
      .filter((w) => w.status === "info_requested")
      .sort((a, b) => a.untouchedSince.getTime() - b.untouchedSince.getTime())
      .map(
        (w): DigestItem => ({
          screeningId: w.screeningId,
          reference: w.reference,
          requesterId: w.requesterId,
          waitingOn: "requester",
          waitingMs: Math.max(0, now.getTime() - w.untouchedSince.getTime()),
          tier: null,
          approvals: 0,
          requiredApprovals: 0,
        }),
      ),
  ];
  const shown = items.slice(0, DIGEST_MAX_ITEMS);
  return {
    key: claimKey(subject, 1),
    subject,
    n: 1,
    kind: "digest",
    screeningId: null,
    version: null,
    dueAt,
    messages: shown.length === 0 ? [] : [{ screeningId: null, message: { kind: "reminder_digest", channelId, day, items: shown, more: items.length - shown.length } }],
  };
}

// ---------------------------------------------------------------------------------------------
// Words

/** "45 minutes", "5 hours", "3 days": how long something has waited, rounded down. */
export function formatWait(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 60) return count(Math.max(1, minutes), "minute");
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return count(hours, "hour");
  return count(Math.floor(hours / 24), "day");
}

function count(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}
