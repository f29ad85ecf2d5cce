// Ephemeral replies to /screening: the status of one screening, the list of mine, and usage.
// Pure.
import type { KnownBlock } from "@slack/types";
import type { ScreeningDetail, ScreeningRecord } from "../../domain/records.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { STATUS_LABELS, nextActionFor } from "../../domain/screening.js";
import { approversThisRound, hasHardStop } from "../../domain/approval-policy.js";
import type { SummaryValues } from "./home.js";
import { topFactors } from "../../domain/scoring.js";
import { ACTION, BLOCK } from "../ids.js";
import {
  authorisationLines,
  describeSummary,
  itemToDestination,
  plainFactorLine,
  plainHardStopLine,
  scoreOf,
  summaryFromAnswers,
  tierLabelOf,
} from "./screening-facts.js";
import { screeningButton } from "./screening-buttons.js";
import { LIMITS, escapeMrkdwn, mrkdwn, packLines, plainText, plural, safeMrkdwn, truncate, userMention, type SlackMessage } from "./text.js";

/** Factors the status summary lists; Details shows them all. */
export const STATUS_TOP_FACTORS = 3;

/**
 * One screening in short, for its requester or an approver: where it stands, what it is about,
 * and what weighs most, with Details for every answer, the reference data and all factors.
 */
export function buildStatusSummary(args: { ruleSet: RuleSet; detail: ScreeningDetail }): SlackMessage {
  const { ruleSet, detail } = args;
  const { screening: s, escalation } = detail;
  const result = s.scoring;
  const summary = summaryFromAnswers(ruleSet, detail.answers);
  const route = itemToDestination(summary, 1500);

  const blocks: KnownBlock[] = [
    { type: "section", text: mrkdwn(`*${escapeMrkdwn(s.reference)}* · ${STATUS_LABELS[s.status]}\n_Next: ${escapeMrkdwn(nextActionFor(s.status))}_`) },
    {
      type: "section",
      fields: [
        mrkdwn(`*Tier*\n${safeMrkdwn(tierLabelOf(s), 80)}`, LIMITS.field),
        mrkdwn(`*Score*\n${scoreOf(s)}`, LIMITS.field),
        mrkdwn(`*Item → destination*\n${route || "—"}`, LIMITS.field),
        mrkdwn(`*End user*\n${summary.endUser ? safeMrkdwn(summary.endUser, 1500) : "—"}`, LIMITS.field),
        mrkdwn(`*Requester*\n${userMention(s.requesterId)}`, LIMITS.field),
      ],
    },
  ];
  if (escalation) {
    const approvals = Math.min(approversThisRound(escalation, { hardStop: hasHardStop(s) }).length, escalation.requiredApprovals);
    const round = escalation.round > 1 ? ` · round ${escalation.round}` : "";
    blocks.push({ type: "context", elements: [mrkdwn(`Compliance: approvals ${approvals} of ${escalation.requiredApprovals}${round} · ${plural(escalation.decisions.length, "decision")} on record`)] });
    const authorisations = authorisationLines(escalation);
    if (authorisations.length > 0) {
      const text = packLines(["*Licences and authorisations* the approvals were given under", ...authorisations])[0] ?? "";
      blocks.push({ type: "section", text: mrkdwn(text) });
    }
  }
  if (result) {
    const lines: string[] = [];
    if (result.hardStops.length > 0) lines.push(`:no_entry: *Hard stops* (${result.hardStops.length})`, ...result.hardStops.map(plainHardStopLine));
    const top = topFactors(result, STATUS_TOP_FACTORS);
    if (top.length > 0) lines.push(`*Top factors* (${top.length} of ${result.factors.length})`, ...top.map(plainFactorLine));
    else lines.push("*Factors:* none");
    for (const text of packLines(lines).slice(0, 2)) blocks.push({ type: "section", text: mrkdwn(text) });
  }
  blocks.push(
    { type: "actions", block_id: BLOCK.statusActions, elements: [{ type: "button", action_id: ACTION.viewAnswers, text: plainText("Details", LIMITS.button), value: s.id }] },
    { type: "context", elements: [mrkdwn("*Details*: every answer, the reference data and all factors with their sources")] },
  );
  return {
    text: truncate(`${s.reference}: ${STATUS_LABELS[s.status]}, tier ${escapeMrkdwn(tierLabelOf(s))}, score ${scoreOf(s)}`, LIMITS.messageText),
    blocks,
  };
}

export type ListedScreening = ScreeningRecord & SummaryValues;

/** Most screenings one list shows: one section each, with the heading and two notes, in a message's 50 blocks. */
export const LIST_MAX = LIMITS.messageBlocks - 3;

/**
 * The requester's screenings, one section each: reference, status, tier (and item → destination),
 * with Resume (still editable) or View (submitted).
 */
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
  const blocks: KnownBlock[] = [{ type: "section", text: mrkdwn(`*Your screenings* (${records.length})`) }];
  shown.forEach((r, i) => {
    const route = itemToDestination(describeSummary(ruleSet, r), 200);
    blocks.push({
      type: "section",
      // The position keeps block ids unique even if a record were listed twice.
      block_id: `list:${i}:${r.id}`.slice(0, LIMITS.blockId),
      text: mrkdwn(`*${escapeMrkdwn(r.reference)}* · ${STATUS_LABELS[r.status]} · tier ${safeMrkdwn(tierLabelOf(r), 80)}${route ? ` · ${route}` : ""}`),
      accessory: screeningButton(r),
    });
  });
  if (records.length > shown.length) {
    blocks.push({ type: "context", elements: [mrkdwn(`…and ${records.length - shown.length} older ones: \`/screening status DD-…\` shows any of them.`)] });
  }
  blocks.push({ type: "context", elements: [mrkdwn("*Resume* continues a screening you can still change · *View* shows a submitted one in full")] });
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
  { usage: "/screening renew REF", effect: "re-screen REF before its renewal: a new screening prefilled with its answers" },
  { usage: "/screening report", effect: "report suspected misuse of something we sold (anyone; you may stay anonymous if allowed)" },
  { usage: "/screening export REF", effect: "approvers: the full record of REF as a file in a DM (PDF; add `json` or `csv` for those)" },
  { usage: "/screening help", effect: "this help" },
];

/** Usage of /screening; with `unknown`, it starts by naming the subcommand it did not understand. */
export function usageText(unknown?: string): string {
  const lines = SUBCOMMANDS.map((c) => `• \`${c.usage}\`: ${c.effect}`);
  const head = unknown !== undefined ? `Unknown subcommand "${safeMrkdwn(unknown.replace(/[`\r\n]/g, " "), 40)}".\n` : "";
  return `${head}*Usage of /screening*\n${lines.join("\n")}`;
}
