// Turning failures into words for the person who clicked. Expected refusals (ServiceError)
// carry their own message; anything else is logged with its ids and answered with a message
// that says nothing was saved and what to do, never a stack trace.
import type { Refusal } from "../domain/approval-policy.js";
import { describeError } from "../store/errors.js";
import type { Logger } from "../services/context.js";
import { ServiceError } from "../services/errors.js";

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
  return refusal.message;
}
