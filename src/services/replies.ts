// Use case of the requester after compliance asked for more information: a written reply.
// It is recorded in the audit trail (the record of what was said, by whom, on which screening)
// and posted in the escalation's thread in the compliance channel through the outbox, both in
// one statement. The reply does not change the screening: changed answers still go through
// "Edit answers" and a resubmission.
import { decideReply, REPLY_EVENT } from "../domain/decision-commands.js";
import { onAggregate, type ServiceContext } from "./context.js";

/** Longest reply, in characters (Slack's own cap on a text input). */
export const REPLY_MAX_LENGTH = 3000;

export { REPLY_EVENT };

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
  return onAggregate<ReplyResult>(ctx, {
    key: { screeningId: args.screeningId },
    requestKey: args.requestKey,
    actorId: args.actorId,
    missing: () => ({
      code: "not_found",
      message: "That screening does not exist, so the reply was not sent. /screening list shows your screenings.",
      audit: { type: "access.refused", data: { reason: "unknown_screening", action: "reply", screeningRef: args.screeningId.slice(0, 64) } },
    }),
    // Recognised before anything else, so a replay is answered even once the screening has moved on.
    replay: (state) => ({ kind: "sent", reference: state.screening.requesterId === args.actorId ? state.screening.reference : "your screening", duplicate: true }),
    decide: (state) => {
      const decided = decideReply(state, { actorId: args.actorId, text: checked.text });
      if (decided.kind === "refused") return { refuse: decided.refusal, actorId: args.actorId };
      return { commit: decided.change, answer: (after) => ({ kind: "sent", reference: after.screening.reference, duplicate: false }) };
    },
  });
}

