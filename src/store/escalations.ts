// Escalations and their decisions, read for the Home tab. They are written with their screening
// (src/store/aggregate.ts).
import type { EscalationRecord } from "../domain/records.js";
import { toEscalationRecord } from "./records.js";
import type { Db } from "./types.js";

/** Open escalations this approver has not decided in their current round, not of their own screenings, oldest first. */
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
