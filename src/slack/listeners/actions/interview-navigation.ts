// Buttons that move through an interview: Back and Edit inside the modals, Continue and New
// on the Home tab, and "Edit answers" in the DM after compliance asked for more information.
import type { App, BlockButtonAction } from "@slack/bolt";
import { recordUnreadableForm } from "../../../services/context.js";
import { continueScreening, goBack, reopenScreening, resumeScreening, showPage, startScreening, type InterviewStep } from "../../../services/interview.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import type { SlackDeps } from "../../context.js";
import { messageFor } from "../../failures.js";
import { ACTION, actionFamily } from "../../ids.js";
import { parsePageMetadata, parseReviewMetadata } from "../../parse/metadata.js";
import { parsePageDraft } from "../../parse/page-state.js";
import { openThenShow } from "../../open-first.js";
import { renderStep } from "../../render.js";

export function registerInterviewNavigation(app: App, deps: SlackDeps): void {
  const { services } = deps;

  // Inside a modal: replace the current view (hash-checked, so a stale click cannot overwrite a newer page).
  // Back keeps what was typed on the page it leaves (a draft, from the view's state); Edit, from
  // the review, has nothing typed to keep.
  for (const actionId of [ACTION.back, ACTION.editPage]) {
    app.action<BlockButtonAction>(actionFamily(actionId), async ({ ack, body, action, client }) => {
      await ack();
      const view = body.view;
      if (!view) return;
      const pageMeta = parsePageMetadata(view.private_metadata);
      const meta = pageMeta ?? parseReviewMetadata(view.private_metadata);
      const pageId = typeof action.value === "string" ? action.value.slice(0, 64) : "";
      if (!meta) {
        await client.views
          .update({ view_id: view.id, view: buildNoticeModal("Form expired", "This form could not be read. Type /screening resume to continue your screening.") })
          .catch(() => undefined);
        await recordUnreadableForm(services, { actorId: body.user.id, form: actionId });
        return;
      }
      try {
        let step: InterviewStep;
        if (actionId === ACTION.back && pageMeta) {
          const page = services.ruleSet.questionnaire.pages.find((p) => p.id === pageMeta.pageId);
          step = await goBack(services, {
            screeningId: pageMeta.screeningId,
            actorId: body.user.id,
            pageId: pageMeta.pageId,
            raw: parsePageDraft(view.state?.values, page?.questions ?? []),
            requestKey: `action:${action.action_id}:${action.action_ts}:${view.id}`.slice(0, 300),
          });
        } else {
          step = await showPage(services, {
            screeningId: meta.screeningId,
            actorId: body.user.id,
            pageId,
            ...(actionId === ACTION.back ? { direction: "back" as const } : {}),
          });
        }
        await client.views.update({ view_id: view.id, hash: view.hash, view: renderStep(services.ruleSet, step, { shownCount: pageMeta?.stepCount }) });
      } catch (err) {
        const message = messageFor(err, services.log, "page navigation", { screeningId: meta.screeningId });
        await client.views.update({ view_id: view.id, view: buildNoticeModal("Could not continue", message) }).catch(() => undefined);
      }
    });
  }

  // Outside a modal: open one with the trigger id.
  const openWith = (actionId: string, run: (userId: string, value: string, requestKey: string) => ReturnType<typeof resumeScreening>) => {
    app.action<BlockButtonAction>(actionFamily(actionId), async ({ ack, body, action, client }) => {
      await ack();
      const value = typeof action.value === "string" ? action.value.slice(0, 64) : "";
      // The modal opens before any database work (the trigger id lives about 3 s), then shows the page.
      await openThenShow(client, services.log, {
        triggerId: body.trigger_id,
        context: actionId,
        produce: async () => {
          try {
            const step = await run(body.user.id, value, `action:${action.action_id}:${action.action_ts}:${body.user.id}`.slice(0, 300));
            return step ? renderStep(services.ruleSet, step) : buildNoticeModal("Nothing to continue", "You have no unfinished screening. Start one with /screening.");
          } catch (err) {
            return buildNoticeModal("Could not open", messageFor(err, services.log, actionId, { userId: body.user.id }));
          }
        },
      });
    });
  };
  openWith(ACTION.reopen, (userId, screeningId) => reopenScreening(services, { screeningId, actorId: userId }));
  openWith(ACTION.resume, (userId, screeningId) =>
    screeningId ? continueScreening(services, { screeningId, actorId: userId }) : resumeScreening(services, userId),
  );
  openWith(ACTION.start, (userId, _value, requestKey) => startScreening(services, { requesterId: userId, requestKey }));
}
