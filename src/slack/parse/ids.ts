// The keys Slack hands back to us (button values, ids inside private_metadata), parsed once
// here into the domain's typed ids: nothing past src/slack/parse sees a key as a raw string.
// A value that is not an id is null (or a failed zod parse), and the listener treats the
// button or form as unreadable: it records that and tells the person, and passes nothing on.
import { z } from "zod";
import { parseEscalationId, parseScreeningId, type EscalationId, type ScreeningId } from "../../domain/ids.js";

/** A screening id inside JSON metadata (`{"s": …}`), as a zod type producing a ScreeningId. */
export const ScreeningIdField = z.string().transform((v, ctx): ScreeningId => parseScreeningId(v) ?? notAnId(ctx));
/** An escalation id inside JSON metadata (`{"e": …}`), as a zod type producing an EscalationId. */
export const EscalationIdField = z.string().transform((v, ctx): EscalationId => parseEscalationId(v) ?? notAnId(ctx));

function notAnId(ctx: z.RefinementCtx): never {
  ctx.addIssue({ code: "custom", message: "not an id" });
  return z.NEVER;
}

/** The screening a button names (View answers, Details, Reply, Edit answers, Resume), or null. */
export function buttonScreeningId(value: unknown): ScreeningId | null {
  return parseScreeningId(value);
}

/** The escalation a decision button names, or null. */
export function buttonEscalationId(value: unknown): EscalationId | null {
  return parseEscalationId(value);
}
