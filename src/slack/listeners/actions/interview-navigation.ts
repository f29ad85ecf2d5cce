// Buttons that move through an interview: Back and Edit inside the modals, Continue and New
// on the Home tab, and "Edit answers" in the DM after compliance asked for more information.
import type { View } from "@slack/types";
import type { ScreeningId } from "../../../domain/ids.js";
import { recordUnreadableForm } from "../../../services/context.js";
import { continueScreening, goBack, reopenScreening, resumeScreening, showPage, startScreening, type InterviewStep } from "../../../services/interview.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import type { SlackDeps } from "../../context.js";
import { clickMessageFor } from "../../failures.js";
import { ACTION, actionFamily } from "../../ids.js";
import { parsePageMetadata, parseReviewMetadata } from "../../parse/metadata.js";
import { parsePageDraft } from "../../parse/page-state.js";
import { buttonScreeningId } from "../../parse/ids.js";
import { openThenShow } from "../../open-first.js";
import { renderStep } from "../../render.js";
import { withoutDeadline } from "../middleware.js";
import type { ActionRegistration, ButtonArgs, Listener } from "../types.js";

const UNREADABLE_BUTTON = "This button could not be read. Type /screening resume to continue your screening, or /screening list to find it.";

/**
 * Back (page modal) and Edit (review): replace the current view, hash-checked so that a stale
 * click cannot overwrite a newer page. Back keeps what was typed on the page it leaves (a draft,
 * from the view's state); Edit, from the review, has nothing typed to keep.
 */
export const handleBackOrEdit: Listener<ButtonArgs> = async ({ ack, body, action, client }, deps) => {
  const { services } = deps;
  await ack();
  const view = body.view;
  if (!view) return;
  const isBack = actionFamily(ACTION.back).test(action.action_id);
  const form = isBack ? ACTION.back : ACTION.editPage;
  const pageMeta = parsePageMetadata(view.private_metadata);
  const meta = pageMeta ?? parseReviewMetadata(view.private_metadata);
  const pageId = typeof action.value === "string" ? action.value.slice(0, 64) : "";
  if (!meta) {
    await client.views
      .update({ view_id: view.id, view: buildNoticeModal("Form expired", "This form could not be read. Type /screening resume to continue your screening.") })
      .catch(() => undefined);
    await recordUnreadableForm(services, { actorId: body.user.id, form });
    return;
  }
  try {
    let step: InterviewStep;
    // No deadline: Slack has its acknowledgement and the modal stays open until it is updated (open-first.ts).
    if (isBack && pageMeta) {
      const page = services.ruleSet.questionnaire.pages.find((p) => p.id === pageMeta.pageId);
      step = await withoutDeadline(() =>
        goBack(services, {
          screeningId: pageMeta.screeningId,
          actorId: body.user.id,
          pageId: pageMeta.pageId,
          raw: parsePageDraft(view.state?.values, page?.questions ?? []),
          requestKey: `action:${action.action_id}:${action.action_ts}:${view.id}`.slice(0, 300),
        }),
      );
    } else {
      step = await withoutDeadline(() =>
        showPage(services, {
          screeningId: meta.screeningId,
          actorId: body.user.id,
          pageId,
          ...(isBack ? { direction: "back" as const } : {}),
        }),
      );
    }
    await client.views.update({ view_id: view.id, hash: view.hash, view: renderStep(services.ruleSet, step, { shownCount: pageMeta?.stepCount }) });
  } catch (err) {
    const message = clickMessageFor(err, services.log, "page navigation", { screeningId: meta.screeningId });
    await client.views.update({ view_id: view.id, view: buildNoticeModal("Could not continue", message) }).catch(() => undefined);
  }
};

/** Outside a modal: the modal opens before any database work (the trigger id lives about 3 s), then shows the page. */
async function openWithStep(args: ButtonArgs, deps: SlackDeps, context: string, run: () => Promise<InterviewStep | null | "unreadable">): Promise<void> {
  const { services } = deps;
  await args.ack();
  const userId = args.body.user.id;
  await openThenShow(args.client, services.log, {
    triggerId: args.body.trigger_id,
    context,
    produce: async (): Promise<View> => {
      try {
        const step = await run();
        if (step === "unreadable") {
          await recordUnreadableForm(services, { actorId: userId, form: context });
          return buildNoticeModal("Cannot open", UNREADABLE_BUTTON);
        }
        return step ? renderStep(services.ruleSet, step) : buildNoticeModal("Nothing to continue", "You have no unfinished screening. Start one with /screening.");
      } catch (err) {
        return buildNoticeModal("Could not open", clickMessageFor(err, services.log, context, { userId }));
      }
    },
  });
}

const requestKeyOf = ({ body, action }: ButtonArgs) => `action:${action.action_id}:${action.action_ts}:${body.user.id}`.slice(0, 300);

/** "Edit answers" in the DM after "Request info" (and the Home tab): the screening reopened at its review. */
export const handleReopen: Listener<ButtonArgs> = (args, deps) => {
  const screeningId = buttonScreeningId(args.action.value);
  return openWithStep(args, deps, ACTION.reopen, async () =>
    screeningId ? reopenScreening(deps.services, { screeningId, actorId: args.body.user.id }) : "unreadable",
  );
};

/** Continue (Home tab): that draft, or, from a button naming none, the newest one. */
export const handleResume: Listener<ButtonArgs> = (args, deps) => {
  const value = args.action.value;
  const screeningId: ScreeningId | null = buttonScreeningId(value);
  return openWithStep(args, deps, ACTION.resume, async () => {
    if (screeningId) return continueScreening(deps.services, { screeningId, actorId: args.body.user.id });
    return value ? "unreadable" : resumeScreening(deps.services, args.body.user.id);
  });
};

/** New screening (Home tab). */
export const handleStart: Listener<ButtonArgs> = (args, deps) =>
  openWithStep(args, deps, ACTION.start, () => startScreening(deps.services, { requesterId: args.body.user.id, requestKey: requestKeyOf(args) }));

export const registrations: ActionRegistration[] = [
  { actionId: actionFamily(ACTION.back), listener: handleBackOrEdit },
  { actionId: actionFamily(ACTION.editPage), listener: handleBackOrEdit },
  { actionId: actionFamily(ACTION.reopen), listener: handleReopen },
  { actionId: actionFamily(ACTION.resume), listener: handleResume },
  { actionId: actionFamily(ACTION.start), listener: handleStart },
];
