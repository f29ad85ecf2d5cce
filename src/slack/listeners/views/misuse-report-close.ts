// Close with rationale, submitted: the rationale is required (a field error otherwise); the
// approver is checked again, and the report closed and its message updated. A refusal (not an
// approver, closed meanwhile) is a field error saying so, audited; nothing changes.
import { rationaleProblem } from "../../../domain/misuse-reports.js";
import { recordUnreadableForm } from "../../../services/context.js";
import { actOnMisuseReport } from "../../../services/misuse-reports.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { messageFor, plainMentions } from "../../failures.js";
import { BLOCK, CALLBACK } from "../../ids.js";
import { parseReportCloseMetadata, parseReportRationale } from "../../parse/misuse-report.js";
import type { Listener, ViewRegistration, ViewSubmitArgs } from "../types.js";

export const handleMisuseReportCloseSubmission: Listener<ViewSubmitArgs> = async ({ ack, body, view }, deps) => {
  const { services } = deps;
  const meta = parseReportCloseMetadata(view.private_metadata);
  if (!meta) {
    await ack({ response_action: "update", view: buildNoticeModal("Form expired", "This form could not be read. Nothing was changed: click Close with rationale on the report's message again.") });
    await recordUnreadableForm(services, { actorId: body.user.id, form: CALLBACK.misuseReportClose });
    return;
  }
  const raw = parseReportRationale(view.state.values);
  const checked = rationaleProblem(services.ruleSet, raw);
  if ("message" in checked) {
    await ack({ response_action: "errors", errors: { [BLOCK.reportRationale]: checked.message } });
    return;
  }
  try {
    const actor = { userId: body.user.id, isApprover: await deps.approvers.isApprover(body.user.id) };
    const result = await actOnMisuseReport(services, { reportId: meta.reportId, actor, action: "close", rationale: checked.value, requestKey: `view:${view.id}:${view.hash}` });
    if (result.kind === "refused") {
      await ack({ response_action: "errors", errors: { [BLOCK.reportRationale]: plainMentions(result.message) } });
      return;
    }
    await ack({ response_action: "clear" });
  } catch (err) {
    await ack({ response_action: "errors", errors: { [BLOCK.reportRationale]: messageFor(err, services.log, "close misuse report", { reportId: meta.reportId }) } });
  }
};

export const registrations: ViewRegistration[] = [{ callbackId: CALLBACK.misuseReportClose, type: "view_submission", listener: handleMisuseReportCloseSubmission }];
