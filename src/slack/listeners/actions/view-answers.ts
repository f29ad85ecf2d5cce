// View answers (escalation message), Details (/screening status) and View (/screening list,
// Home tab): every answer of a screening in a modal, for its requester and approvers. The modal is opened at once, before
// any database work (the trigger id lives about 3 s), and then replaced by the answers, or by a
// notice saying why they cannot be shown; nothing of the screening is shown to anyone else.
import { recordUnreadableForm } from "../../../services/context.js";
import { screeningAnswers } from "../../../services/queries.js";
import { buildAnswersModal } from "../../blocks/answers-modal.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { clickMessageFor } from "../../failures.js";
import { ACTION } from "../../ids.js";
import { openThenShow } from "../../open-first.js";
import { buttonScreeningId } from "../../parse/ids.js";
import type { ActionRegistration, ButtonArgs, Listener } from "../types.js";

export const handleViewAnswers: Listener<ButtonArgs> = async ({ ack, body, action, client }, deps) => {
  const { services } = deps;
  await ack();
  const userId = body.user.id;
  const screeningId = buttonScreeningId(action.value);
  await openThenShow(client, services.log, {
    triggerId: body.trigger_id,
    context: "view answers",
    // Clicked inside a modal: the answers stack on top of it. From a message or the Home tab: a new modal.
    push: body.view?.type === "modal",
    produce: async () => {
      if (!screeningId) {
        await recordUnreadableForm(services, { actorId: userId, form: ACTION.viewAnswers });
        return buildNoticeModal("Cannot show answers", "This button could not be read. Type /screening list to find your screenings.");
      }
      try {
        // Hard-stop approvers read what they decide, even when not approvers for the rest.
        const isApprover = await deps.approvers.isAnyApprover(userId);
        const answers = await screeningAnswers(services, { screeningId, actorId: userId, isApprover });
        return buildAnswersModal({ ruleSet: services.ruleSet, answers });
      } catch (err) {
        return buildNoticeModal("Cannot show answers", clickMessageFor(err, services.log, "view answers", { screeningId, userId }));
      }
    },
  });
};

export const registrations: ActionRegistration[] = [{ actionId: ACTION.viewAnswers, listener: handleViewAnswers }];
