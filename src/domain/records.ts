// Read models of stored records, as services hand them to adapters (Slack rendering, CLI).
// Plain data: no Prisma types leak past src/store/.
import type { DecisionOutcome, EscalationStatus } from "./approval-policy.js";
import type { AnswerChange } from "./answer-changes.js";
import type { Authorisation } from "./decision-input.js";
import type { EscalationId, ScreeningId } from "./ids.js";
import type { AnswerValue } from "./rule-set.js";
import type { ScoringResult } from "./scoring.js";
import type { ScreeningStatus } from "./screening.js";

export interface ScreeningRecord {
  id: ScreeningId;
  reference: string;
  requesterId: string;
  status: ScreeningStatus;
  currentPage: string | null;
  ruleSetHash: string;
  score: number | null;
  tier: string | null;
  hardStop: boolean;
  scoring: ScoringResult | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  submittedAt: Date | null;
  closedAt: Date | null;
  /** when it must be reviewed again (set when it is cleared or approved: src/domain/rescreening.ts); undefined where not read */
  reviewDueAt?: Date | null | undefined;
  /** the screening this one re-screens (its answers were the prefill); undefined where not read */
  renews?: ScreeningLink | null | undefined;
  /** the re-screening started from this one; undefined where not read */
  renewedBy?: (ScreeningLink & { status: ScreeningStatus; requesterId: string }) | null | undefined;
}

/** Another screening named from this one (re-screening before renewal). */
export interface ScreeningLink {
  id: string;
  reference: string;
}

/** A screening just created: a draft at its first page, nothing scored yet. */
export function newDraftRecord(args: { id: ScreeningId; reference: string; requesterId: string; currentPage: string; ruleSetHash: string; now: Date }): ScreeningRecord {
  return {
    id: args.id,
    reference: args.reference,
    requesterId: args.requesterId,
    status: "draft",
    currentPage: args.currentPage,
    ruleSetHash: args.ruleSetHash,
    score: null,
    tier: null,
    hardStop: false,
    scoring: null,
    version: 0,
    createdAt: args.now,
    updatedAt: args.now,
    submittedAt: null,
    closedAt: null,
  };
}

export interface DecisionRecord {
  id: string;
  round: number;
  deciderId: string;
  outcome: DecisionOutcome;
  rationale: string;
  /** ids of approval conditions from the rule set */
  conditions: string[];
  /** conditions the approver wrote themselves (contract clauses, dates, ...) */
  conditionsText: string | null;
  /** the licence or authorisation of an approval under authorisation; null for every other decision */
  authorisation: Authorisation | null;
  createdAt: Date;
}

export interface EscalationRecord {
  id: EscalationId;
  screeningId: ScreeningId;
  channelId: string;
  messageTs: string | null;
  requiredApprovals: number;
  status: EscalationStatus;
  round: number;
  version: number;
  createdAt: Date;
  closedAt: Date | null;
  decisions: DecisionRecord[];
}

/** A screening with its current answers, and its escalation if it has one. */
export interface ScreeningDetail {
  screening: ScreeningRecord;
  answers: Record<string, AnswerValue>;
  escalation: EscalationRecord | null;
}

/** Answers that changed at a resubmission: those at the previous submission against the later ones. */
export interface ResubmissionChanges {
  /** when the answers compared against were submitted */
  previousSubmittedAt: Date;
  /** true while the requester is still changing answers (not resubmitted yet) */
  pending: boolean;
  /** in questionnaire order; empty when nothing changed */
  changes: AnswerChange[];
}

/** Everything an approver reads to decide: the screening, its answers, and what changed since it was last submitted. */
export interface ScreeningAnswers {
  detail: ScreeningDetail;
  /** null until the screening has been submitted twice (or reopened after a submission) */
  resubmission: ResubmissionChanges | null;
  /** a re-screening: the screening it renews, its outcome and decision, and what changed since (src/domain/rescreening.ts) */
  renewal?: RenewalView | null | undefined;
}

/** A re-screening against the screening it renews, as approvers read it. */
export interface RenewalView {
  previous: {
    id: ScreeningId;
    reference: string;
    requesterId: string;
    status: ScreeningStatus;
    tier: string | null;
    tierLabel: string | null;
    score: number | null;
    /** when it was cleared or approved (or otherwise closed) */
    decidedAt: Date | null;
    /** the decisions of its last round (who approved, when, rationale, conditions); none when the rules cleared it */
    decisions: DecisionRecord[];
  };
  /** answers that differ, the previous screening's (before) against this one's (after), in questionnaire order */
  changes: AnswerChange[];
  /** true while the re-screening is not submitted: only the pages confirmed so far are compared */
  pending: boolean;
}
