// The reply modal, submitted: check the text, record the reply and post it in the escalation's
// thread (one service call), then say where it went. A replayed submission (same view id and
// hash) is recognised by the service and posts nothing twice.
import { recordUnreadableForm } from "../../../services/context.js";
import { ServiceError } from "../../../services/errors.js";
import { replyToCompliance } from "../../../services/replies.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { isBusy, messageFor } from "../../failures.js";
import { BLOCK, CALLBACK } from "../../ids.js";
import { parseReplyMetadata, parseReplyText } from "../../parse/reply.js";
import type { Listener, ViewRegistration, ViewSubmitArgs } from "../types.js";

export const handleReplySubmission: Listener<ViewSubmitArgs> = async ({ ack, body, view }, deps) => {
  const { services } = deps;
  const meta = parseReplyMetadata(view.private_metadata);
  if (!meta) {
    await ack({ response_action: "update", view: buildNoticeModal("Form expired", "This form could not be read, so nothing was sent. Press Reply in the message again.") });
    await recordUnreadableForm(services, { actorId: body.user.id, form: CALLBACK.reply });
    return;
  }
  try {
    const result = await replyToCompliance(services, {
      screeningId: meta.screeningId,
      actorId: body.user.id,
      text: parseReplyText(view.state.values),
      requestKey: `view:${view.id}:${view.hash}`,
    });
    if (result.kind === "invalid") {
      await ack({ response_action: "errors", errors: { [BLOCK.reply]: result.message } });
      return;
    }
    await ack({
      response_action: "update",
      view: buildNoticeModal(
        "Reply sent",
        `Your reply on ${result.reference} was sent to compliance: it is posted in the screening's thread in the compliance channel. To change your answers, press Edit answers in the message.`,
      ),
    });
  } catch (err) {
    const message = messageFor(err, services.log, "reply", { screeningId: meta.screeningId });
    // A refusal will not change on a second try: say so in place of the form. Anything else
    // (busy, the database not answering) keeps the form and its text, to send again.
    if (err instanceof ServiceError && !isBusy(err)) await ack({ response_action: "update", view: buildNoticeModal("Reply not sent", message) });
    else await ack({ response_action: "errors", errors: { [BLOCK.reply]: message } });
  }
};

export const registrations: ViewRegistration[] = [{ callbackId: CALLBACK.reply, type: "view_submission", listener: handleReplySubmission }];
