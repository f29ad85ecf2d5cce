// Reminders: the scheduler that finds what is due (src/domain/reminders.ts decides), claims each
// due moment and enqueues its Slack messages in one statement (src/store/reminders.ts), and
// hands the messages to the delivery worker. Every instance runs it; the claim makes each
// reminder go out once, whichever instance finds it first.
//
// Why our own claims and outbox rather than a PostgreSQL job queue: the claim has to land in the
// same statement as the outbox rows it sends, or a crash between the two loses a reminder or
// sends one twice; the embedded database (PGlite) must work as well as a server; and the clock
// must be the injectable one, so that tests and the sandbox can move time forward. pg-boss (12.x:
// its own `pgboss` schema, cron schedules on the database's clock; its PGlite adapter needs
// Node 22, this bot runs on Node 20) and graphile-worker (0.18: Node 22.18, a pg pool and
// LISTEN/NOTIFY, its own `graphile_worker` schema and migrations) each bring a second schema
// and migration history, and neither could enqueue a job atomically with our outbox row on both
// databases or run on a moved clock. A due moment is a key; a periodic pass is a read and a
// claim: that is all the scheduling reminders need.
import type { Clock } from "../domain/clock.js";
import {
  digestDue,
  digestReminder,
  claimKey,
  digestSubject,
  escalationDue,
  escalationReminder,
  requesterReminder,
  utcDay,
  type ReminderClaim,
  type ReminderPolicy,
  type ReminderRecipients,
} from "../domain/reminders.js";
import { describeError, type Logger } from "../log-safe.js";
import { claimReminders, waitingNow } from "../store/reminders.js";
import type { Sql } from "../store/sql.js";
import { storageChecked } from "./context.js";

export type { Clock };

export interface ReminderDeps {
  sql: Sql;
  now: () => Date;
  log: Logger;
  policy: ReminderPolicy;
  /** where the digest goes */
  complianceChannelId: string;
  /**
   * Who may act on escalations, as the Slack layer knows them (the approver directory); asked
   * only when an escalation's reminder is due. A failure leaves the DMs out, not the reminder.
   */
  recipients: () => Promise<ReminderRecipients>;
  /** told of the outbox rows enqueued, so that they are sent at once */
  onDeliveriesEnqueued: (deliveryIds: readonly string[]) => void;
}

export interface ReminderPass {
  /** when the pass looked (the injectable clock) */
  at: Date;
  /** keys of the due moments this pass claimed (and so sent) */
  claimed: string[];
  /** outbox rows enqueued */
  deliveries: number;
}

/** Claims per statement: a first pass after a long pause may find many due at once. */
const CLAIMS_PER_STATEMENT = 50;

/**
 * One pass: reads everything waiting (one statement), decides which reminders are due now, and
 * claims them with their messages (one statement per 50). A moment claimed before (by this or
 * another instance) is skipped by the read or refused by the claim.
 */
export async function sendDueReminders(deps: ReminderDeps): Promise<ReminderPass> {
  const { policy } = deps;
  const now = deps.now();
  const firstDraft = policy.draftIntervalsMs[0];
  // No draft reminders configured: only drafts reopened after "Request info" are read (for the digest).
  const untouchedBefore = new Date(firstDraft === undefined ? 0 : now.getTime() - firstDraft);
  const digestAt = digestDue(now, policy);
  const digestKey = digestAt ? claimKey(digestSubject(utcDay(digestAt)), 1) : null;
  const waiting = await storageChecked(() => waitingNow(deps.sql, { untouchedBefore, digestKey }));

  const claims: ReminderClaim[] = [];
  for (const w of waiting.requesters) {
    const claim = requesterReminder(w, now, policy);
    if (claim) claims.push(claim);
  }
  const dueEscalations = waiting.approvers.flatMap((w) => {
    const due = escalationDue(w, now, policy);
    return due ? [{ w, due }] : [];
  });
  if (dueEscalations.length > 0) {
    const recipients = await deps.recipients().catch((err: unknown): ReminderRecipients => {
      deps.log.warn("could not list the approvers; escalation reminders go to their threads only", { error: describeError(err) });
      return { approvers: [], hardStopApprovers: [] };
    });
    for (const { w, due } of dueEscalations) claims.push(escalationReminder(w, due, now, recipients));
  }
  if (digestAt && !waiting.digestClaimed) {
    claims.push(digestReminder(digestAt, now, deps.complianceChannelId, { approvers: waiting.approvers, requesters: waiting.requesters }));
  }

  const claimed: string[] = [];
  let deliveries = 0;
  for (let i = 0; i < claims.length; i += CLAIMS_PER_STATEMENT) {
    const batch = claims.slice(i, i + CLAIMS_PER_STATEMENT);
    const outcome = await storageChecked(() => claimReminders(deps.sql, batch, now));
    claimed.push(...outcome.claimed);
    deliveries += outcome.deliveryIds.length;
    if (outcome.deliveryIds.length > 0) deps.onDeliveriesEnqueued(outcome.deliveryIds);
  }
  if (claimed.length > 0) deps.log.info("reminders due", { claimed: claimed.length, deliveries, kinds: kindsOf(claims, claimed) });
  return { at: now, claimed, deliveries };
}

function kindsOf(claims: readonly ReminderClaim[], claimed: readonly string[]): Record<string, number> {
  const keys = new Set(claimed);
  const out: Record<string, number> = {};
  for (const c of claims) if (keys.has(c.key)) out[c.kind] = (out[c.kind] ?? 0) + 1;
  return out;
}

export interface ReminderScheduler {
  /**
   * A pass now (the timer's work; the sandbox after moving its clock). A call while a pass runs
   * waits for it and then runs one more, on the time as it is then. Never throws: a failed pass
   * is logged and resolves undefined.
   */
  runNow(): Promise<ReminderPass | undefined>;
  /** stops the timer and waits for a pass in flight */
  stop(): Promise<void>;
}

/**
 * Runs a pass every `intervalMs`, the first one `firstDelayMs` after start (default: one
 * interval, so that an instance that crash-loops sends nothing, and a test's fresh bot is quiet).
 */
export function startReminderScheduler(deps: ReminderDeps & { intervalMs: number; firstDelayMs?: number }): ReminderScheduler {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<ReminderPass | undefined> | null = null;
  let queued: Promise<ReminderPass | undefined> | null = null;

  function pass(): Promise<ReminderPass | undefined> {
    return sendDueReminders(deps).catch((err: unknown) => {
      deps.log.warn("reminder pass failed; trying again at the next one", { error: describeError(err) });
      return undefined;
    });
  }

  function runNow(): Promise<ReminderPass | undefined> {
    if (stopped) return Promise.resolve(undefined);
    if (!running) {
      running = pass().finally(() => {
        running = null;
      });
      return running;
    }
    // One more pass after the one in flight, shared by every call made meanwhile.
    queued ??= running.then(() => {
      queued = null;
      return runNow();
    });
    return queued;
  }

  function schedule(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void runNow().finally(() => schedule(deps.intervalMs));
    }, ms);
    timer.unref();
  }
  schedule(deps.firstDelayMs ?? deps.intervalMs);

  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      while (running || queued) await (queued ?? running);
    },
  };
}
