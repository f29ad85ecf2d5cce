// What Slack hands back from the misuse-report surfaces, read once here: the report form's
// metadata and state, the report id on its buttons and in the close form. Never throws: what is
// not ours is null (the listener says so and records it).
import { z } from "zod";
import type { ReportInput } from "../../domain/misuse-reports.js";
import { ANONYMOUS_OPTION } from "../blocks/misuse-report-modal.js";
import { BLOCK, ACTION } from "../ids.js";
import { elementState } from "./state.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where the report form was opened from: the command, or the shortcut on a message. */
export interface ReportFormMetadata {
  via: "command" | "shortcut";
  source?: { channelId: string; messageTs: string } | undefined;
}

const SlackChannelId = z.string().regex(/^[CGD][A-Z0-9]{2,30}$/);
const MessageTs = z.string().regex(/^\d{1,12}\.\d{1,8}$/);

const ReportMetadataSchema = z.strictObject({
  f: z.literal("mr1"),
  via: z.enum(["command", "shortcut"]),
  c: SlackChannelId.optional(),
  t: MessageTs.optional(),
});

export function reportFormMetadata(meta: ReportFormMetadata): string {
  return JSON.stringify({ f: "mr1", via: meta.via, ...(meta.source ? { c: meta.source.channelId, t: meta.source.messageTs } : {}) });
}

export function parseReportFormMetadata(raw: unknown): ReportFormMetadata | null {
  if (typeof raw !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = ReportMetadataSchema.safeParse(value);
  if (!parsed.success) return null;
  const { via, c, t } = parsed.data;
  return { via, ...(c && t ? { source: { channelId: c, messageTs: t } } : {}) };
}

/** The report form as typed; a field left empty (or not on the form) is undefined. */
export function parseReportState(values: unknown): ReportInput {
  const text = (block: string): string | undefined => {
    const v = elementState(values, block, ACTION.reportField)?.value;
    return typeof v === "string" ? v : undefined;
  };
  const country = elementState(values, BLOCK.report.country, ACTION.reportField)?.selected_option?.value;
  const anonymous = elementState(values, BLOCK.report.anonymous, ACTION.reportField)?.selected_options;
  return {
    item: text(BLOCK.report.item),
    parties: text(BLOCK.report.parties),
    country: country ?? undefined,
    happened: text(BLOCK.report.happened),
    evidence: text(BLOCK.report.evidence),
    screening: text(BLOCK.report.screening),
    anonymous: anonymous ? anonymous.some((o) => o.value === ANONYMOUS_OPTION) : undefined,
  };
}

/** The report a button names, or null. */
export function buttonReportId(value: unknown): string | null {
  return typeof value === "string" && UUID.test(value) ? value.toLowerCase() : null;
}

const CloseMetadataSchema = z.strictObject({ r: z.string().regex(UUID) });

export function parseReportCloseMetadata(raw: unknown): { reportId: string } | null {
  if (typeof raw !== "string") return null;
  try {
    const parsed = CloseMetadataSchema.safeParse(JSON.parse(raw));
    return parsed.success ? { reportId: parsed.data.r.toLowerCase() } : null;
  } catch {
    return null;
  }
}

/** The rationale typed in Close with rationale (undefined when empty). */
export function parseReportRationale(values: unknown): string | undefined {
  const v = elementState(values, BLOCK.reportRationale, ACTION.reportField)?.value;
  return typeof v === "string" ? v : undefined;
}
