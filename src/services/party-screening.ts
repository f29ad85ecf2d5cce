// Screening the parties a screening names against the restricted-party lists in force, with
// compliance's earlier resolutions applied (a name and list entry resolved as "not the same
// party" is not raised again until the entry changes). Used when a page naming parties is
// saved, at submission, when compliance resolves a match, and after a new list set.
import {
  matchKey,
  partiesFromAnswers,
  screenNames,
  screeningSettingsOf,
  stateOfScreenedMatches,
  withResolutions,
  type PartyScreeningRecord,
} from "../domain/party-matching.js";
import type { ScreeningSignals } from "../domain/conditions.js";
import type { Answers, RuleSet } from "../domain/rule-set.js";
import { scoreScreening, type ScoringResult } from "../domain/scoring.js";
import { appendAuditEvent } from "../store/audit.js";
import { enqueueDelivery } from "../store/deliveries.js";
import { updateEscalationIfUnchanged } from "../store/escalations.js";
import { findResolutions } from "../store/lists.js";
import { currentAnswers, ensureRuleSetVersion, screeningsToRescreen } from "../store/screenings.js";
import type { Db } from "../store/types.js";
import { inTransaction, LostRace, type PartyLists, type ServiceContext } from "./context.js";
import { ruleSetContent } from "./interview.js";
import { loadScreening } from "./queries.js";

export interface PartyScreeningOutcome {
  record: PartyScreeningRecord;
  signals: ScreeningSignals;
}

/** The lists in force, read before a transaction opens (the embedded database has one connection). */
export type ListsInForce = Awaited<ReturnType<PartyLists["current"]>> | "not_configured";

export async function listsInForce(lists: PartyLists | undefined): Promise<ListsInForce> {
  return lists ? lists.current() : "not_configured";
}

export async function screenParties(inForce: ListsInForce, db: Db, ruleSet: RuleSet, answers: Answers): Promise<PartyScreeningOutcome> {
  const parties = partiesFromAnswers(ruleSet, answers);
  if (inForce === "not_configured") return { record: { screened: false, notScreened: "no_lists_configured", names: parties.length, matches: [] }, signals: {} };
  if (!inForce) return { record: { screened: false, notScreened: "no_list_set", names: parties.length, matches: [] }, signals: {} };
  const found = screenNames(inForce.index, parties, screeningSettingsOf(ruleSet));
  const resolutions = await findResolutions(db, found);
  const matches = withResolutions(found, resolutions);
  const { set } = inForce;
  return {
    record: {
      screened: true,
      listSet: { id: set.id, contentHash: set.contentHash, entryCount: set.entryCount, importedAt: set.importedAt.toISOString() },
      names: parties.length,
      matches,
    },
    signals: signalsOf({ screened: true, names: parties.length, matches }),
  };
}

/** What scoring reads from a recorded party screening. */
export function signalsOf(record: PartyScreeningRecord | undefined): ScreeningSignals {
  const state = record ? stateOfScreenedMatches(record.matches) : undefined;
  return state ? { partyMatch: state } : {};
}

export interface RescreenSummary {
  screened: number;
  /** screenings with potential matches the previous screening did not raise */
  withNewMatches: string[];
}

/** How far back approved screenings are screened again against a new list set (deals may still ship). */
export const RESCREEN_APPROVED_DAYS = 365;

/**
 * After a new list set: every screening still with compliance (escalated, more information
 * requested) and every one approved in the last year is screened again. New potential matches
 * (not raised before, not resolved) go to the compliance channel: an open escalation is scored
 * again and its message shows them with their buttons; an approved one gets a channel message
 * asking compliance to look before anything more ships. Each is audited.
 */
export async function rescreenAfterNewListSet(ctx: ServiceContext, inForce: Exclude<ListsInForce, "not_configured">): Promise<RescreenSummary> {
  const summary: RescreenSummary = { screened: 0, withNewMatches: [] };
  if (!inForce) return summary;
  const since = new Date(ctx.now().getTime() - RESCREEN_APPROVED_DAYS * 86_400_000);
  for (const id of await screeningsToRescreen(ctx.prisma, since)) {
    summary.screened += 1;
    const found = await inTransaction(
      ctx,
      async (tx) => {
        const detail = await loadScreening(tx, id);
        if (!detail?.screening.scoring || !detail.escalation) return null;
        const { screening, escalation } = detail;
        const previous = screening.scoring?.parties;
        const known = new Set((previous?.matches ?? []).map(matchKey));
        const answers = await currentAnswers(tx, id);
        const outcome = await screenParties(inForce, tx, ctx.ruleSet, answers);
        const fresh = outcome.record.matches.filter((m) => m.resolution === undefined && !known.has(matchKey(m)));
        if (fresh.length === 0) return null;
        const live = escalation.status === "open" || escalation.status === "info_requested";
        await appendAuditEvent(tx, {
          screeningId: id,
          actorId: "system",
          type: "parties.rescreened",
          data: { listSet: inForce.set.contentHash.slice(0, 12), newMatches: fresh.map((m) => ({ entryId: m.entryId, list: m.source, ourName: m.partyName, listedName: m.listedName, score: m.score })) },
        });
        if (live) {
          await ensureRuleSetVersion(tx, { hash: ctx.ruleSet.version, label: ctx.ruleSet.label, content: ruleSetContent(ctx.ruleSet) });
          // The matches compliance already saw keep their place (their buttons carry it); new ones follow.
          const parties = { ...outcome.record, matches: [...(previous?.matches ?? []), ...fresh] };
          const result: ScoringResult = { ...scoreScreening(ctx.ruleSet, answers, signalsOf(parties)), parties };
          const moved = await tx.screening.updateMany({
            where: { id, version: screening.version },
            data: { scoring: JSON.parse(JSON.stringify(result)), score: result.total, tier: result.tier.id, hardStop: result.hardStops.length > 0, ruleSetHash: ctx.ruleSet.version, version: { increment: 1 } },
          });
          if (moved.count !== 1) throw new LostRace();
          if (!(await updateEscalationIfUnchanged(tx, escalation.id, escalation.version, { status: escalation.status, requiredApprovals: Math.max(escalation.requiredApprovals, result.approvalsRequired) }))) {
            throw new LostRace();
          }
          await enqueueDelivery(tx, id, { kind: "sync_escalation", escalationId: escalation.id });
        }
        const alert = fresh.map((m) => ({
          questionId: m.questionId,
          ourName: m.partyName,
          listedName: m.listedName,
          list: m.source,
          programs: m.programs,
          score: m.score,
          ...((m.sourceInformationUrl ?? m.sourceListUrl) ? { url: m.sourceInformationUrl ?? m.sourceListUrl } : {}),
        }));
        await enqueueDelivery(tx, id, { kind: "rescreen_alert", escalationId: escalation.id, live, matches: alert });
        return screening.reference;
      },
      { enqueues: true },
    );
    if (!found.duplicate && found.value) summary.withNewMatches.push(found.value);
  }
  if (summary.withNewMatches.length > 0) ctx.log.info("screenings with new potential list matches", { count: summary.withNewMatches.length });
  return summary;
}
