// The reply modal, read back: its private_metadata and the text typed. Never throws; anything
// unexpected is undefined and the listener says the form could not be read.
import { z } from "zod";
import type { ScreeningId } from "../../domain/ids.js";
import { ACTION, BLOCK } from "../ids.js";
import { ScreeningIdField } from "./ids.js";
import { parseJson } from "./metadata.js";
import { elementState } from "./state.js";

const ReplyMetadata = z.strictObject({ s: ScreeningIdField });

/** `{"s":screeningId}` of the reply modal. */
export function parseReplyMetadata(raw: unknown): { screeningId: ScreeningId } | undefined {
  const parsed = ReplyMetadata.safeParse(parseJson(raw));
  return parsed.success ? { screeningId: parsed.data.s } : undefined;
}

/** The text typed in the reply modal, as sent (undefined when the input is missing or malformed). */
export function parseReplyText(values: unknown): string | undefined {
  return elementState(values, BLOCK.reply, ACTION.replyText)?.value ?? undefined;
}
