// The match-resolution modal (behind **Confirmed match** / **Not the same party**), submitted:
// the reason is checked like any free-text answer, only approvers (or hard-stop approvers) may
// resolve, and the service records the resolution and re-scores the screening.
import { checkAnswer } from "../../../domain/interview.js";
import { QuestionSchema } from "../../../domain/rule-set.js";
import { recordUnreadableForm } from "../../../services/context.js";
import { REASON_MAX, resolvePartyMatch } from "../../../services/party-matches.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { isBusy, messageFor } from "../../failures.js";
import { ACTION, BLOCK, CALLBACK } from "../../ids.js";
import { parseMatchMetadata } from "../../parse/party-match.js";
import type { Listener, ViewRegistration, ViewSubmitArgs } from "../types.js";

const REASON = QuestionSchema.parse({ id: "match_reason", type: "free_text", label: "Reason", source: "-", multiline: true, max_length: REASON_MAX, required: true });

export const handleMatchResolutionSubmission: Listener<ViewSubmitArgs> = async ({ ack, body, view }, deps) => {
  const { services } = deps;
  const meta = parseMatchMetadata(view.private_metadata);
  if (!meta) {
    await ack({ response_action: "update", view: buildNoticeModal("Form expired", "This form could not be read. Nothing was recorded. Click the button in the channel again.") });
    await recordUnreadableForm(services, { actorId: body.user.id, form: CALLBACK.matchResolution });
    return;
  }
  const raw = view.state.values[BLOCK.matchReason]?.[ACTION.matchReason];
  const text = raw && typeof raw === "object" && "value" in raw && typeof raw.value === "string" ? raw.value : undefined;
  const reason = checkAnswer(services.ruleSet, REASON, text);
  if (!reason.ok || typeof reason.value !== "string") {
    await ack({ response_action: "errors", errors: { [BLOCK.matchReason]: reason.ok ? "Write the reason: it goes into the record." : reason.message } });
    return;
  }
  try {
    const actor = await deps.approvers.decider(body.user.id);
    if (!actor.isApprover && actor.hardStop?.isApprover !== true) {
      await ack({ response_action: "update", view: buildNoticeModal("Not recorded", "Only compliance approvers can resolve possible list matches. Nothing was changed.") });
      return;
    }
    const result = await resolvePartyMatch(services, { ...meta, reason: reason.value, actorId: body.user.id, requestKey: `view:${view.id}:${view.hash}` });
    if (result.kind === "reason_missing") {
      await ack({ response_action: "errors", errors: { [BLOCK.matchReason]: result.message } });
      return;
    }
    await ack({ response_action: "clear" });
  } catch (err) {
    const message = messageFor(err, services.log, "list match resolution", { screeningId: meta.screeningId });
    // Busy: the form stays as typed, to submit again.
    if (isBusy(err)) await ack({ response_action: "errors", errors: { [BLOCK.matchReason]: message } });
    else await ack({ response_action: "update", view: buildNoticeModal("Not recorded", message) });
  }
};

export const registrations: ViewRegistration[] = [{ callbackId: CALLBACK.matchResolution, type: "view_submission", listener: handleMatchResolutionSubmission }];
