// Start re-screening, in the review prompt (the requester's DM, or the compliance channel when
// the requester has left): a new screening linked to the one the button names, its pages
// prefilled with that one's answers. The modal opens before any database work (the trigger id
// lives about 3 s), then shows the first page, or a notice saying why not.
import type { View } from "@slack/types";
import { recordUnreadableForm } from "../../../services/context.js";
import { startRescreening } from "../../../services/rescreening.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { clickMessageFor, plainMentions } from "../../failures.js";
import { ACTION } from "../../ids.js";
import { openThenShow } from "../../open-first.js";
import { buttonScreeningId } from "../../parse/ids.js";
import { renderStep } from "../../render.js";
import type { ActionRegistration, ButtonArgs, Listener } from "../types.js";

export const handleStartRescreening: Listener<ButtonArgs> = async ({ ack, body, action, client, respond }, deps) => {
  const { services } = deps;
  await ack();
  const userId = body.user.id;
  const screeningId = buttonScreeningId(action.value);
  const outcome = await openThenShow(client, services.log, {
    triggerId: body.trigger_id,
    context: "start re-screening",
    produce: async (): Promise<View> => {
      if (!screeningId) {
        await recordUnreadableForm(services, { actorId: userId, form: ACTION.startRescreening });
        return buildNoticeModal("Cannot re-screen", "This button could not be read. Type /screening renew DD-… with the screening's reference instead.");
      }
      try {
        const isApprover = await deps.approvers.isAnyApprover(userId);
        const step = await startRescreening(services, {
          previous: { screeningId },
          actorId: userId,
          isApprover,
          teamId: body.team?.id,
          // a double click continues the re-screening the first one started
          requestKey: `action:${action.action_id}:${action.action_ts}:${userId}`.slice(0, 300),
        });
        return renderStep(services.ruleSet, step);
      } catch (err) {
        return buildNoticeModal("Cannot re-screen", plainMentions(clickMessageFor(err, services.log, "start re-screening", { screeningId, userId })));
      }
    },
  });
  if (outcome === "not_opened") {
    await respond({
      response_type: "ephemeral",
      replace_original: false,
      text: "Slack did not open the form (the click had expired), so nothing was started. Click *Start re-screening* again.",
    }).catch(() => undefined);
  }
};

export const registrations: ActionRegistration[] = [{ actionId: ACTION.startRescreening, listener: handleStartRescreening }];
