// Interview modals: a page submitted (save, next page), the review submitted (score, outcome),
// and a modal closed (keep the draft, remember the page).
import type { AckFn, ViewResponseAction } from "@slack/bolt";
import { recordUnreadableForm } from "../../../services/context.js";
import { pauseScreening, savePage, submitScreening } from "../../../services/interview.js";
import { buildResultModal } from "../../blocks/result-modal.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { isBusy, messageFor } from "../../failures.js";
import { BLOCK, CALLBACK } from "../../ids.js";
import { parsePageMetadata, parseReviewMetadata } from "../../parse/metadata.js";
import { parsePageDraft, parsePageState } from "../../parse/page-state.js";
import { renderStep } from "../../render.js";
import { withoutDeadline } from "../middleware.js";
import type { Listener, ViewClosedArgs, ViewRegistration, ViewSubmitArgs } from "../types.js";

export const handlePageSubmission: Listener<ViewSubmitArgs> = async ({ ack, body, view }, deps) => {
  const { services } = deps;
  const meta = parsePageMetadata(view.private_metadata);
  const firstBlock = firstInputBlock(view.state.values);
  if (!meta) {
    await ack({ response_action: "update", view: buildNoticeModal("Form expired", "This form could not be read. Nothing was saved. Type `/screening resume` to continue your screening.") });
    await recordUnreadableForm(services, { actorId: body.user.id, form: CALLBACK.page });
    return;
  }
  const page = services.ruleSet.questionnaire.pages.find((p) => p.id === meta.pageId);
  const raw = parsePageState(view.state.values, page?.questions ?? []);
  try {
    const result = await savePage(services, {
      screeningId: meta.screeningId,
      pageId: meta.pageId,
      actorId: body.user.id,
      raw,
      requestKey: `view:${view.id}:${view.hash}`,
    });
    if (result.kind === "errors") {
      const errors = Object.fromEntries(Object.entries(result.errors).map(([q, m]) => [BLOCK.question(q), m]));
      await ack({ response_action: "errors", errors });
      return;
    }
    await ack({ response_action: "update", view: renderStep(services.ruleSet, result, { shownCount: meta.stepCount }) });
  } catch (err) {
    // Busy included: the page stays as typed, with the message on its first input.
    await ackFailure(ack, firstBlock, messageFor(err, services.log, "page submission", { screeningId: meta.screeningId, page: meta.pageId }));
  }
};

export const handleReviewSubmission: Listener<ViewSubmitArgs> = async ({ ack, body, view }, deps) => {
  const { services } = deps;
  const meta = parseReviewMetadata(view.private_metadata);
  if (!meta) {
    await ack({ response_action: "update", view: buildNoticeModal("Form expired", "This form could not be read. Nothing was submitted. Type `/screening resume` to continue.") });
    await recordUnreadableForm(services, { actorId: body.user.id, form: CALLBACK.review });
    return;
  }
  try {
    const result = await submitScreening(services, { screeningId: meta.screeningId, actorId: body.user.id, requestKey: `view:${view.id}:${view.hash}` });
    if (result.kind === "incomplete") {
      // Cannot attach field errors to the review (it has no inputs): show the first page with a gap.
      await ack({ response_action: "update", view: renderStep(services.ruleSet, result.step) });
      return;
    }
    await ack({ response_action: "update", view: buildResultModal({ screening: result.screening, result: result.result, escalated: result.escalated }) });
  } catch (err) {
    const message = messageFor(err, services.log, "submission", { screeningId: meta.screeningId });
    // The review has no input to carry a field error: a busy answer goes on top of it, so that
    // closing the notice goes back to the review, to submit again.
    if (isBusy(err)) await ack({ response_action: "push", view: buildNoticeModal("Not submitted", message) });
    else await ack({ response_action: "update", view: buildNoticeModal("Not submitted", message) });
  }
};

/**
 * "Save & close" or the modal's own close: what was typed on the open page is kept as a draft,
 * and a DM (from the outbox) confirms it and says how to continue. Its answer is an empty ack,
 * sent first, so nobody waits on the rest: the draft is kept however late (no deadline), since
 * the person asked for it to be saved and would never learn that it was not.
 */
export const handlePageClosed: Listener<ViewClosedArgs> = async ({ ack, body, view }, deps) => {
  const { services } = deps;
  await ack();
  const meta = parsePageMetadata(view.private_metadata);
  if (!meta) {
    await recordUnreadableForm(services, { actorId: body.user.id, form: CALLBACK.page });
    return;
  }
  const page = services.ruleSet.questionnaire.pages.find((p) => p.id === meta.pageId);
  const raw = parsePageDraft(view.state?.values, page?.questions ?? []);
  try {
    await withoutDeadline(() =>
      pauseScreening(services, {
        screeningId: meta.screeningId,
        actorId: body.user.id,
        pageId: meta.pageId,
        raw,
        requestKey: `closed:${view.id}:${view.hash}`,
      }),
    );
  } catch (err) {
    messageFor(err, services.log, "closing a page", { screeningId: meta.screeningId });
  }
};

export const handleReviewClosed: Listener<ViewClosedArgs> = async ({ ack }) => {
  await ack();
};

function firstInputBlock(values: Record<string, unknown> | undefined): string | undefined {
  return Object.keys(values ?? {})[0];
}

async function ackFailure(ack: AckFn<ViewResponseAction>, blockId: string | undefined, message: string): Promise<void> {
  if (blockId) await ack({ response_action: "errors", errors: { [blockId]: message } });
  else await ack({ response_action: "update", view: buildNoticeModal("Not saved", message) });
}

export const registrations: ViewRegistration[] = [
  { callbackId: CALLBACK.page, type: "view_submission", listener: handlePageSubmission },
  { callbackId: CALLBACK.review, type: "view_submission", listener: handleReviewSubmission },
  { callbackId: CALLBACK.page, type: "view_closed", listener: handlePageClosed },
  { callbackId: CALLBACK.review, type: "view_closed", listener: handleReviewClosed },
];
