// Reads for the records export and for retention (src/services/records-export.ts,
// records-retention.ts): everything the database holds about a screening, superseded answers and
// its audit events included, and which screenings a period covers. Cold paths, through Prisma.
import { RESOLUTION_OUTCOMES } from "../domain/party-matching.js";
import { RECORD_ERASED } from "../domain/records-retention.js";
import { screeningIdOf } from "../domain/ids.js";
import { isScreeningStatus } from "../domain/screening.js";
import { storedRuleSet, type StoredScreeningRecord } from "../domain/records-export.js";
import { z } from "zod";
import { toEscalationRecord, toScreeningRecord } from "./records.js";
import type { Db } from "./types.js";

const ResolutionOutcome = z.enum(RESOLUTION_OUTCOMES);

/** The id of the screening with this reference; null when there is none. */
export async function screeningIdByReference(db: Db, reference: string): Promise<string | null> {
  const row = await db.screening.findUnique({ where: { reference }, select: { id: true } });
  return row?.id ?? null;
}

/** Screenings created in [from, to) (UTC), oldest first: their ids. */
export async function screeningIdsCreatedBetween(db: Db, from: Date, toExclusive: Date): Promise<string[]> {
  const rows = await db.screening.findMany({
    where: { createdAt: { gte: from, lt: toExclusive } },
    orderBy: [{ createdAt: "asc" }, { reference: "asc" }],
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** Everything the database holds about one screening; null when there is none. */
export async function storedScreeningRecord(db: Db, screeningId: string): Promise<StoredScreeningRecord | null> {
  const row = await db.screening.findUnique({
    where: { id: screeningId },
    include: {
      ruleSet: true,
      escalation: { include: { decisions: true } },
      previousScreening: { select: { id: true, reference: true } },
      rescreening: { select: { id: true, reference: true, status: true, requesterId: true } },
    },
  });
  if (!row) return null;
  const [answers, resolutions, audit] = await Promise.all([
    db.answer.findMany({ where: { screeningId }, orderBy: [{ createdAt: "asc" }, { questionId: "asc" }] }),
    db.partyMatchResolution.findMany({ where: { screeningId }, orderBy: { decidedAt: "asc" } }),
    db.auditEvent.findMany({ where: { screeningId }, orderBy: { seq: "asc" } }),
  ]);
  const { ruleSet, escalation, previousScreening, rescreening, ...screening } = row;
  const record = toScreeningRecord(screening);
  return {
    screening: {
      ...record,
      reviewDueAt: row.reviewDueAt,
      renews: previousScreening ? { id: screeningIdOf(previousScreening.id), reference: previousScreening.reference } : null,
      renewedBy: rescreening ? { id: screeningIdOf(rescreening.id), reference: rescreening.reference, status: isScreeningStatus(rescreening.status) ? rescreening.status : "draft", requesterId: rescreening.requesterId } : null,
    },
    teamId: row.teamId,
    ruleSetLabel: ruleSet.label,
    ruleSet: storedRuleSet(ruleSet.content),
    answers: answers.map((a) => ({ questionId: a.questionId, value: a.value, answeredBy: a.answeredBy, createdAt: a.createdAt, supersededAt: a.supersededAt })),
    escalation: escalation ? toEscalationRecord(escalation) : null,
    resolutions: resolutions.map((r) => ({
      normalisedName: r.normalisedName,
      entryId: r.entryId,
      entryHash: r.entryHash,
      listSetId: r.listSetId,
      outcome: ResolutionOutcome.parse(r.outcome),
      reason: r.reason,
      decidedBy: r.decidedBy,
      decidedAt: r.decidedAt,
    })),
    audit: audit.map((e) => ({ seq: e.seq.toString(), actorId: e.actorId, type: e.type, data: e.data, createdAt: e.createdAt, prevHash: e.prevHash, hash: e.hash })),
  };
}

/** Whether the screening's content was erased after its retention period before. */
export async function wasErased(db: Db, screeningId: string): Promise<boolean> {
  return (await db.auditEvent.count({ where: { screeningId, type: RECORD_ERASED } })) > 0;
}
