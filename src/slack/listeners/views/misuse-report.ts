// The misuse-report form, submitted (/screening report, the Report misuse shortcut): field errors
// under the fields concerned and nothing recorded until every field is right; then the report is
// recorded and posted to the compliance channel, and the form says so.
import { recordUnreadableForm } from "../../../services/context.js";
import { submitMisuseReport } from "../../../services/misuse-reports.js";
import type { ReportField } from "../../../domain/misuse-reports.js";
import { buildReportSentModal } from "../../blocks/misuse-report-modal.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { messageFor, plainMentions } from "../../failures.js";
import { BLOCK, CALLBACK } from "../../ids.js";
import { parseReportFormMetadata, parseReportState } from "../../parse/misuse-report.js";
import type { Listener, ViewRegistration, ViewSubmitArgs } from "../types.js";

export const handleMisuseReportSubmission: Listener<ViewSubmitArgs> = async ({ ack, body, view }, deps) => {
  const { services } = deps;
  const meta = parseReportFormMetadata(view.private_metadata);
  if (!meta) {
    await ack({ response_action: "update", view: buildNoticeModal("Form expired", "This form could not be read, so nothing was sent. Type `/screening report` to open a new one.") });
    await recordUnreadableForm(services, { actorId: body.user.id, form: CALLBACK.misuseReport });
    return;
  }
  // The input blocks the form shows (as Slack sends the view back); a state key alone may be forged.
  const shown = new Set(
    (Array.isArray(view.blocks) ? view.blocks : []).flatMap((b: unknown) =>
      typeof b === "object" && b !== null && (b as { type?: unknown }).type === "input" && typeof (b as { block_id?: unknown }).block_id === "string" ? [(b as { block_id: string }).block_id] : [],
    ),
  );
  // An error for a field the form does not show (anonymity when it is not offered) goes on the first one.
  const blockOf = (field: ReportField): string => (shown.has(BLOCK.report[field]) ? BLOCK.report[field] : BLOCK.report.item);
  try {
    const result = await submitMisuseReport(services, {
      reporterId: body.user.id,
      teamId: body.team?.id ?? null,
      input: parseReportState(view.state.values),
      via: meta.via,
      source: meta.source,
      requestKey: `view:${view.id}:${view.hash}`,
    });
    if (result.kind === "errors") {
      const errors: Record<string, string> = {};
      for (const [field, message] of Object.entries(result.errors) as Array<[ReportField, string]>) {
        const block = blockOf(field);
        errors[block] = errors[block] ? `${errors[block]} ${message}` : plainMentions(message);
      }
      await ack({ response_action: "errors", errors });
      return;
    }
    if (result.kind === "duplicate") {
      await ack({ response_action: "update", view: buildNoticeModal("Report sent", "This report was already sent (the form was submitted twice); compliance has it once.") });
      return;
    }
    await ack({ response_action: "update", view: buildReportSentModal({ reference: result.reference, anonymous: result.anonymous }) });
  } catch (err) {
    await ack({ response_action: "errors", errors: { [BLOCK.report.item]: messageFor(err, services.log, "misuse report", {}) } });
  }
};

export const registrations: ViewRegistration[] = [{ callbackId: CALLBACK.misuseReport, type: "view_submission", listener: handleMisuseReportSubmission }];
