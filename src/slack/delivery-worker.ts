// Delivers the outbox (src/store/deliveries.ts) to Slack: escalation messages (posted once,
// then updated in place), thread replies and DMs. Each delivery is rendered, by the pure
// builders in blocks/, from what its claim returned: the state as of the claim, never older than
// the commit that enqueued it.
//
// Told of the deliveries a commit just enqueued (`kick(ids)`), the worker claims and sends those
// at once; the outbox table stays the crash-safe fallback, polled for what is due (retries, and
// what earlier runs or other instances left). On the normal path a delivery costs two
// statements: the claim and its outcome.
//
// Transient failures (429 with Retry-After, 5xx, network) are retried with backoff; permanent
// ones (channel_not_found, not_in_channel, …) are marked failed, logged, and shown in /healthz.
// A post whose outcome is unknown (the call timed out, its connection was lost after it was
// sent, a 5xx, or the process stopped while sending) may be in the channel already: the
// escalation message carries metadata naming its escalation, and before it is posted again the
// channel's recent history is searched for it; found, its ts is adopted and it is brought up to
// date. So one escalation is one message however late Slack answers, provided Slack has created
// the message by the time the retry looks (a backoff after the client's timeout) and the bot can
// read the channel (it must be a member; if not, it posts again rather than never, and says so).
import type { webApi } from "@slack/bolt";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { changedAnswers } from "../domain/answer-changes.js";
import { REPLY_EVENT } from "../domain/decision-commands.js";
import { promptAudience, renewalView } from "../domain/rescreening.js";
import type { ResubmissionChanges } from "../domain/records.js";
import type { RuleSet } from "../domain/rule-set.js";
import { isEditable } from "../domain/screening.js";
import { describeError, type Logger } from "../log-safe.js";
import {
  answersAt,
  claimDeliveries,
  OUTCOME_UNKNOWN,
  recordDelivered,
  recordFailure,
  recordRetry,
  sqlOverPrisma,
  type AnswerHistory,
  type ClaimedDelivery,
  type DeliveryPayload,
} from "../store/deliveries.js";
import type { Sql } from "../store/sql.js";
import type { StoreClient } from "../store/types.js";
import { buildClearedDm, buildDecisionDm, buildDeliveryProblemDm, buildDraftSavedDm, buildEscalatedDm, buildInfoRequestDm } from "./blocks/dms.js";
import { buildEscalationMessage, buildResubmissionReply } from "./blocks/escalation-message.js";
import { buildRescreenAlert, matchResolvedText } from "./blocks/party-matches.js";
import { buildApproverReminderDm, buildDraftReminderDm, buildEscalationReminderReply, buildReminderDigest } from "./blocks/reminders.js";
import { buildThreadReply } from "./blocks/reply.js";
import { buildReviewPromptDm, buildReviewPromptForCompliance, buildRulesChangedNote } from "./blocks/rescreening.js";
import { deliverMisuseReport, NotPostedYet } from "./misuse-report-delivery.js";

export interface DeliveryWorker {
  /**
   * Told after a commit that enqueued deliveries. With their ids: claims and sends those at once
   * (a screening's later one as soon as its earlier one is done). Without: a pass over
   * everything due.
   */
  kick(deliveryIds?: readonly string[]): void;
  /** one pass: claims and delivers what is due; returns how many were attempted */
  runOnce(): Promise<number>;
  /** resolves once nothing is being claimed or sent (tests) */
  idle(): Promise<void>;
  /** polls for due deliveries (retries, and what earlier runs or other instances left) */
  start(): void;
  stop(): Promise<void>;
}

const PERMANENT_ERRORS = new Set([
  "channel_not_found",
  "not_in_channel",
  "is_archived",
  "invalid_auth",
  "account_inactive",
  "token_revoked",
  "missing_scope",
  "user_not_found",
  "cannot_dm_bot",
  "invalid_blocks",
  "invalid_arguments",
  "msg_too_long",
  "no_text",
  "not_authed",
  "restricted_action",
  "message_not_found",
  "cant_update_message",
]);

/** A DM refused because its person is no longer in the workspace (deactivated or removed). */
const REQUESTER_GONE = new Set(["user_not_found", "account_inactive", "user_disabled"]);

/** A thread reply or match note whose escalation message is not posted yet. */
class NotYet extends Error {}

/** The call may have reached Slack, but no answer came: the message may or may not exist. */
class OutcomeUnknown extends Error {
  constructor(readonly reason: string) {
    super(`${OUTCOME_UNKNOWN}${reason}`);
    this.name = "OutcomeUnknown";
  }
}

/** The message metadata an escalation message is posted with (found again with conversations.history). */
export const ESCALATION_EVENT = "dd_escalation";

/** How far back, before the delivery was enqueued, the channel is searched (clocks differ). */
const HISTORY_MARGIN_SECONDS = 120;
/** Messages per conversations.history page, and pages at most: the compliance channel is quiet, and a post looked for is recent. */
const HISTORY_PAGE = 200;
const HISTORY_PAGES = 3;

export function startDeliveryWorker(args: {
  /** the request path's SQL (db.sql); without it, the same statements go through Prisma */
  sql?: Sql;
  prisma?: StoreClient;
  client: webApi.WebClient;
  ruleSet: RuleSet;
  log: Logger;
  pollMs?: number;
}): DeliveryWorker {
  const { client, ruleSet, log } = args;
  const sql = databaseOf(args);
  let polling: Promise<number> | null = null;
  let pollAgain = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  /** everything claiming or sending now, for idle() and stop() */
  const busy = new Set<Promise<unknown>>();
  /** attempts in flight in this process */
  let sending = 0;
  /**
   * Ids this process was told of and has not claimed: blocked behind an earlier delivery of
   * their screening, they are claimed when one of ours finishes (or by the poll). Each with
   * when it stops being looked for.
   */
  const wanted = new Map<string, number>();
  let followUp: Promise<void> | null = null;
  let followAgain = false;
  const WANTED_MS = 30_000;

  function track<T>(p: Promise<T>): Promise<T> {
    busy.add(p);
    void p.finally(() => busy.delete(p)).catch(() => undefined);
    return p;
  }

  /** What sending `d` led to: nothing more, or the escalation message it posted (or found). */
  type Sent = { posted?: { escalationId: string; ts: string } };

  function requireDetail(d: ClaimedDelivery) {
    if (!d.detail) throw new Error("screening not found");
    return d.detail;
  }

  function requireEscalation(d: ClaimedDelivery, escalationId: string) {
    const detail = requireDetail(d);
    const escalation = detail.escalation;
    if (!escalation || escalation.id !== escalationId) throw new Error("escalation not found");
    return { detail, escalation };
  }

  async function deliver(d: ClaimedDelivery): Promise<Sent> {
    const p = d.payload;
    switch (p.kind) {
      case "sync_escalation": {
        const { detail, escalation } = requireEscalation(d, p.escalationId);
        // a re-screening shows the screening it renews, its decision and what changed (blocks/rescreening.ts)
        const message = buildEscalationMessage({ ruleSet, detail, renewal: d.previous ? renewalView(ruleSet, d.previous, detail) : null });
        if (escalation.messageTs !== null) {
          await client.chat.update({ channel: escalation.channelId, ts: escalation.messageTs, ...message });
          return {};
        }
        if (d.uncertain) {
          const found = await findEscalationMessage(escalation.channelId, escalation.id, d);
          if (found) {
            // Slack has it: it becomes the escalation's message, brought up to date.
            log.info("escalation message found in the channel; not posted again", { delivery: d.id, screeningId: d.screeningId });
            await client.chat.update({ channel: escalation.channelId, ts: found, ...message });
            return { posted: { escalationId: escalation.id, ts: found } };
          }
        }
        let res;
        try {
          res = await client.chat.postMessage({
            channel: escalation.channelId,
            ...message,
            metadata: { event_type: ESCALATION_EVENT, event_payload: { reference: detail.screening.reference, escalation_id: escalation.id, delivery_id: d.id } },
            unfurl_links: false,
            unfurl_media: false,
          });
        } catch (err) {
          if (mayHaveReachedSlack(err)) throw new OutcomeUnknown(classify(err).reason);
          throw err;
        }
        return res.ts ? { posted: { escalationId: escalation.id, ts: res.ts } } : {};
      }
      case "thread_resubmitted": {
        const { detail, escalation } = requireEscalation(d, p.escalationId);
        if (escalation.messageTs === null) throw new NotYet("escalation message not posted yet");
        const changes = d.history ? resubmissionChanges(ruleSet, d.history, p.round) : null;
        await client.chat.postMessage({ channel: escalation.channelId, thread_ts: escalation.messageTs, ...buildResubmissionReply({ ruleSet, detail, round: p.round, changes }) });
        return {};
      }
      case "thread_reply": {
        const { detail, escalation } = requireEscalation(d, p.escalationId);
        const reply = d.reply;
        const text = reply && reply.type === REPLY_EVENT && reply.screeningId === detail.screening.id ? ReplyData.safeParse(reply.data) : undefined;
        if (!reply || !text?.success) throw new Error("reply not found");
        if (escalation.messageTs === null) throw new NotYet("escalation message not posted yet");
        const message = buildThreadReply({ reference: detail.screening.reference, requesterId: reply.authorId, text: text.data.text });
        await client.chat.postMessage({ channel: escalation.channelId, thread_ts: escalation.messageTs, ...message, unfurl_links: false, unfurl_media: false });
        return {};
      }
      case "thread_match_resolved": {
        const { detail, escalation } = requireEscalation(d, p.escalationId);
        const match = detail.screening.scoring?.parties?.matches[p.index];
        if (!match) throw new Error("resolved match not found");
        if (escalation.messageTs === null) throw new NotYet("escalation message not posted yet");
        const hardStop = (detail.screening.scoring?.hardStops.length ?? 0) > 0;
        const lines = matchResolvedText({ ruleSet, match, cleared: p.cleared, hardStop });
        await client.chat.postMessage({
          channel: escalation.channelId,
          thread_ts: escalation.messageTs,
          text: `${detail.screening.reference}: a list match was resolved`,
          blocks: lines.map((text) => ({ type: "section", text: { type: "mrkdwn", text } })),
          unfurl_links: false,
          unfurl_media: false,
        });
        return {};
      }
      case "rescreen_alert": {
        const { detail, escalation } = requireEscalation(d, p.escalationId);
        const message = buildRescreenAlert({ ruleSet, reference: detail.screening.reference, live: p.live, matches: p.matches });
        if (p.live) {
          if (escalation.messageTs === null) throw new NotYet("escalation message not posted yet");
          await client.chat.postMessage({ channel: escalation.channelId, thread_ts: escalation.messageTs, ...message, unfurl_links: false, unfurl_media: false });
        } else {
          await client.chat.postMessage({ channel: escalation.channelId, ...message, unfurl_links: false, unfurl_media: false });
        }
        return {};
      }
      case "dm_cleared":
      case "dm_escalated": {
        const detail = requireDetail(d);
        const message = p.kind === "dm_cleared" ? buildClearedDm({ ruleSet, detail }) : buildEscalatedDm({ ruleSet, detail });
        await client.chat.postMessage({ channel: detail.screening.requesterId, ...message });
        return {};
      }
      case "review_prompt": {
        const detail = requireDetail(d);
        const s = detail.screening;
        // Re-screened (or no longer decided) since it was enqueued: the prompt no longer applies.
        if (s.renewedBy) return {};
        const audience = promptAudience(s.status);
        if (audience === "compliance_thread") {
          const escalation = detail.escalation;
          if (!escalation) return {};
          if (escalation.messageTs === null) throw new NotYet("escalation message not posted yet");
          await client.chat.postMessage({ channel: escalation.channelId, thread_ts: escalation.messageTs, ...buildRulesChangedNote({ detail, tierNow: p.tierNow }), unfurl_links: false, unfurl_media: false });
          return {};
        }
        if (audience !== "requester") return {};
        const prompt = { ruleSet, detail, reason: p.reason, dueOn: p.dueOn, tierNow: p.tierNow };
        try {
          await client.chat.postMessage({ channel: s.requesterId, ...buildReviewPromptDm(prompt), unfurl_links: false, unfurl_media: false });
        } catch (err) {
          // users.info is not in the scopes: a DM Slack refuses because the person is gone is how
          // the bot learns that the requester left. Compliance takes the prompt on instead.
          const reason = classify(err).reason;
          if (!REQUESTER_GONE.has(reason)) throw err;
          log.warn("the requester could not be reached; the re-screening prompt goes to compliance", { delivery: d.id, screeningId: d.screeningId, reason });
          await client.chat.postMessage({ channel: p.channelId, ...buildReviewPromptForCompliance({ ...prompt, why: reason }), unfurl_links: false, unfurl_media: false });
        }
        return {};
      }
      case "dm_draft_saved": {
        const detail = requireDetail(d);
        // Submitted meanwhile (closed, then resumed at once): "saved as a draft" would no longer be true.
        if (!isEditable(detail.screening.status)) return {};
        await client.chat.postMessage({ channel: detail.screening.requesterId, ...buildDraftSavedDm({ detail }) });
        return {};
      }
      case "dm_delivery_problem": {
        const detail = requireDetail(d);
        await client.chat.postMessage({ channel: detail.screening.requesterId, ...buildDeliveryProblemDm({ detail, reason: p.reason }) });
        return {};
      }
      case "dm_decision": {
        const detail = requireDetail(d);
        const decision = detail.escalation?.decisions.find((x) => x.id === p.decisionId);
        if (!decision) throw new Error("decision not found");
        const final = detail.escalation?.status === "approved" || detail.escalation?.status === "rejected";
        const message =
          decision.outcome === "request_info" ? buildInfoRequestDm({ ruleSet, detail, decision }) : buildDecisionDm({ ruleSet, detail, decision, final });
        await client.chat.postMessage({ channel: detail.screening.requesterId, ...message });
        return {};
      }
      // Misuse reports: their channel message, the note in a reviewed screening's thread, the requester's DM.
      case "sync_misuse_report":
      case "thread_misuse_review":
      case "dm_under_review": {
        await deliverMisuseReport({ client, sql, ruleSet, log }, d, p).catch((err: unknown) => {
          throw err instanceof NotPostedYet ? new NotYet(err.message) : err;
        });
        return {};
      }
      // Reminders (src/domain/reminders.ts): each is sent only while what it says is still true.
      case "reminder_draft": {
        const detail = requireDetail(d);
        // Submitted, or touched since it was found due: there is nothing to remind of.
        if (!isEditable(detail.screening.status) || detail.screening.version !== p.version) return {};
        await client.chat.postMessage({ channel: detail.screening.requesterId, ...buildDraftReminderDm({ ruleSet, detail, untouchedMs: p.untouchedMs }) });
        return {};
      }
      case "reminder_escalation": {
        const { detail, escalation } = requireEscalation(d, p.escalationId);
        if (escalation.status !== "open" || escalation.round !== p.round) return {};
        // No message to reply under (its post failed, and is retried when the bot restarts): the
        // approvers' DMs and the digest still say it waits.
        if (escalation.messageTs === null) {
          log.warn("escalation reminder not posted: the escalation has no message in the channel", { delivery: d.id, screeningId: d.screeningId });
          return {};
        }
        const message = buildEscalationReminderReply({ ruleSet, detail, waitingMs: p.waitingMs, notified: p.notified });
        await client.chat.postMessage({ channel: escalation.channelId, thread_ts: escalation.messageTs, ...message, unfurl_links: false, unfurl_media: false });
        return {};
      }
      case "reminder_approver": {
        const { detail, escalation } = requireEscalation(d, p.escalationId);
        const decided = escalation.decisions.some((x) => x.round === escalation.round && x.deciderId === p.userId);
        if (escalation.status !== "open" || escalation.round !== p.round || decided) return {};
        await client.chat.postMessage({ channel: p.userId, ...buildApproverReminderDm({ ruleSet, detail, waitingMs: p.waitingMs }), unfurl_links: false, unfurl_media: false });
        return {};
      }
      case "reminder_digest": {
        await client.chat.postMessage({ channel: p.channelId, ...buildReminderDigest({ ruleSet, day: p.day, items: p.items, more: p.more }), unfurl_links: false, unfurl_media: false });
        return {};
      }
    }
  }

  /**
   * The oldest message in the channel whose metadata names this escalation, among those since
   * shortly before the delivery was enqueued. A history Slack will not show (the bot is not in
   * the channel, or lacks the scope) finds nothing: the escalation is posted again rather than
   * never, and the log says so.
   */
  async function findEscalationMessage(channel: string, escalationId: string, d: ClaimedDelivery): Promise<string | null> {
    const oldest = (Math.floor(d.createdAt.getTime() / 1000) - HISTORY_MARGIN_SECONDS).toString();
    let cursor: string | undefined;
    let found: string | null = null;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      let res;
      try {
        res = await client.conversations.history({ channel, oldest, limit: HISTORY_PAGE, include_all_metadata: true, ...(cursor ? { cursor } : {}) });
      } catch (err) {
        const failure = classify(err);
        if (!failure.permanent) throw err;
        log.warn("cannot look in the channel for an escalation message whose post may have gone through; posting it again", {
          delivery: d.id,
          screeningId: d.screeningId,
          reason: failure.reason,
        });
        return null;
      }
      const history = HistoryPage.safeParse(res);
      if (!history.success) return found;
      for (const m of history.data.messages) {
        if (m.metadata?.event_type !== ESCALATION_EVENT || m.metadata.event_payload?.escalation_id !== escalationId) continue;
        if (found === null || Number(m.ts) < Number(found)) found = m.ts;
      }
      cursor = history.data.response_metadata?.next_cursor || undefined;
      if (!history.data.has_more || !cursor) break;
    }
    return found;
  }

  async function attempt(d: ClaimedDelivery): Promise<void> {
    sending++;
    wanted.delete(d.id);
    try {
      const sent = await deliver(d);
      const stored = await recordDelivered(sql, d.id, sent.posted);
      if (sent.posted && !stored) log.warn("the escalation already had a message; the one just posted was not recorded", { delivery: d.id, screeningId: d.screeningId });
      log.info("delivered", { delivery: d.id, kind: d.payload.kind, screeningId: d.screeningId, attempts: d.attempts });
    } catch (err) {
      const failure = classify(err);
      // Once a post may have gone through, every later attempt looks for it first, until it is delivered.
      const unsure = err instanceof OutcomeUnknown || (d.uncertain && awaitsEscalationPost(d));
      const reason = unsure && !failure.reason.startsWith(OUTCOME_UNKNOWN) ? `${OUTCOME_UNKNOWN}${failure.reason}` : failure.reason;
      if (failure.permanent) {
        // The escalation itself is safe in the database (and on approvers' Home tabs); the
        // requester must not believe compliance has seen it.
        const problem =
          d.payload.kind === "sync_escalation" && d.screeningId
            ? { id: randomUUID(), payload: { kind: "dm_delivery_problem", screeningId: d.screeningId, reason: failure.reason } satisfies DeliveryPayload }
            : undefined;
        await recordFailure(sql, d.id, reason, problem);
        log.error("delivery failed permanently", { delivery: d.id, kind: d.payload.kind, screeningId: d.screeningId, reason });
        if (problem) kick([problem.id]);
      } else {
        const delay = failure.retryAfterMs ?? backoffMs(d.attempts);
        await recordRetry(sql, d.id, delay, reason);
        log.warn("delivery will be retried", { delivery: d.id, kind: d.payload.kind, screeningId: d.screeningId, reason, inMs: delay });
      }
    } finally {
      sending--;
      // A delivery told of earlier may have waited for this one (the same screening's).
      if (wanted.size > 0) scheduleFollowUp();
    }
  }

  /** Sends a claimed batch side by side: it holds at most one delivery per screening, so they are independent. */
  async function sendAll(batch: ClaimedDelivery[]): Promise<void> {
    const settled = await Promise.allSettled(batch.map((d) => attempt(d)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
  }

  /**
   * Claims and sends these ids (one statement to claim them all). Those not claimed stay wanted
   * while they may be waiting behind something of ours: what was just claimed, or (told of
   * them just now) what is in flight. Otherwise the poll takes them.
   */
  async function sendWanted(ids: string[], followingUp: boolean): Promise<void> {
    const batch = await claimDeliveries(sql, { ids, limit: ids.length });
    for (const d of batch) wanted.delete(d.id);
    if (batch.length === 0 && (followingUp || sending === 0)) for (const id of ids) wanted.delete(id);
    if (batch.length > 0) await sendAll(batch);
  }

  function scheduleFollowUp(): void {
    if (stopped) return;
    if (followUp) {
      followAgain = true;
      return;
    }
    const now = Date.now();
    for (const [id, until] of wanted) if (until < now) wanted.delete(id);
    if (wanted.size === 0) return;
    followUp = track(
      sendWanted([...wanted.keys()], true)
        .catch((err: unknown) => log.error("delivery pass failed", { error: describeError(err) }))
        .finally(() => {
          followUp = null;
          if (followAgain) {
            followAgain = false;
            if (wanted.size > 0) scheduleFollowUp();
          }
        }),
    );
  }

  async function runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await claimDeliveries(sql, { limit: BATCH_SIZE });
      if (batch.length === 0) return total;
      // Side by side: one at a time, a busy quarter-end queued escalation posts for many seconds.
      await sendAll(batch);
      total += batch.length;
    }
  }

  function poll(): void {
    if (stopped) return;
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = track(
      runOnce()
        .catch((err: unknown) => {
          log.error("delivery pass failed", { error: describeError(err) });
          return 0;
        })
        .finally(() => {
          polling = null;
          if (pollAgain) {
            pollAgain = false;
            poll();
          }
        }),
    );
  }

  function kick(deliveryIds?: readonly string[]): void {
    if (stopped) return;
    if (deliveryIds === undefined) return poll();
    const ids = [...new Set(deliveryIds)];
    if (ids.length === 0) return;
    const until = Date.now() + WANTED_MS;
    for (const id of ids) wanted.set(id, until);
    void track(sendWanted(ids, false).catch((err: unknown) => log.error("delivery pass failed", { error: describeError(err) })));
  }

  return {
    kick,
    runOnce,
    async idle() {
      while (busy.size > 0) await Promise.allSettled([...busy]);
    },
    start() {
      const tick = () => {
        if (stopped) return;
        poll();
        timer = setTimeout(tick, args.pollMs ?? 1000);
        timer.unref();
      };
      tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      while (busy.size > 0) await Promise.allSettled([...busy]);
    },
  };
}

function databaseOf(args: { sql?: Sql | undefined; prisma?: StoreClient | undefined }): Sql {
  if (args.sql) return args.sql;
  if (args.prisma) return sqlOverPrisma(args.prisma);
  throw new Error("the delivery worker needs the database (sql or prisma)");
}

/** A sync_escalation whose message is not in the channel as far as the database knows. */
function awaitsEscalationPost(d: ClaimedDelivery): boolean {
  return d.payload.kind === "sync_escalation" && d.detail?.escalation?.messageTs === null;
}

const ReplyData = z.object({ text: z.string() });

/** What the requester changed for resubmission `round` (2 = the first resubmission), from the history the claim returned. */
function resubmissionChanges(ruleSet: RuleSet, history: AnswerHistory, round: number): ResubmissionChanges | null {
  // Submission n opened round n; read by position so a late delivery still shows its own round.
  const at = Math.min(round, history.submissions.length) - 1;
  const submitted = history.submissions[at];
  const previous = history.submissions[at - 1];
  if (!submitted || !previous) return null;
  return { previousSubmittedAt: previous, pending: false, changes: changedAnswers(ruleSet, answersAt(history, previous), answersAt(history, submitted)) };
}

/** Deliveries claimed, and sent side by side, at a time. */
const BATCH_SIZE = 10;

export function backoffMs(attempts: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

// A page of conversations.history, read without trusting it: only what the search needs.
const HistoryPage = z.object({
  messages: z
    .array(
      z.object({
        ts: z.string(),
        metadata: z.object({ event_type: z.string().optional(), event_payload: z.record(z.string(), z.unknown()).optional() }).optional(),
      }),
    )
    .default([]),
  has_more: z.boolean().optional(),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});

// The shape of @slack/web-api's coded errors, read without trusting it.
const WebApiError = z.object({
  code: z.string(),
  data: z.object({ error: z.string().optional() }).optional(),
  retryAfter: z.number().optional(),
  statusCode: z.number().optional(),
});

/** Connection failures that happen before a request is sent: Slack cannot have it. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

/** The error codes and names along an error's chain of causes (web-api wraps fetch's, which wraps the socket's). */
function causesOf(err: unknown): { codes: string[]; names: string[] } {
  const codes: string[] = [];
  const names: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const e = current as { code?: unknown; name?: unknown; original?: unknown; cause?: unknown };
    if (typeof e.code === "string") codes.push(e.code);
    if (typeof e.name === "string") names.push(e.name);
    current = e.original ?? e.cause;
  }
  return { codes, names };
}

/**
 * Whether a failed call may still have been carried out by Slack: a timeout, a connection lost
 * after the request was sent, a 5xx. Slack's own refusals (an error code, a 429) and a
 * connection never made mean it was not.
 */
export function mayHaveReachedSlack(err: unknown): boolean {
  const parsed = WebApiError.safeParse(err);
  const code = parsed.success ? parsed.data.code : undefined;
  if (code === "slack_webapi_platform_error" || code === "slack_webapi_rate_limited_error") return false;
  if (code === "slack_webapi_http_error") return (parsed.data?.statusCode ?? 500) >= 500;
  if (code === "slack_webapi_request_error") return !causesOf(err).codes.some((c) => NOT_SENT.has(c));
  // Anything else thrown while the call was under way (a timeout while its answer was read).
  return true;
}

export function classify(err: unknown): { permanent: boolean; reason: string; retryAfterMs?: number } {
  if (err instanceof NotYet) return { permanent: false, reason: err.message, retryAfterMs: 1000 };
  if (err instanceof OutcomeUnknown) return { permanent: false, reason: err.message };
  const parsed = WebApiError.safeParse(err);
  const e = parsed.success ? parsed.data : undefined;
  if (e?.code === "slack_webapi_rate_limited_error") {
    return { permanent: false, reason: "rate limited", retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  }
  if (e?.code === "slack_webapi_platform_error") {
    const error = e.data?.error ?? "unknown";
    return { permanent: PERMANENT_ERRORS.has(error), reason: error };
  }
  if (e?.code === "slack_webapi_http_error") return { permanent: false, reason: `HTTP ${e.statusCode ?? "error"}` };
  if (e?.code === "slack_webapi_request_error") return { permanent: false, reason: causesOf(err).names.includes("TimeoutError") ? "timed out" : "network error" };
  if (causesOf(err).names.includes("TimeoutError")) return { permanent: false, reason: "timed out" };
  // Stored with the delivery and shown in /healthz: the kind of error, not what it quoted.
  return { permanent: false, reason: describeError(err).slice(0, 200) };
}
