// Opening a modal from a slash command or a button whose content needs the database: the
// trigger id dies about 3 s after the click, and a busy database must not make it expire. So the
// modal is opened at once with a placeholder, the work is done, and the placeholder is replaced
// (views.update) by the page, or by a notice saying what went wrong and what to do.
//
// The work after the placeholder has no deadline (the request's budget is lifted for it): Slack
// has its acknowledgement and the modal is open, so nobody is timed out by a late page, while a
// "busy" refusal would only make the person start again.
import type { View } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "../services/context.js";
import { describeError } from "../log-safe.js";
import { buildLoadingModal } from "./blocks/notice-modal.js";
import { withoutDeadline } from "./listeners/middleware.js";

export type OpenOutcome = "shown" | "not_opened" | "not_updated";

export async function openThenShow(
  client: WebClient,
  log: Logger,
  /** push: the click came from inside a modal, so the new one goes on top of it (views.push) */
  args: { triggerId: string; context: string; produce: () => Promise<View>; push?: boolean },
): Promise<OpenOutcome> {
  let viewId: string | undefined;
  let hash: string | undefined;
  try {
    const opened = args.push
      ? await client.views.push({ trigger_id: args.triggerId, view: buildLoadingModal() })
      : await client.views.open({ trigger_id: args.triggerId, view: buildLoadingModal() });
    viewId = opened.view?.id;
    hash = opened.view?.hash;
  } catch (err) {
    log.warn("views.open failed", { context: args.context, error: describeError(err) });
    return "not_opened";
  }
  // produce() answers every failure of its own with a notice modal; it does not throw.
  const view = await withoutDeadline(args.produce);
  if (!viewId) return "not_updated";
  try {
    // The hash makes sure nothing else replaced the placeholder meanwhile.
    await client.views.update({ view_id: viewId, ...(hash ? { hash } : {}), view });
    return "shown";
  } catch (err) {
    // Most often the person closed the placeholder before it was replaced.
    log.info("views.update of the opening modal failed", { context: args.context, error: describeError(err) });
    return "not_updated";
  }
}
