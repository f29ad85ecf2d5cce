// Rows → domain read models. JSON columns are validated on the way out: a row that does not
// have the expected shape is a bug or tampering, and fails loudly here rather than in a listener.
import { z } from "zod";
import { DECISION_OUTCOMES } from "../domain/approval-policy.js";
import { escalationIdOf, screeningIdOf } from "../domain/ids.js";
import { AUTHORITIES, type Authorisation } from "../domain/decision-input.js";
import type { DecisionRecord, EscalationRecord, ScreeningRecord } from "../domain/records.js";
import { ScoringResultSchema, type ScoringResult } from "../domain/scoring.js";
import { isScreeningStatus } from "../domain/screening.js";
import type { Decision, Escalation, Screening } from "../generated/prisma/client.js";


export function toScreeningRecord(row: Screening): ScreeningRecord {
  if (!isScreeningStatus(row.status)) throw new Error(`screening ${row.id} has unknown status ${row.status}`);
  const scoring: ScoringResult | null = row.scoring === null ? null : ScoringResultSchema.parse(row.scoring);
  return {
    id: screeningIdOf(row.id),
    reference: row.reference,
    requesterId: row.requesterId,
    status: row.status,
    currentPage: row.currentPage,
    ruleSetHash: row.ruleSetHash,
    score: row.score,
    tier: row.tier,
    hardStop: row.hardStop,
    scoring,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    submittedAt: row.submittedAt,
    closedAt: row.closedAt,
  };
}

const EscalationStatusSchema = z.enum(["open", "info_requested", "approved", "rejected", "closed"]);
const ConditionIds = z.array(z.string());

export function toDecisionRecord(row: Decision): DecisionRecord {
  return {
    id: row.id,
    round: row.round,
    deciderId: row.deciderId,
    outcome: z.enum(DECISION_OUTCOMES).parse(row.outcome),
    rationale: row.rationale,
    conditions: ConditionIds.parse(row.conditions),
    conditionsText: row.conditionsText,
    authorisation: authorisationOfRow(row),
    createdAt: row.createdAt,
  };
}

/** The licence or authorisation of an approval under authorisation (the database keeps the columns all set or all empty). */
function authorisationOfRow(row: Decision): Authorisation | null {
  if (row.authorisationReference === null || row.authorisationIssuer === null || row.authorisationIssuedOn === null) return null;
  return {
    reference: row.authorisationReference,
    issuer: z.enum(AUTHORITIES).parse(row.authorisationIssuer),
    issuerName: row.authorisationIssuerName,
    // A DATE column: midnight UTC of that day.
    issuedOn: row.authorisationIssuedOn.toISOString().slice(0, 10),
  };
}

export function toEscalationRecord(row: Escalation & { decisions: Decision[] }): EscalationRecord {
  return {
    id: escalationIdOf(row.id),
    screeningId: screeningIdOf(row.screeningId),
    channelId: row.channelId,
    messageTs: row.messageTs,
    requiredApprovals: row.requiredApprovals,
    status: EscalationStatusSchema.parse(row.status),
    round: row.round,
    version: row.version,
    createdAt: row.createdAt,
    closedAt: row.closedAt,
    decisions: [...row.decisions].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map(toDecisionRecord),
  };
}
