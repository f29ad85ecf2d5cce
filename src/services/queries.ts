// Read-only use cases: a requester's list, one screening's status, the Home tab.
import { changedAnswers } from "../domain/answer-changes.js";
import type { EscalationRecord, ResubmissionChanges, ScreeningAnswers, ScreeningDetail, ScreeningRecord } from "../domain/records.js";
import type { AnswerValue, RuleSet } from "../domain/rule-set.js";
import { REFERENCE_PATTERN } from "../domain/screening.js";
import { loadAggregate, type AggregateKey } from "../store/aggregate.js";
import { auditEventTimes } from "../store/audit.js";
import { openEscalationsAwaiting } from "../store/escalations.js";
import { answersAsOf, currentAnswersOf, screeningsByIds, screeningsOf } from "../store/screenings.js";
import type { Db } from "../store/types.js";
import type { Sql } from "../store/sql.js";
import { recordRefusal, type ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { renewalOf } from "./rescreening.js";

/** A screening with its current answers and escalation (one statement). */
export async function loadScreening(sql: Sql, key: string | AggregateKey): Promise<ScreeningDetail | null> {
  const loaded = await loadAggregate(sql, typeof key === "string" ? { screeningId: key } : key);
  if (!loaded) return null;
  const { screening, answers, escalation } = loaded.state;
  return { screening, answers, escalation };
}

/** A screening plus the answers that summarise it (item, destination, end user). */
export interface ScreeningSummary extends ScreeningRecord {
  item?: AnswerValue | undefined;
  destination?: AnswerValue | undefined;
  endUser?: AnswerValue | undefined;
}

export async function listScreenings(ctx: ServiceContext, requesterId: string, limit = 25): Promise<ScreeningSummary[]> {
  return summarise(ctx.prisma, ctx.ruleSet, await screeningsOf(ctx.prisma, requesterId, limit));
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
  const detail = await loadScreening(ctx.sql, { reference });
  const row = detail?.screening;
  if (!detail || !row || (row.requesterId !== args.actorId && !args.isApprover)) {
    if (row) {
      ctx.log.warn("refused status of another requester's screening", { screeningId: row.id, actorId: args.actorId });
      await recordRefusal(ctx, { screeningId: row.id, actorId: args.actorId, type: "access.refused", data: { reason: "status_of_other" } });
    }
    throw new ServiceError("not_found", `No screening ${reference} that you can see. /screening list shows yours.`);
  }
  return detail;
}

export const SCREENING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The audit event every submission records; its time is when the answers were submitted. Read
 * rather than screenings.submitted_at (only the latest, and from the injectable clock) because
 * audit and answer rows take their times from the same clock where they are written.
 */
const SUBMITTED = "screening.submitted";

/**
 * Every answer of one screening with what changed at its last resubmission, for its requester
 * or an approver (View answers, Details). Anyone else is refused, and the refusal is audited.
 */
export async function screeningAnswers(
  ctx: ServiceContext,
  args: { screeningId: string; actorId: string; isApprover: boolean },
): Promise<ScreeningAnswers> {
  const detail = await loadScreening(ctx.sql, args.screeningId);
  if (!detail) {
    await recordRefusal(ctx, { screeningId: null, actorId: args.actorId, type: "access.refused", data: { reason: "unknown_screening", screeningRef: args.screeningId.slice(0, 64) } });
    throw new ServiceError("not_found", "That screening does not exist. /screening list shows yours.");
  }
  if (detail.screening.requesterId !== args.actorId && !args.isApprover) {
    ctx.log.warn("refused the answers of another requester's screening", { screeningId: detail.screening.id, actorId: args.actorId });
    await recordRefusal(ctx, { screeningId: detail.screening.id, actorId: args.actorId, type: "access.refused", data: { reason: "answers_of_other" } });
    throw new ServiceError("forbidden", `Only the requester of ${detail.screening.reference} and compliance approvers can see its answers.`);
  }
  // a re-screening: the screening it renews, its decision, and what changed since (rescreening.ts)
  return { detail, resubmission: await changesSinceLastSubmission(ctx.prisma, ctx.ruleSet, detail), renewal: await renewalOf(ctx, detail) };
}

/**
 * What changed since the previous submission. Submitted answers cannot change, so after a
 * resubmission the answers now are those of the last submission, compared with the one before;
 * while the requester is changing answers again (a draft after "Request info"), the answers so
 * far are compared with the last submission.
 */
async function changesSinceLastSubmission(db: Db, ruleSet: RuleSet, detail: ScreeningDetail): Promise<ResubmissionChanges | null> {
  const submissions = await auditEventTimes(db, detail.screening.id, SUBMITTED);
  const pending = detail.screening.status === "draft";
  const previous = pending ? submissions.at(-1) : submissions.at(-2);
  if (!previous) return null;
  const before = await answersAsOf(db, detail.screening.id, previous);
  return { previousSubmittedAt: previous, pending, changes: changedAnswers(ruleSet, before, detail.answers) };
}

/** What the requester changed for resubmission `round` (2 = the first resubmission), for the escalation's thread. */
export async function resubmissionChanges(db: Db, ruleSet: RuleSet, args: { screeningId: string; round: number }): Promise<ResubmissionChanges | null> {
  const submissions = await auditEventTimes(db, args.screeningId, SUBMITTED);
  // Submission n opened round n; read by position so a late delivery still shows its own round.
  const at = Math.min(args.round, submissions.length) - 1;
  const submitted = submissions[at];
  const previous = submissions[at - 1];
  if (!submitted || !previous) return null;
  const [before, after] = await Promise.all([answersAsOf(db, args.screeningId, previous), answersAsOf(db, args.screeningId, submitted)]);
  return { previousSubmittedAt: previous, pending: false, changes: changedAnswers(ruleSet, before, after) };
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
  const summaries = await summarise(ctx.prisma, ctx.ruleSet, await screeningsByIds(ctx.prisma, escalations.map((e) => e.screeningId)));
  const byId = new Map(summaries.map((s) => [s.id, s]));
  const awaiting = escalations.flatMap((escalation) => {
    const screening = byId.get(escalation.screeningId);
    return screening ? [{ screening, escalation }] : [];
  });
  return { mine, awaiting };
}

async function summarise(db: Db, ruleSet: RuleSet, records: ScreeningRecord[]): Promise<ScreeningSummary[]> {
  const { item, destination, end_user } = ruleSet.questionnaire.summary;
  const answers = await currentAnswersOf(db, records.map((r) => r.id), [item, destination, end_user]);
  return records.map((r) => {
    const mine = answers.get(r.id) ?? {};
    return { ...r, item: mine[item], destination: mine[destination], endUser: mine[end_user] };
  });
}
