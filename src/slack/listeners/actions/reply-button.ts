// "Reply" in the requester's DM after compliance asked for more information: opens the reply
// modal at once with the click's trigger id. Nothing is read from the database first (the
// trigger id dies about 3 s after the click); who may reply is checked when the reply is sent.
import type { RespondFn } from "@slack/bolt";
import { recordUnreadableForm } from "../../../services/context.js";
import { describeError } from "../../../log-safe.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { buildReplyModal } from "../../blocks/reply.js";
import { ACTION, actionFamily } from "../../ids.js";
import { buttonScreeningId } from "../../parse/ids.js";
import type { ActionRegistration, ButtonArgs, Listener } from "../types.js";

export const handleReplyButton: Listener<ButtonArgs> = async ({ ack, body, action, client, respond }, deps) => {
  const { services } = deps;
  await ack();
  const screeningId = buttonScreeningId(action.value);
  const view = screeningId
    ? buildReplyModal({ screeningId })
    : buildNoticeModal("Cannot reply", "This button does not name a screening. Type /screening list to find yours, or reply in the screening's thread.");
  try {
    await client.views.open({ trigger_id: body.trigger_id, view });
  } catch (err) {
    services.log.warn("views.open failed", { context: ACTION.reply, error: describeError(err) });
    await tell(respond, "Slack did not open the reply form (the click had expired). Press *Reply* again.");
  }
  // After the modal (the trigger id waits for nobody): a button that names no screening is recorded.
  if (!screeningId) await recordUnreadableForm(services, { actorId: body.user.id, form: ACTION.reply });
};

async function tell(respond: RespondFn, text: string): Promise<void> {
  try {
    await respond({ response_type: "ephemeral", replace_original: false, text });
  } catch {
    // No response_url (or it expired): there is nobody left to tell.
  }
}

export const registrations: ActionRegistration[] = [{ actionId: actionFamily(ACTION.reply), listener: handleReplyButton }];
