// Read models of stored records, as services hand them to adapters (Slack rendering, CLI).
// Plain data: no Prisma types leak past src/store/.
import type { DecisionOutcome, EscalationStatus } from "./approval-policy.js";
import type { AnswerChange } from "./answer-changes.js";
import type { Authorisation } from "./decision-input.js";
import type { AnswerValue } from "./rule-set.js";
import type { ScoringResult } from "./scoring.js";
import type { ScreeningStatus } from "./screening.js";

export interface ScreeningRecord {
  id: string;
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
  id: string;
  screeningId: string;
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
}
