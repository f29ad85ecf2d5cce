// /screening export DD-2026-0007 [pdf|json|csv]: the full record of a screening, for compliance
// approvers, as a file in their DM with the bot (the same record `npm run export` writes; PDF by
// default). Anyone else is told privately that only approvers can export, and the refusal is
// audited. The command is acknowledged at once ("preparing…"); the record is then built, posted
// in the DM (chat.postMessage to the user's ID, which needs only chat:write) and the file shared
// there (files.uploadV2: files.getUploadURLExternal + files.completeUploadExternal, which need
// files:write). A delivered export is recorded in the audit trail.
import type { RespondFn, webApi } from "@slack/bolt";
import { DEFAULT_RETENTION_YEARS } from "../../../domain/records-retention.js";
import { renderExport } from "../../../export/index.js";
import { EXPORT_APPROVERS_ONLY, EXPORT_FORMATS, exportForApprover, isExportFormat, recordSlackExport, type ExportFormat } from "../../../services/records-export.js";
import { ServiceError } from "../../../services/errors.js";
import { describeError } from "../../../log-safe.js";
import { clickMessageFor } from "../../failures.js";
import type { Subcommand } from "./subcommands.js";

export const EXPORT_USAGE = "Which screening? Type `/screening export DD-2026-0007` (the record as a PDF in your DM with the bot), or add `json` or `csv` for those formats.";

export const handleExportCommand: Subcommand = async ({ command, ack, respond, client }, deps, rest) => {
  const { services } = deps;
  const userId = command.user_id;
  const [reference = "", second, ...extra] = rest;
  const format = (second ?? "pdf").toLowerCase();
  if (reference === "" || extra.length > 0) {
    await ack({ response_type: "ephemeral", text: EXPORT_USAGE });
    return;
  }
  if (!isExportFormat(format)) {
    await ack({ response_type: "ephemeral", text: `Unknown format: the record comes as ${EXPORT_FORMATS.join(", ")} (PDF when none is given). Type \`/screening export ${"DD-2026-0007"} csv\`, for instance.` });
    return;
  }
  const isApprover = await deps.approvers.isAnyApprover(userId).catch(() => false);
  const request = { reference, actorId: userId, isApprover, format, retentionYears: services.recordsRetentionYears ?? DEFAULT_RETENTION_YEARS };
  if (!isApprover) {
    // refused (and audited) by the use case, with the same words whether or not the screening exists
    await exportForApprover(services, request).then(
      () => ack({ response_type: "ephemeral", text: EXPORT_APPROVERS_ONLY }),
      (err: unknown) => ack({ response_type: "ephemeral", text: clickMessageFor(err, services.log, "/screening export", { userId }) }),
    );
    return;
  }
  // Acknowledged before the record is built: verifying the whole audit trail can take longer than Slack waits.
  await ack({ response_type: "ephemeral", text: `Preparing the record (${format.toUpperCase()}): it arrives as a file in your DM with the bot.` });
  let exp;
  try {
    exp = await exportForApprover(services, request);
  } catch (err) {
    await tell(respond, clickMessageFor(err, services.log, "/screening export", { userId }));
    return;
  }
  const ref = exp.screenings[0]?.reference ?? reference.toUpperCase();
  try {
    await deliver(client, userId, format, ref, exp);
  } catch (err) {
    services.log.error("/screening export: could not deliver the file", { userId, error: describeError(err) });
    await tell(respond, deliveryFailure(err, ref));
    return;
  }
  try {
    await recordSlackExport(services, exp, { actorId: userId, format });
  } catch (err) {
    services.log.error("/screening export: delivered, but could not record it in the audit trail", { userId, error: describeError(err) });
  }
};

async function deliver(client: webApi.WebClient, userId: string, format: ExportFormat, reference: string, exp: Parameters<typeof renderExport>[0]): Promise<void> {
  const file = await renderExport(exp, format);
  const chain = exp.auditChain.intact ? "The audit trail verified intact when the record was made." : `:warning: ${exp.auditChain.statement}`;
  // A DM is a post to the person's user ID; Slack answers with the DM's channel, where the file goes.
  const intro = await client.chat.postMessage({
    channel: userId,
    text: `The full record of ${reference}, as you asked (${format.toUpperCase()}): every answer with its history, the score and its factors, the decisions and the audit trail. ${chain}`,
  });
  const channel = typeof intro.channel === "string" ? intro.channel : undefined;
  if (!channel) throw new Error("Slack did not say which DM the message went to");
  await client.files.uploadV2({ channel_id: channel, file: file.bytes, filename: file.filename, title: `Due diligence record ${reference}` });
}

function deliveryFailure(err: unknown, reference: string): string {
  const code = slackError(err);
  if (code === "missing_scope" || code === "not_allowed_token_type") {
    return `The record of ${reference} could not be sent: the app may not upload files yet (it needs the files:write scope; ask your Slack admin to reinstall it from manifest.yml). Nothing else changed.`;
  }
  return `The record of ${reference} could not be sent to your DM${code ? ` (Slack said: ${code})` : ""}. Try again in a moment; \`npm run export\` gives the same record from the server.`;
}

function slackError(err: unknown): string | undefined {
  if (err instanceof ServiceError || typeof err !== "object" || err === null) return undefined;
  const data: unknown = Reflect.get(err, "data");
  const code = typeof data === "object" && data !== null ? Reflect.get(data, "error") : undefined;
  return typeof code === "string" && /^[a-z_]{1,60}$/.test(code) ? code : undefined;
}

async function tell(respond: RespondFn, text: string): Promise<void> {
  try {
    await respond({ response_type: "ephemeral", text });
  } catch {
    // The response_url may have expired; the log has it.
  }
}
