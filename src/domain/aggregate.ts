// A screening as one aggregate: its row, current answers, drafts, escalation and decisions.
// Use cases read it whole (one statement), decide in memory with the pure functions of
// src/domain (interview-commands.ts, decision-commands.ts), and write what they decided as one
// AggregateChange (one statement, src/store/aggregate.ts). A refusal is a value, not a throw.
import type { DecisionOutcome, EscalationStatus } from "./approval-policy.js";
import type { Authorisation } from "./decision-input.js";
import type { EscalationId } from "./ids.js";
import type { EscalationRecord, ScreeningRecord } from "./records.js";
import type { AnswerValue, Answers } from "./rule-set.js";
import type { ScoringResult } from "./scoring.js";
import type { ScreeningStatus } from "./screening.js";

/** One page's draft: question id → the raw value as read from the modal (null: left empty). */
export type PageDraft = Record<string, string | string[] | null>;
/** Every page's draft, by page id: what the requester typed on pages they left without saving. */
export type Drafts = Record<string, PageDraft>;

export interface AggregateState {
  screening: ScreeningRecord;
  teamId: string | null;
  answers: Answers;
  drafts: Drafts;
  escalation: EscalationRecord | null;
}

/** JSON-like data of an audit event (validated and normalised by the store). */
export type AuditData = { readonly [key: string]: AuditValue | undefined };
export type AuditValue = string | number | boolean | null | readonly AuditValue[] | { readonly [key: string]: AuditValue | undefined };

export interface AuditEntryDraft {
  /** undefined: the aggregate's screening; null: none */
  screeningId?: string | null | undefined;
  actorId: string;
  type: string;
  data: AuditData;
}

/** What a use case decided to write: everything lands in one statement, or nothing does. */
export interface AggregateChange {
  screening?: {
    status?: ScreeningStatus;
    currentPage?: string | null;
    score?: number;
    tier?: string;
    hardStop?: boolean;
    scoring?: ScoringResult | null;
    drafts?: Drafts;
    ruleSetHash?: string;
    submittedAt?: Date | null;
    closedAt?: Date | null;
    /** when it must be reviewed again (src/domain/rescreening.ts withReviewDate) */
    reviewDueAt?: Date | null;
  };
  /** changed answers only; undefined clears one (the old row is kept, superseded) */
  answers?: Record<string, AnswerValue | undefined>;
  /** who gave the answers */
  answeredBy?: string;
  escalation?: {
    create?: { id: EscalationId; channelId: string; requiredApprovals: number };
    /** applied only if the escalation is still at `version` */
    update?: { id: string; version: number; status: EscalationStatus; round: number; requiredApprovals: number; closedAt: Date | null };
  };
  decision?: {
    id: string;
    escalationId: string;
    round: number;
    deciderId: string;
    outcome: DecisionOutcome;
    rationale: string;
    conditions: string[];
    conditionsText: string | null;
    authorisation: Authorisation | null;
  };
  /** compliance's resolution of a potential restricted-party match */
  resolution?: {
    id: string;
    normalisedName: string;
    entryId: string;
    entryHash: string;
    listSetId: string;
    outcome: "confirmed" | "not_same_party";
    reason: string;
    decidedBy: string;
  };
  /**
   * Erases the record's content after its retention period (domain/records-retention.ts): every
   * answer row with its history, each decision's rationale and written conditions, and the
   * reasons of party-match resolutions. The audit trail is never touched.
   */
  erase?: boolean;
  audit: AuditEntryDraft[];
  /**
   * Slack deliveries to make once this has committed (the store's outbox payloads). A payload's
   * `auditSeq: { ofEvent: n }` names the n-th audit event of this change (1-based), whose
   * sequence number is only known once it is written.
   */
  deliveries: Array<{ kind: string; [key: string]: unknown }>;
}

/** The state after `change`, as the next step shows it (no second read). */
export function applyChange(state: AggregateState, change: AggregateChange, now: Date): AggregateState {
  const s = change.screening ?? {};
  const answers: Record<string, AnswerValue> = change.erase ? {} : { ...state.answers };
  for (const [id, v] of Object.entries(change.answers ?? {})) {
    if (v === undefined) delete answers[id];
    else answers[id] = v;
  }
  let escalation = state.escalation;
  if (change.escalation?.create) {
    const c = change.escalation.create;
    escalation = {
      id: c.id,
      screeningId: state.screening.id,
      channelId: c.channelId,
      messageTs: null,
      requiredApprovals: c.requiredApprovals,
      status: "open",
      round: 1,
      version: 0,
      createdAt: now,
      closedAt: null,
      decisions: [],
    };
  }
  if (change.escalation?.update && escalation) {
    const u = change.escalation.update;
    escalation = { ...escalation, status: u.status, round: u.round, requiredApprovals: u.requiredApprovals, closedAt: u.closedAt, version: escalation.version + 1 };
  }
  if (change.decision && escalation) {
    const d = change.decision;
    escalation = {
      ...escalation,
      decisions: [
        ...escalation.decisions,
        { id: d.id, round: d.round, deciderId: d.deciderId, outcome: d.outcome, rationale: d.rationale, conditions: d.conditions, conditionsText: d.conditionsText, authorisation: d.authorisation, createdAt: now },
      ],
    };
  }
  if (change.erase && escalation) {
    escalation = { ...escalation, decisions: escalation.decisions.map((d) => ({ ...d, rationale: "", conditionsText: null })) };
  }
  const { drafts, ...columns } = s;
  return {
    screening: { ...state.screening, ...columns, version: state.screening.version + 1, updatedAt: now },
    teamId: state.teamId,
    answers,
    drafts: drafts ?? state.drafts,
    escalation,
  };
}
