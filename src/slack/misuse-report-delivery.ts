// The outbox deliveries of misuse reports (src/store/deliveries.ts: sync_misuse_report,
// thread_misuse_review, dm_under_review), rendered at send time from the database as the
// delivery worker renders the others; delivery-worker.ts hands them here. A report's message is
// posted once (its ts stored with it), then updated in place.
import type { webApi } from "@slack/bolt";
import type { MisuseReportRecord } from "../domain/misuse-reports.js";
import type { RuleSet } from "../domain/rule-set.js";
import type { ClaimedDelivery, DeliveryPayload } from "../store/deliveries.js";
import { loadMisuseReport, recordMisuseReportMessage } from "../store/misuse-reports.js";
import type { Sql } from "../store/sql.js";
import type { Logger } from "../log-safe.js";
import { buildMisuseReportMessage, buildMisuseReviewNote, buildUnderReviewDm } from "./blocks/misuse-report-message.js";

/** The message metadata a report's message is posted with. */
export const MISUSE_REPORT_EVENT = "dd_misuse_report";

export type MisuseReportPayload = Extract<DeliveryPayload, { kind: "sync_misuse_report" | "thread_misuse_review" | "dm_under_review" }>;

/** A thread note whose escalation message is not posted yet: tried again shortly (not a failure). */
export class NotPostedYet extends Error {
  constructor() {
    super("escalation message not posted yet");
    this.name = "NotPostedYet";
  }
}

async function requireReport(sql: Sql, reportId: string): Promise<MisuseReportRecord> {
  const loaded = await loadMisuseReport(sql, reportId);
  if (!loaded) throw new Error("misuse report not found");
  return loaded.report;
}

export async function deliverMisuseReport(deps: { client: webApi.WebClient; sql: Sql; ruleSet: RuleSet; log: Logger }, d: ClaimedDelivery, p: MisuseReportPayload): Promise<void> {
  const { client, sql, ruleSet } = deps;
  switch (p.kind) {
    case "sync_misuse_report": {
      const report = await requireReport(sql, p.reportId);
      const message = buildMisuseReportMessage({ ruleSet, report });
      if (report.messageTs !== null) {
        await client.chat.update({ channel: report.channelId, ts: report.messageTs, ...message });
        return;
      }
      const res = await client.chat.postMessage({
        channel: report.channelId,
        ...message,
        metadata: { event_type: MISUSE_REPORT_EVENT, event_payload: { reference: report.reference, report_id: report.id, delivery_id: d.id } },
        unfurl_links: false,
        unfurl_media: false,
      });
      if (res.ts && !(await recordMisuseReportMessage(sql, report.id, res.ts))) {
        deps.log.warn("the misuse report already had a message; the one just posted was not recorded", { delivery: d.id, reportId: report.id });
      }
      return;
    }
    case "thread_misuse_review": {
      const detail = d.detail;
      const escalation = detail?.escalation;
      if (!detail || !escalation || escalation.id !== p.escalationId) throw new Error("escalation not found");
      if (escalation.messageTs === null) throw new NotPostedYet();
      const report = await requireReport(sql, p.reportId);
      const note = buildMisuseReviewNote({ ruleSet, report, reference: detail.screening.reference, reopened: p.reopened, by: p.by });
      await client.chat.postMessage({ channel: escalation.channelId, thread_ts: escalation.messageTs, ...note, unfurl_links: false, unfurl_media: false });
      return;
    }
    case "dm_under_review": {
      const detail = d.detail;
      if (!detail) throw new Error("screening not found");
      const report = await requireReport(sql, p.reportId);
      await client.chat.postMessage({ channel: detail.screening.requesterId, ...buildUnderReviewDm({ ruleSet, detail, report, reopened: p.reopened }) });
      return;
    }
  }
}

