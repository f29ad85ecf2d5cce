// The reply modal, read back: its private_metadata and the text typed. Never throws; anything
// unexpected is undefined and the listener says the form could not be read.
import { z } from "zod";
import { ACTION, BLOCK } from "../ids.js";
import { elementState } from "./state.js";

const ReplyMetadata = z.strictObject({ s: z.guid() });

/** `{"s":screeningId}` of the reply modal. */
export function parseReplyMetadata(raw: unknown): { screeningId: string } | undefined {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 3000) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = ReplyMetadata.safeParse(json);
  return parsed.success ? { screeningId: parsed.data.s } : undefined;
}

/** The text typed in the reply modal, as sent (undefined when the input is missing or malformed). */
export function parseReplyText(values: unknown): string | undefined {
  return elementState(values, BLOCK.reply, ACTION.replyText)?.value ?? undefined;
}
