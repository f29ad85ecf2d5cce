// Delivers the outbox (src/store/deliveries.ts) to Slack: escalation messages (posted once,
// then updated in place), thread replies and DMs. Each delivery is rendered from the database
// when it is sent, so it always shows the latest state. Transient failures (429 with
// Retry-After, 5xx, network) are retried with backoff; permanent ones (channel_not_found,
// not_in_channel, …) are marked failed, logged, and shown in /healthz.
import type { webApi } from "@slack/bolt";
import { z } from "zod";
import type { RuleSet } from "../domain/rule-set.js";
import { isEditable } from "../domain/screening.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { Logger } from "../services/context.js";
import { loadScreening, resubmissionChanges } from "../services/queries.js";
import { loadReply } from "../services/replies.js";
import {
  claimDueDeliveries,
  enqueueDelivery,
  markDelivered,
  markDeliveryFailed,
  scheduleRetry,
  type ClaimedDelivery,
} from "../store/deliveries.js";
import { describeError } from "../store/errors.js";
import { findEscalation, setEscalationMessage } from "../store/escalations.js";
import { toDecisionRecord } from "../store/records.js";
import { buildClearedDm, buildDecisionDm, buildDeliveryProblemDm, buildDraftSavedDm, buildEscalatedDm, buildInfoRequestDm } from "./blocks/dms.js";
import { buildRescreenAlert, matchResolvedText } from "./blocks/party-matches.js";
import { buildEscalationMessage, buildResubmissionReply } from "./blocks/escalation-message.js";
import { buildThreadReply } from "./blocks/reply.js";

export interface DeliveryWorker {
  /** deliver what is due now (called after a transaction enqueued something) */
  kick(): void;
  /** one pass: claims and delivers what is due; returns how many were attempted */
  runOnce(): Promise<number>;
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

class NotYet extends Error {}

export function startDeliveryWorker(args: {
  prisma: PrismaClient;
  client: webApi.WebClient;
  ruleSet: RuleSet;
  log: Logger;
  pollMs?: number;
}): DeliveryWorker {
  const { prisma, client, ruleSet, log } = args;
  let running: Promise<number> | null = null;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  async function deliver(d: ClaimedDelivery): Promise<void> {
    const p = d.payload;
    switch (p.kind) {
      case "sync_escalation": {
        const escalation = await findEscalation(prisma, p.escalationId);
        const detail = escalation && (await loadScreening(prisma, escalation.screeningId));
        if (!escalation || !detail) throw new Error("escalation not found");
        const message = buildEscalationMessage({ ruleSet, detail });
        if (escalation.messageTs === null) {
          const res = await client.chat.postMessage({ channel: escalation.channelId, ...message, unfurl_links: false, unfurl_media: false });
          if (res.ts) await setEscalationMessage(prisma, escalation.id, res.ts);
        } else {
          await client.chat.update({ channel: escalation.channelId, ts: escalation.messageTs, ...message });
        }
        return;
      }
      case "thread_resubmitted": {
        const escalation = await findEscalation(prisma, p.escalationId);
        const detail = escalation && (await loadScreening(prisma, escalation.screeningId));
        if (!escalation || !detail) throw new Error("escalation not found");
        if (escalation.messageTs === null) throw new NotYet("escalation message not posted yet");
        const changes = await resubmissionChanges(prisma, ruleSet, { screeningId: detail.screening.id, round: p.round });
        await client.chat.postMessage({ channel: escalation.channelId, thread_ts: escalation.messageTs, ...buildResubmissionReply({ ruleSet, detail, round: p.round, changes }) });
        return;
      }
      case "thread_reply": {
        const escalation = await findEscalation(prisma, p.escalationId);
        const reply = await loadReply(prisma, p.auditSeq);
        const detail = escalation && reply && (await loadScreening(prisma, escalation.screeningId));
        if (!escalation || !reply || !detail) throw new Error("reply not found");
        if (escalation.messageTs === null) throw new NotYet("escalation message not posted yet");
        const message = buildThreadReply({ reference: detail.screening.reference, requesterId: reply.authorId, text: reply.text });
        await client.chat.postMessage({ channel: escalation.channelId, thread_ts: escalation.messageTs, ...message, unfurl_links: false, unfurl_media: false });
        return;
      }
      case "thread_match_resolved": {
        const escalation = await findEscalation(prisma, p.escalationId);
        const detail = escalation && (await loadScreening(prisma, escalation.screeningId));
        const match = detail?.screening.scoring?.parties?.matches[p.index];
        if (!escalation || !detail || !match) throw new Error("resolved match not found");
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
        return;
      }
      case "rescreen_alert": {
        const escalation = await findEscalation(prisma, p.escalationId);
        const detail = escalation && (await loadScreening(prisma, escalation.screeningId));
        if (!escalation || !detail) throw new Error("escalation not found");
        const message = buildRescreenAlert({ ruleSet, reference: detail.screening.reference, live: p.live, matches: p.matches });
        if (p.live) {
          if (escalation.messageTs === null) throw new NotYet("escalation message not posted yet");
          await client.chat.postMessage({ channel: escalation.channelId, thread_ts: escalation.messageTs, ...message, unfurl_links: false, unfurl_media: false });
        } else {
          await client.chat.postMessage({ channel: escalation.channelId, ...message, unfurl_links: false, unfurl_media: false });
        }
        return;
      }
      case "dm_cleared":
      case "dm_escalated": {
        const detail = await loadScreening(prisma, p.screeningId);
        if (!detail) throw new Error("screening not found");
        const message = p.kind === "dm_cleared" ? buildClearedDm({ ruleSet, detail }) : buildEscalatedDm({ ruleSet, detail });
        await client.chat.postMessage({ channel: detail.screening.requesterId, ...message });
        return;
      }
      case "dm_draft_saved": {
        const detail = await loadScreening(prisma, p.screeningId);
        if (!detail) throw new Error("screening not found");
        // Submitted meanwhile (closed, then resumed at once): "saved as a draft" would no longer be true.
        if (!isEditable(detail.screening.status)) return;
        await client.chat.postMessage({ channel: detail.screening.requesterId, ...buildDraftSavedDm({ detail }) });
        return;
      }
      case "dm_delivery_problem": {
        const detail = await loadScreening(prisma, p.screeningId);
        if (!detail) throw new Error("screening not found");
        await client.chat.postMessage({ channel: detail.screening.requesterId, ...buildDeliveryProblemDm({ detail, reason: p.reason }) });
        return;
      }
      case "dm_decision": {
        const row = await prisma.decision.findUnique({ where: { id: p.decisionId } });
        const detail = row && (await loadScreening(prisma, row.screeningId));
        if (!row || !detail) throw new Error("decision not found");
        const decision = toDecisionRecord(row);
        const final = detail.escalation?.status === "approved" || detail.escalation?.status === "rejected";
        const message =
          decision.outcome === "request_info" ? buildInfoRequestDm({ ruleSet, detail, decision }) : buildDecisionDm({ ruleSet, detail, decision, final });
        await client.chat.postMessage({ channel: detail.screening.requesterId, ...message });
        return;
      }
    }
  }

  async function attempt(d: ClaimedDelivery): Promise<void> {
    try {
      await deliver(d);
      await markDelivered(prisma, d.id);
      log.info("delivered", { delivery: d.id, kind: d.payload.kind, screeningId: d.screeningId, attempts: d.attempts });
    } catch (err) {
      const failure = classify(err);
      if (failure.permanent) {
        await markDeliveryFailed(prisma, d.id, failure.reason);
        log.error("delivery failed permanently", { delivery: d.id, kind: d.payload.kind, screeningId: d.screeningId, reason: failure.reason });
        if (d.payload.kind === "sync_escalation" && d.screeningId) {
          // The escalation itself is safe in the database (and on approvers' Home tabs); the
          // requester must not believe compliance has seen it.
          await enqueueDelivery(prisma, d.screeningId, { kind: "dm_delivery_problem", screeningId: d.screeningId, reason: failure.reason });
        }
      } else {
        const delay = failure.retryAfterMs ?? backoffMs(d.attempts);
        await scheduleRetry(prisma, d.id, delay, failure.reason);
        log.warn("delivery will be retried", { delivery: d.id, kind: d.payload.kind, screeningId: d.screeningId, reason: failure.reason, inMs: delay });
      }
    }
  }

  async function runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await claimDueDeliveries(prisma, BATCH_SIZE);
      if (batch.length === 0) return total;
      // A claimed batch holds at most one delivery per screening (the claim takes only a
      // screening's oldest open delivery), so its deliveries are independent and go out side by
      // side: one at a time, a busy quarter-end queued escalation posts for many seconds.
      const settled = await Promise.allSettled(batch.map((d) => attempt(d)));
      total += batch.length;
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
      if (failed) throw failed.reason;
    }
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = runOnce()
      .catch((err: unknown) => {
        log.error("delivery pass failed", { error: describeError(err) });
        return 0;
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    kick,
    runOnce,
    start() {
      const poll = () => {
        if (stopped) return;
        kick();
        timer = setTimeout(poll, args.pollMs ?? 1000);
        timer.unref();
      };
      poll();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running;
    },
  };
}

/** Deliveries claimed, and sent side by side, at a time. */
const BATCH_SIZE = 10;

export function backoffMs(attempts: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

// The shape of @slack/web-api's coded errors, read without trusting it.
const WebApiError = z.object({
  code: z.string(),
  data: z.object({ error: z.string().optional() }).optional(),
  retryAfter: z.number().optional(),
  statusCode: z.number().optional(),
});

export function classify(err: unknown): { permanent: boolean; reason: string; retryAfterMs?: number } {
  if (err instanceof NotYet) return { permanent: false, reason: err.message, retryAfterMs: 1000 };
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
  if (e?.code === "slack_webapi_request_error") return { permanent: false, reason: "network error" };
  // Stored with the delivery and shown in /healthz: the kind of error, not what it quoted.
  return { permanent: false, reason: describeError(err).slice(0, 200) };
}
