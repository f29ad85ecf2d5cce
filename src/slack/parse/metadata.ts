// private_metadata of our modals, read back. It comes from Slack, so it is external data:
// parsed with zod, size-limited, never thrown on. Anything unexpected is undefined and the
// listener tells the person the form could not be read. The ids come out typed (ScreeningId,
// EscalationId): this is the one place a modal's key is read, and nothing after it sees a raw string.
import { z } from "zod";
import { DECISION_OUTCOMES, type DecisionOutcome } from "../../domain/approval-policy.js";
import type { EscalationId, ScreeningId } from "../../domain/ids.js";
import { Id } from "../../domain/rule-set.js";
import { EscalationIdField, ScreeningIdField } from "./ids.js";

/** Slack's own limit on private_metadata. */
export const MAX_METADATA = 3000;


// `n` came later: metadata without it (a modal opened by an older version) is still read, and a
// malformed `n` is dropped rather than making the whole form unreadable.
const PageMetadata = z.strictObject({ s: ScreeningIdField, p: Id, n: z.unknown().optional() });
const StepCount = z.int().min(1).max(1000);
const ReviewMetadata = z.strictObject({ s: ScreeningIdField });
const DecisionMetadata = z.strictObject({ e: EscalationIdField, o: z.enum(DECISION_OUTCOMES) });

export interface PageMetadata {
  screeningId: ScreeningId;
  pageId: string;
  /** how many steps the page said the interview had ("Step 2 of 4"), when it said */
  stepCount?: number;
}

export interface ReviewMetadata {
  screeningId: ScreeningId;
}

export interface DecisionMetadata {
  escalationId: EscalationId;
  outcome: DecisionOutcome;
}

/** `{"s":screeningId,"p":pageId,"n":stepCount}` of a page modal. */
export function parsePageMetadata(raw: unknown): PageMetadata | undefined {
  const parsed = PageMetadata.safeParse(parseJson(raw));
  if (!parsed.success) return undefined;
  const count = StepCount.safeParse(parsed.data.n);
  return { screeningId: parsed.data.s, pageId: parsed.data.p, ...(count.success ? { stepCount: count.data } : {}) };
}

/** The page modal's private_metadata: the screening, the page, and the step count it shows. */
export function pageMetadata(args: { screeningId: string; pageId: string; stepCount: number }): string {
  return JSON.stringify({ s: args.screeningId, p: args.pageId, n: args.stepCount });
}

/** `{"s":screeningId}` of the review modal. */
export function parseReviewMetadata(raw: unknown): ReviewMetadata | undefined {
  const parsed = ReviewMetadata.safeParse(parseJson(raw));
  return parsed.success ? { screeningId: parsed.data.s } : undefined;
}

/** `{"e":escalationId,"o":outcome}` of a decision modal. */
export function parseDecisionMetadata(raw: unknown): DecisionMetadata | undefined {
  const parsed = DecisionMetadata.safeParse(parseJson(raw));
  return parsed.success ? { escalationId: parsed.data.e, outcome: parsed.data.o } : undefined;
}

/** The JSON in a private_metadata string of at most Slack's size, or undefined; never throws. */
export function parseJson(raw: unknown): unknown {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > MAX_METADATA) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
