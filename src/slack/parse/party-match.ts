// The potential restricted-party match a button or the match-resolution modal refers to, read
// back: "screening id|match number|entry id" in a button's value, `{s,i,e,o}` in the modal's
// private_metadata. Never throws; anything unexpected is undefined (an unreadable form).
import { z } from "zod";
import type { ScreeningId } from "../../domain/ids.js";
import type { ResolutionOutcome } from "../../domain/party-matching.js";
import { buttonScreeningId, ScreeningIdField } from "./ids.js";
import { parseJson } from "./metadata.js";

export interface MatchKey {
  screeningId: ScreeningId;
  /** the match's position in the screening's recorded matches */
  index: number;
  /** the list entry it must be, so a stale button cannot resolve another match */
  entryId: string;
}

const MAX_INDEX = 1000;

/** "screening id|match number|entry id", as the buttons carry it. */
export function parseMatchRef(value: unknown): MatchKey | undefined {
  if (typeof value !== "string" || value.length > 400) return undefined;
  const [id, index, entryId] = value.split("|");
  const screeningId = buttonScreeningId(id);
  const n = Number(index);
  if (!screeningId || !entryId || index === "" || !Number.isInteger(n) || n < 0 || n > MAX_INDEX) return undefined;
  return { screeningId, index: n, entryId };
}

const MatchMetadata = z.strictObject({
  s: ScreeningIdField,
  i: z.int().min(0).max(MAX_INDEX),
  e: z.string().min(1).max(300),
  o: z.enum(["confirmed", "not_same_party"]),
});

/** The match-resolution modal's private_metadata. */
export function matchMetadata(args: MatchKey & { outcome: ResolutionOutcome }): string {
  return JSON.stringify({ s: args.screeningId, i: args.index, e: args.entryId, o: args.outcome });
}

/** `{"s":screeningId,"i":index,"e":entryId,"o":outcome}` of the match-resolution modal. */
export function parseMatchMetadata(raw: unknown): (MatchKey & { outcome: ResolutionOutcome }) | undefined {
  const parsed = MatchMetadata.safeParse(parseJson(raw));
  return parsed.success ? { screeningId: parsed.data.s, index: parsed.data.i, entryId: parsed.data.e, outcome: parsed.data.o } : undefined;
}
