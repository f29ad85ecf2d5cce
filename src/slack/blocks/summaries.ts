// Ephemeral replies to /screening: the status of one screening, the list of mine, and usage.
// Pure.
import type { KnownBlock } from "@slack/types";
import type { ScreeningDetail, ScreeningRecord } from "../../domain/records.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { STATUS_LABELS, nextActionFor } from "../../domain/screening.js";
import { approversThisRound } from "../../domain/approval-policy.js";
import type { SummaryValues } from "./home.js";
import {
  decisionText,
  describeSummary,
  factorLine,
  hardStopLine,
  itemToDestination,
  ruleSetVersionText,
  scoreOf,
  summaryFromAnswers,
  tierLabelOf,
} from "./screening-facts.js";
import { LIMITS, escapeMrkdwn, mrkdwn, packLines, plural, safeMrkdwn, slackDate, truncate, userMention, type SlackMessage } from "./text.js";

/** Everything on record about one screening, for its requester or an approver. */
export function buildStatusSummary(args: { ruleSet: RuleSet; detail: ScreeningDetail }): SlackMessage {
  const { ruleSet, detail } = args;
  const { screening: s, escalation } = detail;
  const result = s.scoring;
  const summary = summaryFromAnswers(ruleSet, detail.answers);
  const dash = (v: string | undefined) => (v ? safeMrkdwn(v, 1500) : "—");
  const answered = Object.keys(detail.answers).length;

  const head: KnownBlock[] = [
    { type: "section", text: mrkdwn(`*${escapeMrkdwn(s.reference)}* · ${STATUS_LABELS[s.status]}\n_Next: ${escapeMrkdwn(nextActionFor(s.status))}_`) },
    {
      type: "section",
      fields: [
        mrkdwn(`*Requester*\n${userMention(s.requesterId)}`, LIMITS.field),
        mrkdwn(`*Tier*\n${safeMrkdwn(tierLabelOf(s), 80)}`, LIMITS.field),
        mrkdwn(`*Score*\n${scoreOf(s)}`, LIMITS.field),
        mrkdwn(`*Answers*\n${plural(answered, "answer")} given`, LIMITS.field),
        mrkdwn(`*Item*\n${dash(summary.item)}`, LIMITS.field),
        mrkdwn(`*Destination*\n${dash(summary.destination)}`, LIMITS.field),
        mrkdwn(`*End user*\n${dash(summary.endUser)}`, LIMITS.field),
        mrkdwn(`*Rule set version*\n${ruleSetVersionText(ruleSet, s.ruleSetHash)}`, LIMITS.field),
        mrkdwn(`*Started*\n${slackDate(s.createdAt)}`, LIMITS.field),
        mrkdwn(`*Submitted*\n${s.submittedAt ? slackDate(s.submittedAt) : "—"}`, LIMITS.field),
      ],
    },
  ];

  const scoring: KnownBlock[] = [];
  if (result) {
    if (result.hardStops.length > 0) {
      for (const text of packLines([":no_entry: *Hard stops*", ...result.hardStops.map(hardStopLine)]).slice(0, 3)) scoring.push({ type: "section", text: mrkdwn(text) });
    }
    const groups = result.groups
      .filter((g) => g.raw > 0)
      .map((g) => `${safeMrkdwn(g.label, 80)} ${g.points > 0 ? "+" : ""}${g.points}${g.capped ? ` (capped, ${g.raw} before the cap)` : ""}`);
    const factorLines = result.factors.length > 0 ? result.factors.map((f) => factorLine(ruleSet, f)) : ["none"];
    const chunks = packLines([`*All factors* (${result.factors.length}) · total ${result.total}${groups.length ? ` = ${groups.join(", ")}` : ""}`, ...factorLines]);
    const shown = chunks.slice(0, 12);
    for (const text of shown) scoring.push({ type: "section", text: mrkdwn(text) });
    if (chunks.length > shown.length) scoring.push({ type: "context", elements: [mrkdwn("…more factors than fit here.")] });
    if (result.missing.length > 0) {
      scoring.push({ type: "context", elements: [mrkdwn(`:warning: Scored with ${plural(result.missing.length, "required answer")} missing.`)] });
    }
  }

  const decisionHead: KnownBlock[] = [];
  let decisions: KnownBlock[] = [];
  if (escalation) {
    const approvals = approversThisRound(escalation).length;
    decisionHead.push({
      type: "section",
      text: mrkdwn(
        `*Escalation:* ${escalation.status.replace("_", " ")} · approvals ${Math.min(approvals, escalation.requiredApprovals)} of ${escalation.requiredApprovals}` +
          (escalation.round > 1 ? ` · round ${escalation.round}` : ""),
      ),
    });
    decisions = escalation.decisions.map((d) => ({
      type: "section",
      text: mrkdwn(decisionText(ruleSet, d, { showRound: escalation.round > 1, rationaleMax: 1500 })),
    }));
  }
  const room = LIMITS.messageBlocks - head.length - scoring.length - decisionHead.length;
  if (decisions.length > room) {
    // Keep the newest decisions: they say where the screening stands now.
    const keep = Math.max(0, room - 1);
    const dropped = decisions.length - keep;
    decisions = [{ type: "context", elements: [mrkdwn(`…${plural(dropped, "earlier decision")} not shown.`)] }, ...decisions.slice(decisions.length - keep)];
  }
  const blocks = [...head, ...scoring, ...decisionHead, ...decisions].slice(0, LIMITS.messageBlocks);
  return {
    text: truncate(`${s.reference}: ${STATUS_LABELS[s.status]}, tier ${escapeMrkdwn(tierLabelOf(s))}, score ${scoreOf(s)}`, LIMITS.messageText),
    blocks,
  };
}

export type ListedScreening = ScreeningRecord & SummaryValues;

/** Most screenings one list shows (one line each). */
export const LIST_MAX = 100;

/** The requester's screenings, one line each: reference, status, tier (and item → destination). */
export function buildScreeningList(records: readonly ListedScreening[]): SlackMessage;
export function buildScreeningList(ruleSet: RuleSet | undefined, records: readonly ListedScreening[]): SlackMessage;
export function buildScreeningList(a: RuleSet | undefined | readonly ListedScreening[], b?: readonly ListedScreening[]): SlackMessage {
  const ruleSet = isRecordList(a) ? undefined : a;
  const records = isRecordList(a) ? a : (b ?? []);
  if (records.length === 0) {
    const text = "You have no screenings yet. Start one with `/screening`.";
    return { text, blocks: [{ type: "section", text: mrkdwn(text) }] };
  }
  const shown = records.slice(0, LIST_MAX);
  const lines = shown.map((r) => {
    const route = itemToDestination(describeSummary(ruleSet, r), 200);
    return `*${escapeMrkdwn(r.reference)}* · ${STATUS_LABELS[r.status]} · tier ${safeMrkdwn(tierLabelOf(r), 80)}${route ? ` · ${route}` : ""}`;
  });
  const blocks: KnownBlock[] = [{ type: "section", text: mrkdwn(`*Your screenings* (${records.length})`) }];
  for (const text of packLines(lines).slice(0, LIMITS.messageBlocks - 2)) blocks.push({ type: "section", text: mrkdwn(text) });
  blocks.push({ type: "context", elements: [mrkdwn("`/screening status DD-…` shows one in full · `/screening resume` continues a draft")] });
  return { text: `Your screenings: ${plural(records.length, "screening")}`, blocks };
}

function isRecordList(a: RuleSet | undefined | readonly ListedScreening[]): a is readonly ListedScreening[] {
  return Array.isArray(a);
}

/** The subcommands of /screening, as the contract lists them. */
export const SUBCOMMANDS: ReadonlyArray<{ usage: string; effect: string }> = [
  { usage: "/screening", effect: "start a new screening (same as `/screening new`)" },
  { usage: "/screening new", effect: "start a new screening" },
  { usage: "/screening resume", effect: "reopen your newest unfinished screening at the page where it stopped" },
  { usage: "/screening list", effect: "your screenings: reference, status, tier" },
  { usage: "/screening status REF", effect: "a summary of one screening (REF like DD-2026-0007)" },
  { usage: "/screening help", effect: "this help" },
];

/** Usage of /screening; with `unknown`, it starts by naming the subcommand it did not understand. */
export function usageText(unknown?: string): string {
  const lines = SUBCOMMANDS.map((c) => `• \`${c.usage}\`: ${c.effect}`);
  const head = unknown !== undefined ? `Unknown subcommand "${safeMrkdwn(unknown.replace(/[`\r\n]/g, " "), 40)}".\n` : "";
  return `${head}*Usage of /screening*\n${lines.join("\n")}`;
}
