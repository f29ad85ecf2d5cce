// Use case of the requester after compliance asked for more information: a written reply.
// It is recorded in the audit trail (the record of what was said, by whom, on which screening)
// and posted in the escalation's thread in the compliance channel through the outbox, both in
// one transaction. The reply does not change the screening: changed answers still go through
// "Edit answers" and a resubmission.
import { z } from "zod";
import type { ScreeningRecord } from "../domain/records.js";
import { STATUS_LABELS } from "../domain/screening.js";
import { appendAuditEvent } from "../store/audit.js";
import { enqueueDelivery } from "../store/deliveries.js";
import { findEscalationOfScreening } from "../store/escalations.js";
import { toScreeningRecord } from "../store/records.js";
import { claimRequestKey, requestSeen } from "../store/requests.js";
import type { Db } from "../store/types.js";
import { inTransaction, type ServiceContext } from "./context.js";
import { DuplicateRequest, ServiceError } from "./errors.js";

/** Longest reply, in characters (Slack's own cap on a text input). */
export const REPLY_MAX_LENGTH = 3000;

/** The audit event that holds a reply; the thread post is rendered from it. */
export const REPLY_EVENT = "reply.recorded";

export type ReplyTextCheck = { ok: true; text: string } | { ok: false; message: string };

/** A reply as typed: trimmed, not empty, at most REPLY_MAX_LENGTH characters. */
export function checkReplyText(raw: string | null | undefined): ReplyTextCheck {
  const text = (raw ?? "").trim();
  if (text === "") return { ok: false, message: "Write your reply to compliance here, then press Send reply." };
  const length = [...text].length;
  if (length > REPLY_MAX_LENGTH) {
    return {
      ok: false,
      message: `Your reply is ${length} characters long; shorten it to ${REPLY_MAX_LENGTH} or fewer. You can send the rest as a second reply.`,
    };
  }
  return { ok: true, text };
}

export type ReplyResult =
  | { kind: "invalid"; message: string }
  /** `duplicate`: the same submission was handled before, and nothing was posted again */
  | { kind: "sent"; reference: string; duplicate: boolean };

export async function replyToCompliance(
  ctx: ServiceContext,
  args: { screeningId: string; actorId: string; text: string | null | undefined; requestKey: string },
): Promise<ReplyResult> {
  const checked = checkReplyText(args.text);
  if (!checked.ok) return { kind: "invalid", message: checked.message };
  const outcome = await inTransaction(
    ctx,
    async (tx) => {
      // Checked first, so that a replay is recognised even once the screening has moved on.
      if (await requestSeen(tx, args.requestKey)) throw new DuplicateRequest(args.requestKey);
      const screening = await ownScreening(tx, args.screeningId, args.actorId);
      const escalation = await findEscalationOfScreening(tx, screening.id);
      if (!escalation || (screening.status !== "escalated" && screening.status !== "info_requested")) throw notWaiting(screening);
      if (!(await claimRequestKey(tx, args.requestKey))) throw new DuplicateRequest(args.requestKey);
      const event = await appendAuditEvent(tx, {
        screeningId: screening.id,
        actorId: args.actorId,
        type: REPLY_EVENT,
        data: { escalationId: escalation.id, round: escalation.round, text: checked.text },
      });
      await enqueueDelivery(tx, screening.id, { kind: "thread_reply", escalationId: escalation.id, auditSeq: event.seq.toString() });
      return screening.reference;
    },
    { enqueues: true },
  );
  if (!outcome.duplicate) return { kind: "sent", reference: outcome.value, duplicate: false };
  const row = UUID.test(args.screeningId) ? await ctx.prisma.screening.findUnique({ where: { id: args.screeningId }, select: { reference: true, requesterId: true } }) : null;
  return { kind: "sent", reference: row?.requesterId === args.actorId ? row.reference : "your screening", duplicate: true };
}

export interface RecordedReply {
  screeningId: string;
  /** the requester who wrote it */
  authorId: string;
  text: string;
}

const ReplyData = z.object({ text: z.string() });

/** A recorded reply by its audit event, for the delivery that posts it; null when there is none. */
export async function loadReply(db: Db, auditSeq: string): Promise<RecordedReply | null> {
  if (!/^\d{1,19}$/.test(auditSeq)) return null;
  const event = await db.auditEvent.findUnique({ where: { seq: BigInt(auditSeq) } });
  if (!event || event.type !== REPLY_EVENT || event.screeningId === null) return null;
  const data = ReplyData.safeParse(event.data);
  return data.success ? { screeningId: event.screeningId, authorId: event.actorId, text: data.data.text } : null;
}

// ---------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function ownScreening(db: Db, screeningId: string, actorId: string): Promise<ScreeningRecord> {
  const row = UUID.test(screeningId) ? await db.screening.findUnique({ where: { id: screeningId } }) : null;
  if (!row) {
    throw new ServiceError("not_found", "That screening does not exist, so the reply was not sent. /screening list shows your screenings.", {
      screeningId: null,
      actorId,
      type: "access.refused",
      data: { reason: "unknown_screening", action: "reply", screeningRef: screeningId.slice(0, 64) },
    });
  }
  const screening = toScreeningRecord(row);
  if (screening.requesterId !== actorId) {
    throw new ServiceError("forbidden", "This screening belongs to someone else; only its requester can reply to compliance on it. Nothing was sent.", {
      screeningId: screening.id,
      actorId,
      type: "access.refused",
      data: { reason: "not_requester", action: "reply" },
    });
  }
  return screening;
}

function notWaiting(s: ScreeningRecord): ServiceError {
  const ref = s.reference;
  if (s.status === "draft") {
    return new ServiceError(
      "not_editable",
      `${ref} is open for editing, so compliance is waiting for your changed answers, not a reply. Nothing was sent. Type /screening resume to finish and submit it.`,
    );
  }
  return new ServiceError(
    "not_editable",
    `${ref} is not waiting for compliance (status: ${STATUS_LABELS[s.status]}), so there is nothing to reply to. Nothing was sent. See /screening status ${ref}.`,
  );
}
