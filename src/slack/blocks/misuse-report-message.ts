// A misuse report as compliance sees it in their channel (its own message, updated in place as
// approvers act on it), the note in the thread of each screening it puts under review, and the
// DM to that screening's requester. Pure. Everything the reporter typed is escaped; an anonymous
// report names nobody.
import type { KnownBlock } from "@slack/types";
import { REPORT_ACTION_LABELS, REPORT_STATUS_LABELS, type MisuseReportRecord, type ReportAction, type ReviewedScreening } from "../../domain/misuse-reports.js";
import type { ScreeningDetail } from "../../domain/records.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { STATUS_LABELS } from "../../domain/screening.js";
import { ACTION, BLOCK } from "../ids.js";
import { quoteLines, summaryFromAnswers } from "./screening-facts.js";
import { LIMITS, type SlackMessage, escapeMrkdwn, mrkdwn, packLines, plainText, safeMrkdwn, slackDate, truncate, userMention } from "./text.js";

/** What the channel shows for the reporter of an anonymous report. */
export const ANONYMOUS_REPORTER = "Anonymous";

export function countryName(ruleSet: RuleSet, code: string): string {
  return ruleSet.countries.find((c) => c.code === code)?.name ?? code;
}

/** The buttons a report offers in its status (none once closed). */
export function reportActionsFor(status: MisuseReportRecord["status"]): ReportAction[] {
  switch (status) {
    case "open":
      return ["acknowledge", "reassess", "close"];
    case "acknowledged":
      return ["reassess", "close"];
    case "reassessment":
      return ["close"];
    case "closed":
      return [];
  }
}

function reviewedLine(r: ReviewedScreening): string {
  const why = r.matchedOn === "reference" ? "named in the report" : "same end user";
  return `• *${escapeMrkdwn(r.reference)}* (${why}): ${STATUS_LABELS[r.previousStatus]} → ${r.previousStatus === "approved" || r.previousStatus === "cleared" ? "back with compliance for a new decision" : "report noted in its escalation"}`;
}

export function buildMisuseReportMessage(args: { ruleSet: RuleSet; report: MisuseReportRecord }): SlackMessage {
  const { ruleSet, report } = args;
  const ref = escapeMrkdwn(report.reference);
  const reporter = report.anonymous || !report.reporterId ? `_${ANONYMOUS_REPORTER}_` : userMention(report.reporterId);
  const blocks: KnownBlock[] = [
    { type: "header", text: plainText(`Misuse report ${report.reference}`, LIMITS.header) },
    {
      type: "section",
      fields: [
        mrkdwn(`*Reported by*\n${reporter}`, LIMITS.field),
        mrkdwn(`*Received*\n${slackDate(report.createdAt)}`, LIMITS.field),
        mrkdwn(`*What was sold*\n${safeMrkdwn(report.item, 1500)}`, LIMITS.field),
        mrkdwn(`*Who*\n${safeMrkdwn(report.parties, 1500)}`, LIMITS.field),
        mrkdwn(`*Where*\n${safeMrkdwn(countryName(ruleSet, report.country), 200)}`, LIMITS.field),
        mrkdwn(`*Screening*\n${report.screeningReference ? `${escapeMrkdwn(report.screeningReference)} · \`/screening status ${escapeMrkdwn(report.screeningReference)}\`` : "not named"}`, LIMITS.field),
      ],
    },
  ];
  for (const text of packLines(["*What happened*", `>${quoteLines(safeMrkdwn(report.happened, 2800))}`]).slice(0, 2)) blocks.push({ type: "section", text: mrkdwn(text) });
  // Each link shortened for the message (the report keeps it whole); every one is shown.
  const evidence = report.evidence.map((url) => `• ${safeMrkdwn(url, 280)}`);
  // An anonymous report keeps no source (it could say who sent it); the check stays for old rows.
  if (report.source && !report.anonymous && /^[CGD][A-Z0-9]{2,}$/.test(report.source.channelId)) evidence.push(`• reported from a Slack message in <#${report.source.channelId}>`);
  const evidenceLines = evidence.length > 0 ? [`*Evidence* (${report.evidence.length} ${report.evidence.length === 1 ? "link" : "links"})`, ...evidence] : ["*Evidence*: none given"];
  for (const text of packLines(evidenceLines).slice(0, 3)) blocks.push({ type: "section", text: mrkdwn(text) });

  blocks.push({ type: "divider" });
  const history: string[] = [`*Status:* ${REPORT_STATUS_LABELS[report.status]}`];
  if (report.acknowledged) history.push(`:eyes: Acknowledged by ${userMention(report.acknowledged.by)} ${slackDate(report.acknowledged.at)}`);
  if (report.reassessment) {
    const { reviewed } = report.reassessment;
    history.push(`:mag: Reassessment opened by ${userMention(report.reassessment.by)} ${slackDate(report.reassessment.at)}: ${reviewed.length === 0 ? "no screening could be put under review (none named, none with the same end user that was cleared, approved or with compliance)" : `${reviewed.length} ${reviewed.length === 1 ? "screening" : "screenings"} under review, their requesters told`}`);
    for (const r of reviewed.slice(0, 20)) history.push(reviewedLine(r));
    if (reviewed.length > 20) history.push(`…and ${reviewed.length - 20} more`);
  }
  for (const text of packLines(history).slice(0, 2)) blocks.push({ type: "section", text: mrkdwn(text) });
  if (report.closed) {
    // its own section: however long the history, the rationale is shown
    const closed = [`:white_check_mark: Closed by ${userMention(report.closed.by)} ${slackDate(report.closed.at)}`, `>${quoteLines(safeMrkdwn(report.closed.rationale, 2500))}`];
    blocks.push({ type: "section", text: mrkdwn(closed.join("\n")) });
  }

  const actions = reportActionsFor(report.status);
  if (actions.length > 0) {
    blocks.push({
      type: "actions",
      block_id: BLOCK.reportActions,
      elements: actions.map((a) => ({
        type: "button",
        action_id: ACTION.report[a],
        text: plainText(REPORT_ACTION_LABELS[a], LIMITS.button),
        value: report.id,
        ...(a === "reassess"
          ? {
              style: "danger" as const,
              confirm: {
                title: plainText("Open reassessment?", 100),
                text: mrkdwn(`The screening ${report.screeningReference ? escapeMrkdwn(report.screeningReference) : "named in the report"} and every other with the same end user go back under review, and their requesters are told.`),
                confirm: plainText("Open reassessment", 30),
                deny: plainText("Cancel", 30),
              },
            }
          : a === "acknowledge"
            ? { style: "primary" as const }
            : {}),
      })),
    });
  } else {
    blocks.push({ type: "context", elements: [mrkdwn("Closed: nothing more to do on this report. Screenings it put under review are decided on their own messages.")] });
  }
  return {
    text: truncate(`Misuse report ${ref}: ${REPORT_STATUS_LABELS[report.status]}`, LIMITS.messageText),
    blocks: blocks.slice(0, LIMITS.messageBlocks),
  };
}

/** In the thread of a screening's escalation: a misuse report put it under review. */
export function buildMisuseReviewNote(args: { ruleSet: RuleSet; report: MisuseReportRecord; reference: string; reopened: boolean; by: string | null }): SlackMessage {
  const { report } = args;
  const by = args.by ? ` by ${userMention(args.by)}` : "";
  const what = args.reopened
    ? "It is back with compliance for a new decision: approvals given before no longer count."
    : "Compliance holds it already: take the report into account in the decision.";
  const lines = [
    `:mag: *Under review:* misuse report *${escapeMrkdwn(report.reference)}*${by} concerns this screening's end user. ${what}`,
    `*Reported:* ${safeMrkdwn(report.parties, 300)} · ${safeMrkdwn(countryName(args.ruleSet, report.country), 100)} · ${safeMrkdwn(report.item, 300)}`,
    `>${quoteLines(safeMrkdwn(report.happened, 1500))}`,
  ];
  return {
    text: truncate(`${escapeMrkdwn(args.reference)} is under review after misuse report ${escapeMrkdwn(report.reference)}`, LIMITS.messageText),
    blocks: packLines(lines).slice(0, 3).map((text) => ({ type: "section", text: mrkdwn(text) })),
  };
}

/** To the requester of a screening put under review. The report's content stays with compliance. */
export function buildUnderReviewDm(args: { ruleSet: RuleSet; detail: ScreeningDetail; report: MisuseReportRecord; reopened: boolean }): SlackMessage {
  const { detail, report } = args;
  const ref = escapeMrkdwn(detail.screening.reference);
  const summary = summaryFromAnswers(args.ruleSet, detail.answers);
  const endUser = summary.endUser ? ` (end user: ${safeMrkdwn(summary.endUser, 200)})` : "";
  const body = args.reopened
    ? `Compliance received a report of possible misuse (${escapeMrkdwn(report.reference)}) concerning the end user of your screening *${ref}*${endUser}, and has put it *under review*: it is back with compliance for a new decision.\n` +
      "*Until compliance decides again, do not ship, deliver, update or support anything further under it*, and do not start a new deal with this customer. You will get a DM with the decision. `/screening status " +
      `${ref}\` shows where it stands.`
    : `Compliance received a report of possible misuse (${escapeMrkdwn(report.reference)}) concerning the end user of your screening *${ref}*${endUser}, which they are reviewing already. They will take it into account in their decision; you will get a DM with it.`;
  return {
    text: truncate(`${ref} is under review after a misuse report`, LIMITS.messageText),
    blocks: [{ type: "section", text: mrkdwn(body) }],
  };
}
