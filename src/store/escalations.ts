// Escalations and their decisions.
import type { DecisionOutcome, EscalationStatus } from "../domain/approval-policy.js";
import type { Authorisation } from "../domain/decision-input.js";
import type { EscalationRecord } from "../domain/records.js";
import { toEscalationRecord } from "./records.js";
import type { Db, Tx } from "./types.js";

export async function findEscalation(db: Db, id: string): Promise<EscalationRecord | null> {
  const row = await db.escalation.findUnique({ where: { id }, include: { decisions: true } });
  return row ? toEscalationRecord(row) : null;
}

export async function findEscalationOfScreening(db: Db, screeningId: string): Promise<EscalationRecord | null> {
  const row = await db.escalation.findUnique({ where: { screeningId }, include: { decisions: true } });
  return row ? toEscalationRecord(row) : null;
}

export async function createEscalation(
  tx: Tx,
  args: { screeningId: string; channelId: string; requiredApprovals: number },
): Promise<EscalationRecord> {
  const row = await tx.escalation.create({
    data: { screeningId: args.screeningId, channelId: args.channelId, requiredApprovals: args.requiredApprovals, status: "open" },
    include: { decisions: true },
  });
  return toEscalationRecord(row);
}

/**
 * Moves an escalation to a new state if nobody else changed it since `expectedVersion`
 * was read. Returns false on a lost race: the caller re-reads and re-decides.
 */
export async function updateEscalationIfUnchanged(
  tx: Tx,
  id: string,
  expectedVersion: number,
  change: { status: EscalationStatus; round?: number; requiredApprovals?: number; closedAt?: Date | null },
): Promise<boolean> {
  const result = await tx.escalation.updateMany({
    where: { id, version: expectedVersion },
    data: { ...change, version: { increment: 1 } },
  });
  return result.count === 1;
}

export async function insertDecision(
  tx: Tx,
  args: {
    escalationId: string;
    screeningId: string;
    round: number;
    deciderId: string;
    outcome: DecisionOutcome;
    rationale: string;
    conditions: string[];
    conditionsText: string | null;
    /** an approval under authorisation's licence or authorisation */
    authorisation?: Authorisation | null | undefined;
  },
): Promise<string> {
  const { authorisation, ...decision } = args;
  const data = authorisation
    ? {
        ...decision,
        authorisationReference: authorisation.reference,
        authorisationIssuer: authorisation.issuer,
        authorisationIssuerName: authorisation.issuerName,
        authorisationIssuedOn: new Date(`${authorisation.issuedOn}T00:00:00Z`),
      }
    : decision;
  const row = await tx.decision.create({ data, select: { id: true } });
  return row.id;
}

/** Records where the channel message lives, once; a second post never overwrites the first. */
export async function setEscalationMessage(db: Db, id: string, messageTs: string): Promise<boolean> {
  const result = await db.escalation.updateMany({ where: { id, messageTs: null }, data: { messageTs } });
  return result.count === 1;
}

export async function openEscalationsAwaiting(db: Db, userId: string, limit: number): Promise<EscalationRecord[]> {
  const rows = await db.escalation.findMany({
    where: { status: "open", screening: { requesterId: { not: userId } } },
    include: { decisions: true },
    orderBy: { createdAt: "asc" },
    take: limit * 2,
  });
  return rows
    .map(toEscalationRecord)
    .filter((e) => !e.decisions.some((d) => d.round === e.round && d.deciderId === userId && d.outcome !== "request_info"))
    .slice(0, limit);
}
