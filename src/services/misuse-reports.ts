// Use cases of misuse reports (src/domain/misuse-reports.ts): anyone sends one; approvers
// acknowledge it, open a reassessment (which puts screenings under review, each through its own
// aggregate: onAggregate) or close it with a rationale. A report's own changes are one statement
// each (src/store/misuse-reports.ts): load, decide (pure), commit with a version check, run again
// on fresh data after a lost race. Every refusal is audited.
import { randomUUID } from "node:crypto";
import {
  checkReportAction,
  checkReportInput,
  decideAcknowledge,
  decideClose,
  decidePutUnderReview,
  decideReassessmentOpened,
  rationaleProblem,
  reportCreatedEvent,
  reviewTargets,
  REVIEWABLE_STATUSES,
  UNDER_REVIEW_EVENT,
  type AnonymityPolicy,
  type MisuseReportRecord,
  type ReportAction,
  type ReportActor,
  type ReportDecision,
  type ReportField,
  type ReportInput,
  type ReviewedScreening,
} from "../domain/misuse-reports.js";
import { escalationIdOf } from "../domain/ids.js";
import type { CommandRefusal } from "../domain/interview-commands.js";
import type { ScreeningStatus } from "../domain/screening.js";
import { databaseErrorOf } from "../store/errors.js";
import {
  commitMisuseReport,
  createMisuseReport,
  earlierReview,
  findScreeningForReport,
  loadMisuseReport,
  screeningsWithEndUsers,
} from "../store/misuse-reports.js";
import { onAggregate, recordRefusal, storageChecked, type ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";
import { assertWithinBudget } from "./request-budget.js";

const ATTEMPTS = 5;

/** A lost race: serialization failure, deadlock, or another writer appended to the audit chain first. */
function lostRace(err: unknown): boolean {
  const code = databaseErrorOf(err)?.code;
  return code === "40001" || code === "40P01" || code === "23505";
}

/** MISUSE_REPORTS_ANONYMOUS as configured (allowed unless set to never). */
export function anonymityPolicy(ctx: Pick<ServiceContext, "misuseReportsAnonymous">): AnonymityPolicy {
  return ctx.misuseReportsAnonymous === "never" ? "never" : "allowed";
}

// ---------------------------------------------------------------------------------------------
// Sending a report

export type SubmitReportResult =
  /** something to correct, by field; nothing was recorded */
  | { kind: "errors"; errors: Partial<Record<ReportField, string>> }
  | { kind: "sent"; reference: string; anonymous: boolean }
  /** the same submission arrived again: recorded once, by the first */
  | { kind: "duplicate" };

export async function submitMisuseReport(
  ctx: ServiceContext,
  args: {
    reporterId: string;
    teamId: string | null;
    input: ReportInput;
    via: "command" | "shortcut";
    source?: { channelId: string; messageTs: string } | undefined;
    requestKey: string;
  },
): Promise<SubmitReportResult> {
  return storageChecked(async () => {
    const check = checkReportInput(ctx.ruleSet, args.input, anonymityPolicy(ctx));
    if (!check.ok) return { kind: "errors", errors: check.errors };
    const content = check.value;
    let screeningId: string | null = null;
    if (content.screeningReference) {
      const found = await findScreeningForReport(ctx.sql, content.screeningReference, ctx.ruleSet.questionnaire.summary.end_user);
      if (!found) {
        return {
          kind: "errors",
          errors: { screening: `No screening has the reference ${content.screeningReference}. Check it (\`/screening list\` shows yours), or leave it empty if you do not know it.` },
        };
      }
      screeningId = found.id;
    }
    const id = randomUUID();
    const event = reportCreatedEvent({ reportId: id, reporterId: args.reporterId, content, via: args.via });
    for (let attempt = 1; ; attempt++) {
      assertWithinBudget();
      const deliveryId = randomUUID();
      let created;
      try {
        created = await createMisuseReport(ctx.sql, {
          report: {
            id,
            reporterId: content.anonymous ? null : args.reporterId,
            anonymous: content.anonymous,
            teamId: args.teamId,
            item: content.item,
            parties: content.parties,
            country: content.country,
            happened: content.happened,
            evidence: content.evidence,
            screeningId,
            // The message a report was started from may say who sent it (a DM, a small channel).
            source: content.anonymous ? null : (args.source ?? null),
            channelId: ctx.complianceChannelId,
          },
          requestKey: args.requestKey,
          now: ctx.now(),
          audit: event,
          deliveryId,
        });
      } catch (err) {
        if (lostRace(err) && attempt < ATTEMPTS) continue;
        throw err;
      }
      if (!created) return { kind: "duplicate" };
      ctx.onDeliveriesEnqueued([created.deliveryId]);
      // Ids and the kind only: what the report says stays out of the log.
      ctx.log.info("misuse report received", { reportId: id, reference: created.reference, anonymous: content.anonymous });
      return { kind: "sent", reference: created.reference, anonymous: content.anonymous };
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Compliance acts on a report

export type ReportActionResult =
  | { kind: "done"; reference: string; action: ReportAction; reviewed?: ReviewedScreening[] | undefined }
  /** not allowed now (not an approver, already done, closed): audited, nothing changed */
  | { kind: "refused"; message: string }
  /** the same click or submission arrived again */
  | { kind: "duplicate" };

const UNKNOWN_REPORT = "That misuse report does not exist (any more). Nothing was changed: use the buttons on the report's message.";

async function refuse(ctx: ServiceContext, actorId: string, refusal: CommandRefusal): Promise<ReportActionResult> {
  if (refusal.audit) await recordRefusal(ctx, { screeningId: null, actorId, ...refusal.audit });
  return { kind: "refused", message: refusal.message };
}

/** Whether `actor` may take `action` on the report now (one read; a refusal is audited). For the close form, before it opens. */
export async function checkMisuseReportAction(ctx: ServiceContext, args: { reportId: string; actor: ReportActor; action: ReportAction }): Promise<{ ok: true; reference: string } | { ok: false; message: string }> {
  return storageChecked(async () => {
    const loaded = await loadMisuseReport(ctx.sql, args.reportId);
    if (!loaded) {
      await recordRefusal(ctx, { screeningId: null, actorId: args.actor.userId, type: "report.refused", data: { reportId: args.reportId.slice(0, 64), action: args.action, reason: "unknown_report" } });
      return { ok: false, message: UNKNOWN_REPORT };
    }
    const refusal = checkReportAction(loaded.report, args.actor, args.action);
    if (refusal) {
      const refused = await refuse(ctx, args.actor.userId, refusal);
      return { ok: false, message: refused.kind === "refused" ? refused.message : UNKNOWN_REPORT };
    }
    return { ok: true, reference: loaded.report.reference };
  });
}

/**
 * Acknowledge, open a reassessment, or close with a rationale. Opening a reassessment first puts
 * each screening under review (one aggregate commit each, skipping any this report already put
 * under review, so a click repeated after a failure finishes the work), then records the
 * reassessment on the report with the screenings it covers.
 */
export async function actOnMisuseReport(
  ctx: ServiceContext,
  args: { reportId: string; actor: ReportActor; action: ReportAction; rationale?: string | undefined; requestKey: string },
): Promise<ReportActionResult> {
  return storageChecked(async () => {
    let rationale = "";
    if (args.action === "close") {
      const checked = rationaleProblem(ctx.ruleSet, args.rationale);
      if ("message" in checked) throw new ServiceError("incomplete", `${checked.message} Nothing was recorded.`);
      rationale = checked.value;
    }
    for (let attempt = 1; ; attempt++) {
      const loaded = await loadMisuseReport(ctx.sql, args.reportId, args.requestKey);
      if (!loaded) {
        await recordRefusal(ctx, { screeningId: null, actorId: args.actor.userId, type: "report.refused", data: { reportId: args.reportId.slice(0, 64), action: args.action, reason: "unknown_report" } });
        return { kind: "refused", message: UNKNOWN_REPORT };
      }
      if (loaded.seen) return { kind: "duplicate" };
      const { report } = loaded;
      let reviewed: ReviewedScreening[] | undefined;
      let decision: ReportDecision;
      if (args.action === "acknowledge") {
        decision = decideAcknowledge(report, args.actor, ctx.now());
      } else if (args.action === "close") {
        decision = decideClose(report, args.actor, rationale, ctx.now());
      } else {
        // Refused before any screening is touched.
        const refusal = checkReportAction(report, args.actor, "reassess");
        if (refusal) return refuse(ctx, args.actor.userId, refusal);
        reviewed = await putUnderReview(ctx, report, args.actor);
        decision = decideReassessmentOpened(report, args.actor, reviewed, ctx.now());
      }
      if (decision.kind === "refused") return refuse(ctx, args.actor.userId, decision.refusal);
      assertWithinBudget();
      const deliveryIds = decision.change.deliveries.map(() => randomUUID());
      let result;
      try {
        result = await commitMisuseReport(ctx.sql, { reportId: report.id, version: report.version, change: decision.change, requestKey: args.requestKey, now: ctx.now(), deliveryIds });
      } catch (err) {
        if (lostRace(err) && attempt < ATTEMPTS) continue;
        throw err;
      }
      if (!result.committed) {
        // Someone acted on the report meanwhile: decide again on what it is now.
        if (attempt < ATTEMPTS) continue;
        throw new ServiceError("conflict", "Someone else acted on this report at the same moment. Nothing was changed: please try again.");
      }
      if (result.deliveryIds.length > 0) ctx.onDeliveriesEnqueued(result.deliveryIds);
      return { kind: "done", reference: report.reference, action: args.action, reviewed };
    }
  });
}

/**
 * Puts under review the screening the report names and every other reviewable one with the same
 * end user (domain reviewTargets), each in its own aggregate commit. One this report already put
 * under review (an earlier click that stopped half-way) is counted, not changed again.
 */
async function putUnderReview(ctx: ServiceContext, report: MisuseReportRecord, actor: ReportActor): Promise<ReviewedScreening[]> {
  const endUserQuestion = ctx.ruleSet.questionnaire.summary.end_user;
  const linked = report.screeningReference ? await findScreeningForReport(ctx.sql, report.screeningReference, endUserQuestion) : null;
  const candidates = await screeningsWithEndUsers(ctx.sql, endUserQuestion, REVIEWABLE_STATUSES);
  const targets = reviewTargets({ linked, reportParties: report.parties, candidates });
  const reviewed: ReviewedScreening[] = [];
  for (const target of targets) {
    const newEscalationId = escalationIdOf(randomUUID());
    const outcome = await onAggregate<{ previousStatus: ScreeningStatus } | null>(ctx, {
      key: { screeningId: target.screening.id },
      actorId: actor.userId,
      missing: () => ({ code: "not_found", message: `${target.screening.reference} could not be found any more. Nothing was changed: try again.` }),
      decide: async (state) => {
        const earlier = await earlierReview(ctx.sql, { screeningId: state.screening.id, reportId: report.id, eventType: UNDER_REVIEW_EVENT });
        if (earlier) return { done: earlier };
        const decided = decidePutUnderReview(state, {
          report: { id: report.id, reference: report.reference },
          actorId: actor.userId,
          complianceChannelId: ctx.complianceChannelId,
          newEscalationId,
          now: ctx.now(),
        });
        if (decided.kind === "skip") return { done: null };
        return { commit: decided.change, answer: () => ({ previousStatus: decided.previousStatus }) };
      },
    });
    if (outcome) reviewed.push({ screeningId: target.screening.id, reference: target.screening.reference, previousStatus: outcome.previousStatus, matchedOn: target.matchedOn });
  }
  return reviewed;
}

/** A report as compliance sees it (for the message, and tests); null when there is none. */
export async function misuseReport(ctx: ServiceContext, reportId: string): Promise<MisuseReportRecord | null> {
  return storageChecked(async () => (await loadMisuseReport(ctx.sql, reportId))?.report ?? null);
}
