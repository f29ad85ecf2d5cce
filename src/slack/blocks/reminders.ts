// Reminders (src/domain/reminders.ts) as Slack messages: the requester's DM about a draft left
// untouched (with Resume), the reply in an escalation's thread and the DM to each approver who
// has not decided, and the daily digest in the compliance channel. Pure.
import type { KnownBlock } from "@slack/types";
import { approversThisRound, hasHardStop } from "../../domain/approval-policy.js";
import type { ScreeningDetail } from "../../domain/records.js";
import { formatWait, type DigestItem } from "../../domain/reminders.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { viewAnswersButton } from "./escalation-message.js";
import { screeningButton } from "./screening-buttons.js";
import { itemToDestination, summaryFromAnswers, tierLabelOf } from "./screening-facts.js";
import { LIMITS, escapeMrkdwn, mrkdwn, packLines, safeMrkdwn, slackDate, truncate, userMention, type SlackMessage } from "./text.js";

/** The requester's screening has waited on them: a draft to finish, or compliance's question to answer. */
export function buildDraftReminderDm(args: { ruleSet: RuleSet; detail: ScreeningDetail; untouchedMs: number }): SlackMessage {
  const { detail } = args;
  const s = detail.screening;
  const ref = escapeMrkdwn(s.reference);
  const route = itemToDestination(summaryFromAnswers(args.ruleSet, detail.answers));
  const waited = formatWait(args.untouchedMs);
  const infoRequested = detail.escalation?.status === "info_requested";
  const headline = infoRequested
    ? `:bell: *Compliance is still waiting for your answer on ${ref}.* It asked for more information ${waited} ago; the deal cannot go ahead until you reply or resubmit.`
    : `:bell: *Your screening ${ref} is still a draft.* Nobody has touched it for ${waited}; the deal cannot go ahead until it is submitted.`;
  const next = infoRequested
    ? "Press *Resume* to change your answers and submit again, or reply from the message in which compliance asked."
    : "Press *Resume* to continue where you stopped (or type `/screening resume`).";
  const blocks: KnownBlock[] = [
    { type: "section", text: mrkdwn(`${headline}${route ? `\n${route}` : ""}\n${next}`), accessory: screeningButton(s) },
    { type: "context", elements: [mrkdwn(truncate(`Last change ${slackDate(s.updatedAt)} · \`/screening status ${ref}\` shows the record.`, 300))] },
  ];
  return {
    text: infoRequested
      ? `Compliance is still waiting for your answer on ${s.reference}.`
      : `Your screening ${s.reference} is still a draft, untouched for ${waited}. Press Resume to continue.`,
    blocks,
  };
}

/** In the escalation's thread: it has waited this long for a decision. */
export function buildEscalationReminderReply(args: { ruleSet: RuleSet; detail: ScreeningDetail; waitingMs: number; notified: number }): SlackMessage {
  const { detail } = args;
  const s = detail.screening;
  const e = detail.escalation;
  const ref = escapeMrkdwn(s.reference);
  const waited = formatWait(args.waitingMs);
  const approvals = e ? Math.min(approversThisRound(e, { hardStop: hasHardStop(s) }).length, e.requiredApprovals) : 0;
  const required = e?.requiredApprovals ?? 1;
  const told =
    args.notified === 0
      ? ""
      : ` The ${args.notified === 1 ? "approver who has" : `${args.notified} approvers who have`} not decided yet ${args.notified === 1 ? "was" : "were"} sent a direct message.`;
  const text = `:alarm_clock: *${ref} has waited ${waited} for a decision* (approvals ${approvals} of ${required}${e && e.round > 1 ? `, round ${e.round}` : ""}).${told}`;
  return { text: `${s.reference} has waited ${waited} for a decision.`, blocks: [{ type: "section", text: mrkdwn(text) }] };
}

/** To one approver who has not decided: what waits, since when, and where to decide. */
export function buildApproverReminderDm(args: { ruleSet: RuleSet; detail: ScreeningDetail; waitingMs: number }): SlackMessage {
  const { detail } = args;
  const s = detail.screening;
  const e = detail.escalation;
  const ref = escapeMrkdwn(s.reference);
  const waited = formatWait(args.waitingMs);
  const route = itemToDestination(summaryFromAnswers(args.ruleSet, detail.answers));
  const approvals = e ? Math.min(approversThisRound(e, { hardStop: hasHardStop(s) }).length, e.requiredApprovals) : 0;
  const where = e ? `<#${e.channelId}>` : "the compliance channel";
  const lines = [
    `:alarm_clock: *${ref} has waited ${waited} for your decision.* Tier *${safeMrkdwn(tierLabelOf(s), 80)}*, requested by ${userMention(s.requesterId)}; approvals ${approvals} of ${e?.requiredApprovals ?? 1}.`,
    ...(route ? [route] : []),
    `Decide with the buttons on its message in ${where}; *View answers* shows everything the requester answered.`,
  ];
  return {
    text: `${s.reference} has waited ${waited} for your decision.`,
    blocks: [
      { type: "section", text: mrkdwn(lines.join("\n")) },
      { type: "actions", elements: [viewAnswersButton(s.id)] },
    ],
  };
}

/** The daily digest: everything waiting, oldest first. */
export function buildReminderDigest(args: { ruleSet: RuleSet; day: string; items: readonly DigestItem[]; more: number }): SlackMessage {
  const decisions = args.items.filter((i) => i.waitingOn === "decision");
  const requesters = args.items.filter((i) => i.waitingOn === "requester");
  const tierLabel = (id: string | null) => (id === null ? "—" : (args.ruleSet.riskModel.tiers.find((t) => t.id === id)?.label ?? id));
  const lines: string[] = [];
  if (decisions.length > 0) {
    lines.push(`*Waiting for a decision* (${decisions.length})`);
    for (const i of decisions) {
      lines.push(
        `• *${escapeMrkdwn(i.reference)}* · ${safeMrkdwn(tierLabel(i.tier), 80)} · waiting ${formatWait(i.waitingMs)} · approvals ${Math.min(i.approvals, i.requiredApprovals)} of ${i.requiredApprovals} · requested by ${userMention(i.requesterId)}`,
      );
    }
  }
  if (requesters.length > 0) {
    lines.push(`*Waiting for the requester's information* (${requesters.length})`);
    for (const i of requesters) lines.push(`• *${escapeMrkdwn(i.reference)}* · asked ${formatWait(i.waitingMs)} ago · ${userMention(i.requesterId)}`);
  }
  if (args.more > 0) lines.push(`…and ${args.more} more: each approver's Home tab lists what waits for them.`);
  const total = args.items.length + args.more;
  const blocks: KnownBlock[] = [
    { type: "section", text: mrkdwn(`:spiral_calendar_pad: *Daily digest, ${escapeMrkdwn(args.day)}:* ${total === 1 ? "1 screening is" : `${total} screenings are`} waiting.`) },
    ...packLines(lines)
      .slice(0, LIMITS.messageBlocks - 2)
      .map((text): KnownBlock => ({ type: "section", text: mrkdwn(text) })),
    { type: "context", elements: [mrkdwn("`/screening status REF` shows a screening's record; decide on its message in this channel.")] },
  ];
  return { text: `Daily digest ${args.day}: ${total} waiting.`, blocks };
}
