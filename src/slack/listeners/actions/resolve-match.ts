// **Confirmed match** / **Not the same party** under a potential restricted-party match in the
// escalation message: only approvers (or hard-stop approvers) may resolve; the modal asks why
// (its submission: views/match-resolution.ts).
import type { ResolutionOutcome } from "../../../domain/party-matching.js";
import { recordUnreadableForm } from "../../../services/context.js";
import { matchToResolve } from "../../../services/party-matches.js";
import { buildMatchResolutionModal } from "../../blocks/party-matches.js";
import { clickMessageFor } from "../../failures.js";
import { ACTION, actionFamily } from "../../ids.js";
import { matchMetadata, parseMatchRef } from "../../parse/party-match.js";
import { privateReplier } from "../../private-reply.js";
import type { ActionRegistration, ButtonArgs, Listener } from "../types.js";

/** Which resolution a button asks for, from its action id (`match_confirmed:3`). */
function outcomeOf(actionId: string): ResolutionOutcome | undefined {
  if (actionFamily(ACTION.resolveMatch.confirmed).test(actionId)) return "confirmed";
  if (actionFamily(ACTION.resolveMatch.not_same_party).test(actionId)) return "not_same_party";
  return undefined;
}

export const handleResolveMatchButton: Listener<ButtonArgs> = async ({ ack, body, action, client, respond }, deps) => {
  const { services } = deps;
  await ack();
  const outcome = outcomeOf(action.action_id);
  if (!outcome) return;
  const userId = body.user.id;
  const refuse = privateReplier(body, client, respond);
  try {
    const actor = await deps.approvers.decider(userId);
    if (!actor.isApprover && actor.hardStop?.isApprover !== true) {
      await refuse("Only compliance approvers can resolve possible list matches. Ask the compliance team if you think you should be one. Nothing was changed.");
      return;
    }
    const ref = parseMatchRef(action.value);
    if (!ref) {
      await recordUnreadableForm(services, { actorId: userId, form: action.action_id.slice(0, 64) });
      await refuse("This button could not be read. Nothing was changed: use the buttons on the escalation message.");
      return;
    }
    const { reference, match } = await matchToResolve(services, ref);
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildMatchResolutionModal({ ruleSet: services.ruleSet, reference, match, outcome, metadata: matchMetadata({ ...ref, outcome }) }),
    });
  } catch (err) {
    await refuse(clickMessageFor(err, services.log, "list match button", { userId })).catch(() => undefined);
  }
};

export const registrations: ActionRegistration[] = [
  { actionId: actionFamily(ACTION.resolveMatch.confirmed), listener: handleResolveMatchButton },
  { actionId: actionFamily(ACTION.resolveMatch.not_same_party), listener: handleResolveMatchButton },
];
