// Screening the parties a screening names against the restricted-party lists in force, with
// compliance's earlier resolutions applied (a name and list entry resolved as "not the same
// party" is not raised again until the entry changes). Used when a page naming parties is
// saved, at submission, when compliance resolves a match, and after a new list set.
import {
  matchKey,
  partiesFromAnswers,
  screenNames,
  screeningSettingsOf,
  withResolutions,
  type PartyScreeningRecord,
} from "../domain/party-matching.js";
import type { ScreeningSignals } from "../domain/conditions.js";
import { signalsOfParties } from "../domain/decision-commands.js";
import type { Answers, RuleSet } from "../domain/rule-set.js";
import { scoreScreening, type ScoringResult } from "../domain/scoring.js";
import type { AggregateChange } from "../domain/aggregate.js";
import { findResolutions } from "../store/lists.js";
import { ensureRuleSetVersion, screeningsToRescreen } from "../store/screenings.js";
import type { Db } from "../store/types.js";
import { onAggregate, type PartyLists, type ServiceContext, type Step } from "./context.js";
import { ruleSetContent } from "./interview.js";

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
export const signalsOf: (record: PartyScreeningRecord | undefined) => ScreeningSignals = signalsOfParties;

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
  // a screening scored again is scored with the rule set in force, which must be stored
  await ensureRuleSetVersion(ctx.prisma, { hash: ctx.ruleSet.version, label: ctx.ruleSet.label, content: ruleSetContent(ctx.ruleSet) });
  for (const id of await screeningsToRescreen(ctx.prisma, since)) {
    summary.screened += 1;
    const found = await onAggregate<string | null>(ctx, {
      key: { screeningId: id },
      actorId: "system",
      missing: () => ({ code: "not_found", message: "The screening disappeared while it was being screened again." }),
      decide: async (state): Promise<Step<string | null>> => {
        const { screening, escalation, answers } = state;
        if (!screening.scoring || !escalation) return { done: null };
        const previous = screening.scoring.parties;
        const known = new Set((previous?.matches ?? []).map(matchKey));
        const outcome = await screenParties(inForce, ctx.prisma, ctx.ruleSet, answers);
        const fresh = outcome.record.matches.filter((m) => m.resolution === undefined && !known.has(matchKey(m)));
        if (fresh.length === 0) return { done: null };
        const live = escalation.status === "open" || escalation.status === "info_requested";
        const change: AggregateChange = {
          audit: [
            {
              actorId: "system",
              type: "parties.rescreened",
              data: { listSet: inForce.set.contentHash.slice(0, 12), newMatches: fresh.map((m) => ({ entryId: m.entryId, list: m.source, ourName: m.partyName, listedName: m.listedName, score: m.score })) },
            },
          ],
          deliveries: [],
        };
        if (live) {
          // The matches compliance already saw keep their place (their buttons carry it); new ones follow.
          const parties = { ...outcome.record, matches: [...(previous?.matches ?? []), ...fresh] };
          const result: ScoringResult = { ...scoreScreening(ctx.ruleSet, answers, signalsOf(parties)), parties };
          change.screening = { scoring: result, score: result.total, tier: result.tier.id, hardStop: result.hardStops.length > 0, ruleSetHash: ctx.ruleSet.version };
          change.escalation = {
            update: {
              id: escalation.id,
              version: escalation.version,
              status: escalation.status,
              round: escalation.round,
              requiredApprovals: Math.max(escalation.requiredApprovals, result.approvalsRequired),
              closedAt: escalation.closedAt,
            },
          };
          change.deliveries.push({ kind: "sync_escalation", escalationId: escalation.id });
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
        change.deliveries.push({ kind: "rescreen_alert", escalationId: escalation.id, live, matches: alert });
        return { commit: change, answer: () => screening.reference };
      },
    });
    if (found) summary.withNewMatches.push(found);
  }
  if (summary.withNewMatches.length > 0) ctx.log.info("screenings with new potential list matches", { count: summary.withNewMatches.length });
  return summary;
}
