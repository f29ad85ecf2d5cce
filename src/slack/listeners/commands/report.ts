// `/screening report [DD-…]`: opens the misuse-report form, for anyone in the workspace. The form
// needs nothing from the database (the country list is the rules'), so it opens at once, within
// the trigger id's few seconds; a reference typed after `report` is filled in.
import { REFERENCE_PATTERN } from "../../../domain/screening.js";
import { describeError } from "../../../log-safe.js";
import { anonymityPolicy } from "../../../services/misuse-reports.js";
import { buildMisuseReportModal } from "../../blocks/misuse-report-modal.js";
import { reportFormMetadata } from "../../parse/misuse-report.js";
import type { Subcommand } from "./subcommands.js";

export const NOT_OPENED = "Slack did not open the report form (the request had expired or was already used), so nothing was sent. Type `/screening report` again.";

export const handleReportCommand: Subcommand = async ({ command, ack, respond, client }, deps, rest) => {
  const { services } = deps;
  await ack();
  const typed = (rest[0] ?? "").toUpperCase();
  try {
    await client.views.open({
      trigger_id: command.trigger_id,
      view: buildMisuseReportModal({
        ruleSet: services.ruleSet,
        anonymousAllowed: anonymityPolicy(services) === "allowed",
        metadata: reportFormMetadata({ via: "command" }),
        prefill: REFERENCE_PATTERN.test(typed) ? { screening: typed } : undefined,
      }),
    });
  } catch (err) {
    services.log.warn("views.open failed", { context: "/screening report", error: describeError(err) });
    await respond({ response_type: "ephemeral", text: NOT_OPENED }).catch(() => undefined);
  }
};
