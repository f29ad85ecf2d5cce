// Compliance resolves a potential restricted-party match: **Confirmed match** (the screening
// gets the restricted-party hard stop) or **Not the same party** (remembered for this name and
// list entry until the entry changes). The screening is scored again with what is now known;
// when no match is left open and nothing else calls for a decision, it is cleared
// (domain/decision-commands.ts decideMatchResolution).
import { randomUUID } from "node:crypto";
import { decideMatchResolution, matchToResolveIn } from "../domain/decision-commands.js";
import type { ResolutionOutcome, ScreenedMatch } from "../domain/party-matching.js";
import { loadAggregate } from "../store/aggregate.js";
import { findResolutions } from "../store/lists.js";
import { onAggregate, type ServiceContext, type Step } from "./context.js";
import { ServiceError } from "./errors.js";
import { SCREENING_ID } from "./queries.js";

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
  const loaded = await loadAggregate(ctx.sql, { screeningId: ref.screeningId });
  if (!loaded) throw new ServiceError("not_found", "That screening does not exist. Nothing was changed.");
  const found = matchToResolveIn(loaded.state, ref);
  if (!found.ok) throw new ServiceError(found.refusal.code, found.refusal.message);
  return { reference: loaded.state.screening.reference, match: found.match };
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
  return onAggregate<ResolveResult>(ctx, {
    key: { screeningId: args.screeningId },
    requestKey: args.requestKey,
    actorId: args.actorId,
    missing: () => ({ code: "not_found", message: "That screening does not exist. Nothing was changed." }),
    replay: () => ({ kind: "duplicate" }),
    decide: async (state): Promise<Step<ResolveResult>> => {
      // the one lookup that cannot join the load: resolutions of the same names made on other screenings
      const earlier = await findResolutions(ctx.prisma, state.screening.scoring?.parties?.matches ?? []);
      const decided = decideMatchResolution(ctx.ruleSet, state, { ...args, reason, earlier, resolutionId: randomUUID(), now: ctx.now() });
      if (decided.kind === "refused") return { refuse: decided.refusal, actorId: args.actorId };
      return {
        commit: decided.change,
        answer: (after) => ({ kind: "resolved", reference: after.screening.reference, outcome: args.outcome, cleared: decided.cleared, hardStop: decided.hardStop }),
      };
    },
  });
}
