// Turning failures into words for the person who clicked. Expected refusals (ServiceError)
// carry their own message; anything else is logged with its ids and answered with a message
// that says nothing was saved and what to do, never a stack trace.
import type { Refusal } from "../domain/approval-policy.js";
import { describeError } from "../log-safe.js";
import type { Logger } from "../services/context.js";
import { ServiceError } from "../services/errors.js";
import { BUSY_MESSAGE } from "../services/request-budget.js";

export { BUSY_MESSAGE };

/**
 * The busy answer to a click or a command (BUSY_MESSAGE speaks of a form submitted). Like it,
 * true: a "busy" refusal is given before anything is written.
 */
export const BUSY_CLICK_MESSAGE = "The bot is busy right now and could not handle this in time. Nothing was saved or changed: try again in a moment.";

/** A use case refused the request because it waited past its budget (request-budget.ts): nothing was written. */
export function isBusy(err: unknown): err is ServiceError {
  return err instanceof ServiceError && err.code === "busy";
}

/** messageFor, for a click or a command: "busy" in the words of a click. */
export function clickMessageFor(err: unknown, log: Logger, where: string, ids: Record<string, unknown> = {}): string {
  return isBusy(err) ? BUSY_CLICK_MESSAGE : messageFor(err, log, where, ids);
}

export const DATABASE_DOWN =
  "Nothing was saved: the screening database is not answering right now. Wait a minute and try again; your earlier answers are safe.";

export function messageFor(err: unknown, log: Logger, where: string, ids: Record<string, unknown> = {}): string {
  if (err instanceof ServiceError) return err.message;
  const text = err instanceof Error ? err.message : String(err);
  const dbDown = /connect|ECONNREFUSED|closed|terminat|timeout|Timed out|PGlite is closed|database/i.test(text);
  // The log gets ids and the kind of error, never the message as is: it may quote what a person typed.
  log.error(`${where} failed`, { ...ids, error: describeError(err), kind: dbDown ? "database" : "internal" });
  return dbDown ? DATABASE_DOWN : "Something went wrong on our side and nothing was saved. Try again; if it keeps happening, tell your compliance team.";
}

/** A refused decision in words, naming who decided when someone did (a race's loser must know). */
export function refusalText(refusal: Refusal): string {
  if (refusal.code === "already_final" && refusal.decidedBy) return `${refusal.message} It was decided by <@${refusal.decidedBy}>.`;
  if (refusal.code === "waiting_for_requester" && refusal.decidedBy) return `${refusal.message} It was decided by <@${refusal.decidedBy}>, who requested the information.`;
  if (refusal.code === "not_hard_stop_approver") {
    const who = hardStopApproversText(refusal.approvers);
    return `${refusal.message}${who ? ` To approve it, ask ${who}.` : ""} Nothing was changed.`;
  }
  return refusal.message;
}

/**
 * Mentions as plain text, for places that show text as typed (field errors, notices): a
 * mention there would show as its raw <@U…> form.
 */
export function plainMentions(text: string): string {
  return text.replace(/<@([A-Z0-9]+)>/g, "@$1").replace(/<!subteam\^([A-Z0-9]+)>/g, "user group $1");
}

/** "<@U1>, <@U2> or a member of <!subteam^S1>": the people named to approve hard stops. */
function hardStopApproversText(approvers: { userIds: readonly string[]; usergroupId?: string | undefined }): string {
  const ids = approvers.userIds.filter((id) => SLACK_ID.test(id));
  const names = [...ids.map((id) => `<@${id}>`), ...(approvers.usergroupId && SLACK_ID.test(approvers.usergroupId) ? [`a member of <!subteam^${approvers.usergroupId}>`] : [])];
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

const SLACK_ID = /^[A-Z0-9]{2,}$/;
