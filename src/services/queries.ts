// Read-only use cases: a requester's list, one screening's status, the Home tab.
import type { EscalationRecord, ScreeningDetail, ScreeningRecord } from "../domain/records.js";
import type { AnswerValue, RuleSet } from "../domain/rule-set.js";
import { REFERENCE_PATTERN } from "../domain/screening.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { findEscalationOfScreening, openEscalationsAwaiting } from "../store/escalations.js";
import { toScreeningRecord } from "../store/records.js";
import { currentAnswers } from "../store/screenings.js";
import type { Db } from "../store/types.js";
import { recordRefusal, type ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";

export async function loadScreening(db: Db, screeningId: string): Promise<ScreeningDetail | null> {
  const row = await db.screening.findUnique({ where: { id: screeningId } });
  if (!row) return null;
  const [answers, escalation] = await Promise.all([currentAnswers(db, row.id), findEscalationOfScreening(db, row.id)]);
  return { screening: toScreeningRecord(row), answers, escalation };
}

/** A screening plus the answers that summarise it (item, destination, end user). */
export interface ScreeningSummary extends ScreeningRecord {
  item?: AnswerValue | undefined;
  destination?: AnswerValue | undefined;
  endUser?: AnswerValue | undefined;
}

export async function listScreenings(ctx: ServiceContext, requesterId: string, limit = 25): Promise<ScreeningSummary[]> {
  const rows = await ctx.prisma.screening.findMany({ where: { requesterId }, orderBy: { createdAt: "desc" }, take: limit });
  return summarise(ctx.prisma, ctx.ruleSet, rows.map(toScreeningRecord));
}

/**
 * One screening by reference, for its requester or an approver. Anyone else is told it
 * cannot be shown, with the same words as for an unknown reference, so references of other
 * people's screenings cannot be probed.
 */
export async function screeningStatus(
  ctx: ServiceContext,
  args: { reference: string; actorId: string; isApprover: boolean },
): Promise<ScreeningDetail> {
  const reference = args.reference.trim().toUpperCase();
  if (!REFERENCE_PATTERN.test(reference)) {
    // Not echoed: it is whatever the person typed, mentions and control characters included.
    throw new ServiceError("not_found", "That is not a screening reference. References look like DD-2026-0007; /screening list shows yours.");
  }
  const row = await ctx.prisma.screening.findUnique({ where: { reference } });
  if (!row || (row.requesterId !== args.actorId && !args.isApprover)) {
    if (row) {
      ctx.log.warn("refused status of another requester's screening", { screeningId: row.id, actorId: args.actorId });
      await recordRefusal(ctx, { screeningId: row.id, actorId: args.actorId, type: "access.refused", data: { reason: "status_of_other" } });
    }
    throw new ServiceError("not_found", `No screening ${reference} that you can see. /screening list shows yours.`);
  }
  const detail = await loadScreening(ctx.prisma, row.id);
  if (!detail) throw new ServiceError("not_found", `No screening ${reference}.`);
  return detail;
}

export interface HomeData {
  mine: ScreeningSummary[];
  /** null when the user is not an approver */
  awaiting: Array<{ screening: ScreeningSummary; escalation: EscalationRecord }> | null;
}

export async function homeData(ctx: ServiceContext, args: { userId: string; isApprover: boolean }): Promise<HomeData> {
  const mine = await listScreenings(ctx, args.userId, 15);
  if (!args.isApprover) return { mine, awaiting: null };
  const escalations = await openEscalationsAwaiting(ctx.prisma, args.userId, 15);
  const rows = await ctx.prisma.screening.findMany({ where: { id: { in: escalations.map((e) => e.screeningId) } } });
  const summaries = await summarise(ctx.prisma, ctx.ruleSet, rows.map(toScreeningRecord));
  const byId = new Map(summaries.map((s) => [s.id, s]));
  const awaiting = escalations.flatMap((escalation) => {
    const screening = byId.get(escalation.screeningId);
    return screening ? [{ screening, escalation }] : [];
  });
  return { mine, awaiting };
}

async function summarise(db: PrismaClient, ruleSet: RuleSet, records: ScreeningRecord[]): Promise<ScreeningSummary[]> {
  const { item, destination, end_user } = ruleSet.questionnaire.summary;
  const rows = await db.answer.findMany({
    where: { screeningId: { in: records.map((r) => r.id) }, questionId: { in: [item, destination, end_user] }, supersededAt: null },
  });
  return records.map((r) => {
    const mine = rows.filter((a) => a.screeningId === r.id);
    const value = (q: string) => toAnswerValue(mine.find((a) => a.questionId === q)?.value);
    return { ...r, item: value(item), destination: value(destination), endUser: value(end_user) };
  });
}

function toAnswerValue(v: unknown): AnswerValue | undefined {
  if (typeof v === "string" || typeof v === "number") return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v;
  return undefined;
}
