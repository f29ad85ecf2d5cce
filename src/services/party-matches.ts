// Compliance resolves a potential restricted-party match: **Confirmed match** (the screening
// gets the restricted-party hard stop) or **Not the same party** (remembered for this name and
// list entry until the entry changes). The screening is scored again with what is now known;
// when no match is left open and nothing else calls for a decision, it is cleared.
import { withResolutions, type ResolutionOutcome, type ScreenedMatch } from "../domain/party-matching.js";
import type { ScreeningDetail } from "../domain/records.js";
import { scoreScreening, type ScoringResult } from "../domain/scoring.js";
import { appendAuditEvent } from "../store/audit.js";
import { enqueueDelivery } from "../store/deliveries.js";
import { findEscalationOfScreening, updateEscalationIfUnchanged } from "../store/escalations.js";
import { findResolutions, recordResolution } from "../store/lists.js";
import { claimRequestKey, requestSeen } from "../store/requests.js";
import { currentAnswers, ensureRuleSetVersion } from "../store/screenings.js";
import { inTransaction, LostRace, type ServiceContext } from "./context.js";
import { DuplicateRequest, ServiceError } from "./errors.js";
import { ruleSetContent } from "./interview.js";
import { signalsOf } from "./party-screening.js";
import { loadScreening, SCREENING_ID } from "./queries.js";

export const REASON_MAX = 1000;

export interface MatchRef {
  screeningId: string;
  /** the match's position in the screening's recorded matches */
  index: number;
  /** the list entry it must be, so a stale button cannot resolve another match */
  entryId: string;
}

/** The open match a button refers to, for the modal; refusals say why in plain words. */
export async function matchToResolve(ctx: ServiceContext, ref: MatchRef): Promise<{ reference: string; match: ScreenedMatch }> {
  const detail = SCREENING_ID.test(ref.screeningId) ? await loadScreening(ctx.prisma, ref.screeningId) : null;
  if (!detail) throw new ServiceError("not_found", "That screening does not exist. Nothing was changed.");
  const match = matchAt(detail, ref);
  return { reference: detail.screening.reference, match };
}

export type ResolveResult =
  | { kind: "resolved"; reference: string; outcome: ResolutionOutcome; cleared: boolean; hardStop: boolean }
  | { kind: "reason_missing"; message: string }
  | { kind: "duplicate" };

export async function resolvePartyMatch(
  ctx: ServiceContext,
  args: MatchRef & { outcome: ResolutionOutcome; reason: string; actorId: string; requestKey: string },
): Promise<ResolveResult> {
  const reason = args.reason.trim();
  if (reason.length === 0) {
    return { kind: "reason_missing", message: args.outcome === "confirmed" ? "Say how you confirmed it: it goes into the record." : "Say why it is another party: it goes into the record and is shown next time." };
  }
  if (reason.length > REASON_MAX) return { kind: "reason_missing", message: `Too long: ${reason.length} characters, at most ${REASON_MAX}. Shorten it and submit again.` };
  if (!SCREENING_ID.test(args.screeningId)) throw new ServiceError("not_found", "That screening does not exist. Nothing was changed.");

  const outcome = await inTransaction(
    ctx,
    async (tx): Promise<ResolveResult> => {
      if (await requestSeen(tx, args.requestKey)) throw new DuplicateRequest(args.requestKey);
      const detail = await loadScreening(tx, args.screeningId);
      if (!detail) throw new ServiceError("not_found", "That screening does not exist. Nothing was changed.");
      const { screening } = detail;
      if (screening.requesterId === args.actorId) {
        throw new ServiceError("forbidden", "You requested this screening, so another approver must resolve its list matches. Nothing was changed.", {
          screeningId: screening.id,
          actorId: args.actorId,
          type: "access.refused",
          data: { reason: "own_screening", action: "resolve_party_match" },
        });
      }
      const match = matchAt(detail, args);
      const scoring = screening.scoring;
      const record = scoring?.parties;
      if (!scoring || !record?.listSet) throw new ServiceError("conflict", "This screening was not screened against a list set, so there is nothing to resolve.");
      if (!(await claimRequestKey(tx, args.requestKey))) throw new DuplicateRequest(args.requestKey);

      const now = ctx.now();
      await recordResolution(tx, {
        screeningId: screening.id,
        normalisedName: match.normalisedName,
        entryId: match.entryId,
        entryHash: match.entryHash,
        listSetId: record.listSet.id,
        outcome: args.outcome,
        reason,
        decidedBy: args.actorId,
        decidedAt: now,
      });
      await appendAuditEvent(tx, {
        screeningId: screening.id,
        actorId: args.actorId,
        type: "party_match.resolved",
        data: { outcome: args.outcome, reason, entryId: match.entryId, entryHash: match.entryHash, list: match.source, ourName: match.partyName, listedName: match.listedName, score: match.score },
      });

      // Every recorded match with the resolutions now in force (this one included).
      const matches = withResolutions(record.matches, await findResolutions(tx, record.matches));
      const parties = { ...record, matches };
      const escalation = await findEscalationOfScreening(tx, screening.id);
      const live = escalation !== null && (escalation.status === "open" || escalation.status === "info_requested");
      let cleared = false;
      let result: ScoringResult = { ...scoring, parties };
      if (live && escalation) {
        await ensureRuleSetVersion(tx, { hash: ctx.ruleSet.version, label: ctx.ruleSet.label, content: ruleSetContent(ctx.ruleSet) });
        // Scored again with what compliance now knows: a confirmed match is a hard stop; with no
        // match left open, the floor it set is gone.
        const answers = await currentAnswers(tx, screening.id);
        result = { ...scoreScreening(ctx.ruleSet, answers, signalsOf(parties)), parties };
        const decidedThisRound = escalation.decisions.some((d) => d.round === escalation.round);
        cleared = !result.escalate && !decidedThisRound && escalation.status === "open";
        const change = cleared
          ? { status: "closed" as const, closedAt: now }
          : { status: escalation.status, requiredApprovals: Math.max(escalation.requiredApprovals, result.approvalsRequired) };
        if (!(await updateEscalationIfUnchanged(tx, escalation.id, escalation.version, change))) throw new LostRace();
      }
      const moved = await tx.screening.updateMany({
        where: { id: screening.id, version: screening.version },
        data: {
          scoring: JSON.parse(JSON.stringify(result)),
          score: result.total,
          tier: result.tier.id,
          hardStop: result.hardStops.length > 0,
          ...(live ? { ruleSetHash: ctx.ruleSet.version } : {}),
          ...(cleared ? { status: "cleared", closedAt: now } : {}),
          version: { increment: 1 },
        },
      });
      if (moved.count !== 1) throw new LostRace();
      if (cleared) {
        await appendAuditEvent(tx, { screeningId: screening.id, actorId: args.actorId, type: "screening.cleared", data: { tier: result.tier.id, after: "party_match.resolved" } });
      }
      if (escalation) {
        await enqueueDelivery(tx, screening.id, { kind: "sync_escalation", escalationId: escalation.id });
        await enqueueDelivery(tx, screening.id, { kind: "thread_match_resolved", escalationId: escalation.id, index: args.index, cleared });
      }
      if (cleared) await enqueueDelivery(tx, screening.id, { kind: "dm_cleared", screeningId: screening.id });
      return { kind: "resolved", reference: screening.reference, outcome: args.outcome, cleared, hardStop: result.hardStops.length > 0 };
    },
    { enqueues: true },
  );
  return outcome.duplicate ? { kind: "duplicate" } : outcome.value;
}

function matchAt(detail: ScreeningDetail, ref: MatchRef): ScreenedMatch {
  const match = detail.screening.scoring?.parties?.matches[ref.index];
  if (!match || match.entryId !== ref.entryId) {
    throw new ServiceError("conflict", `The list matches of ${detail.screening.reference} changed since this message was shown. Nothing was changed: use the buttons on the updated message.`);
  }
  if (match.resolution) {
    throw new ServiceError(
      "conflict",
      `This match was already resolved (${match.resolution.outcome === "confirmed" ? "confirmed" : "not the same party"}) by <@${match.resolution.decidedBy}>. Nothing was changed.`,
    );
  }
  return match;
}
