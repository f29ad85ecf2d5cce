// "Reply" in the requester's DM after compliance asked for more information: opens the reply
// modal at once with the click's trigger id. Nothing is read from the database first (the
// trigger id dies about 3 s after the click); who may reply is checked when the reply is sent.
import type { App, BlockButtonAction, RespondFn } from "@slack/bolt";
import { describeError } from "../../../store/errors.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { buildReplyModal } from "../../blocks/reply.js";
import type { SlackDeps } from "../../context.js";
import { ACTION, actionFamily } from "../../ids.js";

const SCREENING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerReplyButton(app: App, deps: SlackDeps): void {
  const { log } = deps.services;
  app.action<BlockButtonAction>(actionFamily(ACTION.reply), async ({ ack, body, action, client, respond }) => {
    await ack();
    const screeningId = typeof action.value === "string" ? action.value : "";
    const view = SCREENING_ID.test(screeningId)
      ? buildReplyModal({ screeningId })
      : buildNoticeModal("Cannot reply", "This button does not name a screening. Type /screening list to find yours, or reply in the screening's thread.");
    try {
      await client.views.open({ trigger_id: body.trigger_id, view });
    } catch (err) {
      log.warn("views.open failed", { context: ACTION.reply, error: describeError(err) });
      await tell(respond, "Slack did not open the reply form (the click had expired). Press *Reply* again.");
    }
  });
}

async function tell(respond: RespondFn, text: string): Promise<void> {
  try {
    await respond({ response_type: "ephemeral", replace_original: false, text });
  } catch {
    // No response_url (or it expired): there is nobody left to tell.
  }
}
