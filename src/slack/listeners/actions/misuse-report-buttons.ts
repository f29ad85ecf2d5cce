// The buttons of a misuse report's message in the compliance channel: **Acknowledge**, **Open
// reassessment** and **Close with rationale** (the last opens a form asking why; its submission:
// views/misuse-report-close.ts). Approvers only: anyone else is told privately why nothing
// happened, and the attempt is audited (services/misuse-reports.ts). The report's message is
// updated through the outbox once the change is recorded.
import type { ReportAction, ReviewedScreening } from "../../../domain/misuse-reports.js";
import { describeError } from "../../../log-safe.js";
import { recordUnreadableForm } from "../../../services/context.js";
import { actOnMisuseReport, checkMisuseReportAction } from "../../../services/misuse-reports.js";
import { buildReportCloseModal } from "../../blocks/misuse-report-modal.js";
import { clickMessageFor } from "../../failures.js";
import { ACTION } from "../../ids.js";
import { buttonReportId } from "../../parse/misuse-report.js";
import { privateReplier } from "../../private-reply.js";
import { withoutDeadline } from "../middleware.js";
import type { ActionRegistration, ButtonArgs, Listener } from "../types.js";

function actionOf(actionId: string): ReportAction | undefined {
  return (Object.keys(ACTION.report) as ReportAction[]).find((a) => ACTION.report[a] === actionId);
}

/** What the approver who opened a reassessment is told (the report's message says it too). */
export function reassessmentSummary(reference: string, reviewed: readonly ReviewedScreening[]): string {
  if (reviewed.length === 0) {
    return `Reassessment opened for ${reference}. No screening was put under review: none was named, and none with the same end user is cleared, approved or with compliance.`;
  }
  const refs = reviewed.map((r) => r.reference).join(", ");
  return `Reassessment opened for ${reference}: ${reviewed.length === 1 ? "1 screening is" : `${reviewed.length} screenings are`} under review (${refs}); their requesters were told by DM. Approved or cleared ones are back on their escalation messages for a new decision.`;
}

export const handleMisuseReportButton: Listener<ButtonArgs> = async ({ ack, body, action, client, respond }, deps) => {
  const { services } = deps;
  await ack();
  const which = actionOf(action.action_id);
  if (!which) return;
  const userId = body.user.id;
  const tell = privateReplier(body, client, respond);
  const reportId = buttonReportId(action.value);
  if (!reportId) {
    await recordUnreadableForm(services, { actorId: userId, form: action.action_id });
    await tell("This button could not be read. Nothing was changed: use the buttons on the report's message.").catch(() => undefined);
    return;
  }
  try {
    const actor = { userId, isApprover: await deps.approvers.isApprover(userId) };
    if (which === "close") {
      const check = await checkMisuseReportAction(services, { reportId, actor, action: which });
      if (!check.ok) {
        await tell(check.message);
        return;
      }
      try {
        await client.views.open({ trigger_id: body.trigger_id, view: buildReportCloseModal({ reportId, reference: check.reference }) });
      } catch (err) {
        services.log.warn("views.open failed", { context: "close misuse report", error: describeError(err) });
        await tell("Slack did not open the form (the click had expired). Nothing was changed: click Close with rationale again.");
      }
      return;
    }
    const requestKey = `action:${action.action_id}:${action.action_ts}:${userId}`.slice(0, 300);
    // Opening a reassessment commits once per screening it puts under review: no deadline after the acknowledgement.
    const run = () => actOnMisuseReport(services, { reportId, actor, action: which, requestKey });
    const result = which === "reassess" ? await withoutDeadline(run) : await run();
    if (result.kind === "refused") await tell(result.message);
    else if (result.kind === "done" && which === "reassess") await tell(reassessmentSummary(result.reference, result.reviewed ?? []));
  } catch (err) {
    await tell(clickMessageFor(err, services.log, "misuse report button", { reportId })).catch(() => undefined);
  }
};

export const registrations: ActionRegistration[] = Object.values(ACTION.report).map((actionId) => ({ actionId, listener: handleMisuseReportButton }));
