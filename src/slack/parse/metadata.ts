// private_metadata of our modals, read back. It comes from Slack, so it is external data:
// parsed with zod, size-limited, never thrown on. Anything unexpected is undefined and the
// listener tells the person the form could not be read.
import { z } from "zod";
import { DECISION_OUTCOMES, type DecisionOutcome } from "../../domain/approval-policy.js";
import { Id } from "../../domain/rule-set.js";

/** Slack's own limit on private_metadata. */
const MAX_METADATA = 3000;

// Any 8-4-4-4-12 hex id: what PostgreSQL's uuid type accepts.
const Uuid = z.guid();

// `n` came later: metadata without it (a modal opened by an older version) is still read, and a
// malformed `n` is dropped rather than making the whole form unreadable.
const PageMetadata = z.strictObject({ s: Uuid, p: Id, n: z.unknown().optional() });
const StepCount = z.int().min(1).max(1000);
const ReviewMetadata = z.strictObject({ s: Uuid });
const DecisionMetadata = z.strictObject({ e: Uuid, o: z.enum(DECISION_OUTCOMES) });

export interface PageMetadata {
  screeningId: string;
  pageId: string;
  /** how many steps the page said the interview had ("Step 2 of 4"), when it said */
  stepCount?: number;
}

export interface ReviewMetadata {
  screeningId: string;
}

export interface DecisionMetadata {
  escalationId: string;
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

function parseJson(raw: unknown): unknown {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > MAX_METADATA) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
