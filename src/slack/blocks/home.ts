// The App Home tab: start a screening; what is due (reviews coming up, drafts to finish with how
// long they have been left, and for approvers the decisions waiting with how long); my screenings
// with what to do next (and a Resume or View button); and for approvers the escalations waiting
// for their decision, each linked to its message in the compliance channel when its permalink is
// known. Pure.
import type { HomeView, KnownBlock, SectionBlock } from "@slack/types";
import type { EscalationRecord, ScreeningRecord } from "../../domain/records.js";
import type { AnswerValue, RuleSet } from "../../domain/rule-set.js";
import { STATUS_LABELS, isEditable, nextActionFor } from "../../domain/screening.js";
import { approversThisRound } from "../../domain/approval-policy.js";
import { formatWait } from "../../domain/reminders.js";
import { ACTION } from "../ids.js";
import { screeningButton } from "./screening-buttons.js";
import { describeSummary, itemToDestination, scoreOf, tierLabelOf } from "./screening-facts.js";
import { LIMITS, escapeMrkdwn, mrkdwn, plainText, safeMrkdwn, slackDate, userMention } from "./text.js";

/** Summary answers: raw stored values (described with the rule set) or already-readable text. */
export interface SummaryValues {
  item?: AnswerValue | undefined;
  destination?: AnswerValue | undefined;
  endUser?: AnswerValue | undefined;
}

export type HomeScreening = ScreeningRecord & SummaryValues;

export interface HomeViewArgs {
  /** describes summary answers (option labels, country names); without it they show as stored */
  ruleSet?: RuleSet | undefined;
  userId: string;
  mine: HomeScreening[];
  /**
   * null: the user is not an approver. `permalink`: the escalation message's link
   * (chat.getPermalink); without one the entry is shown unlinked.
   */
  awaiting: Array<{ screening: HomeScreening; escalation: EscalationRecord; permalink?: string | undefined } & SummaryValues> | null;
  /** the time as the bot sees it: how long drafts have been left and decisions have waited (without it, no durations) */
  now?: Date | undefined;
  /** the person's decided screenings whose review (re-screening before renewal) comes up or is overdue, soonest first */
  reviews?: readonly HomeReview[] | undefined;
}

export interface HomeReview {
  screeningId: string;
  reference: string;
  reviewDueAt: Date;
}

/** Entries listed per kind in "What is due"; the rest are counted (the lists below show them). */
export const HOME_DUE_MAX = 8;

/** Longest list shown per section; the rest is counted. */
export const HOME_LIST_MAX = 20;

export const HOME_START_BLOCK = "home_start";

export function buildHomeView(args: HomeViewArgs): HomeView {
  const { ruleSet } = args;
  const blocks: KnownBlock[] = [
    { type: "header", text: plainText("Export due diligence", LIMITS.header) },
    {
      type: "section",
      text: mrkdwn(
        `Hi ${userMention(args.userId)}. Screen a deal for human-rights risk before you quote, ship or apply for a licence: answer a short questionnaire; low-risk screenings clear at once, the rest go to compliance.`,
      ),
    },
    {
      type: "actions",
      block_id: HOME_START_BLOCK,
      elements: [{ type: "button", action_id: ACTION.start, text: plainText("New screening", LIMITS.button), style: "primary", value: "new" }],
    },
    ...dueBlocks(args),
    { type: "divider" },
    { type: "header", text: plainText("Your screenings", LIMITS.header) },
  ];

  if (args.mine.length === 0) {
    blocks.push({ type: "section", text: mrkdwn("You have no screenings yet. Press *New screening* or type `/screening`.") });
  }
  args.mine.slice(0, HOME_LIST_MAX).forEach((s, i) => blocks.push(myScreeningBlock(ruleSet, s, i)));
  if (args.mine.length > HOME_LIST_MAX) {
    blocks.push({ type: "context", elements: [mrkdwn(`…and ${args.mine.length - HOME_LIST_MAX} more: \`/screening list\` shows them.`)] });
  }

  if (args.awaiting !== null) {
    blocks.push({ type: "divider" }, { type: "header", text: plainText("Waiting for your decision", LIMITS.header) });
    if (args.awaiting.length === 0) blocks.push({ type: "section", text: mrkdwn("Nothing is waiting for your decision.") });
    args.awaiting.slice(0, HOME_LIST_MAX).forEach((entry, i) => {
      const summary = describeSummary(ruleSet, {
        item: entry.item ?? entry.screening.item,
        destination: entry.destination ?? entry.screening.destination,
      });
      blocks.push(awaitingBlock(entry.screening, entry.escalation, itemToDestination(summary), i, entry.permalink, args.now));
    });
    if (args.awaiting.length > HOME_LIST_MAX) {
      blocks.push({ type: "context", elements: [mrkdwn(`…and ${args.awaiting.length - HOME_LIST_MAX} more in the compliance channel.`)] });
    }
    if (args.awaiting.length > 0) {
      blocks.push({ type: "context", elements: [mrkdwn("Decide with the buttons on each screening's message in the compliance channel.")] });
    }
  }

  blocks.push({ type: "context", elements: [mrkdwn("`/screening help` lists the commands.")] });
  return { type: "home", blocks: blocks.slice(0, LIMITS.homeBlocks) };
}

// Block ids carry the list position so that they stay unique even if a record is listed twice.
function myScreeningBlock(ruleSet: RuleSet | undefined, s: HomeScreening, index: number): SectionBlock {
  const route = itemToDestination(describeSummary(ruleSet, s));
  const lines = [
    `*${escapeMrkdwn(s.reference)}* · ${STATUS_LABELS[s.status]} · tier ${safeMrkdwn(tierLabelOf(s), 80)}`,
    ...(route ? [route] : []),
    `_Next: ${escapeMrkdwn(nextActionFor(s.status))}_`,
  ];
  return { type: "section", block_id: `mine:${index}:${s.id}`.slice(0, LIMITS.blockId), text: mrkdwn(lines.join("\n")), accessory: screeningButton(s) };
}

function awaitingBlock(s: ScreeningRecord, e: EscalationRecord, route: string, index: number, permalink: string | undefined, now: Date | undefined): SectionBlock {
  const approvals = approversThisRound(e).length;
  const waited = now ? ` · waiting ${formatWait(now.getTime() - waitingSince(s, e).getTime())}` : "";
  const reference = permalink && isSafeLink(permalink) ? `<${permalink}|${escapeMrkdwn(s.reference)}>` : escapeMrkdwn(s.reference);
  const lines = [
    `*${reference}* · tier ${safeMrkdwn(tierLabelOf(s), 80)} · score ${scoreOf(s)} · requested by ${userMention(s.requesterId)}`,
    ...(route ? [route] : []),
    `Approvals ${Math.min(approvals, e.requiredApprovals)} of ${e.requiredApprovals}${e.round > 1 ? ` · round ${e.round}` : ""} · escalated ${slackDate(e.createdAt)}${waited}`,
  ];
  return {
    type: "section",
    block_id: `awaiting:${index}:${e.id}`.slice(0, LIMITS.blockId),
    text: mrkdwn(lines.join("\n")),
    accessory: screeningButton(s),
  };
}

/** "What is due": reviews coming up, drafts to finish, and (approvers) decisions waiting, each with how long. */
function dueBlocks(args: HomeViewArgs): KnownBlock[] {
  const now = args.now;
  const sections: string[] = [];
  const more = (n: number) => (n > HOME_DUE_MAX ? [`…and ${n - HOME_DUE_MAX} more.`] : []);

  const reviews = args.reviews ?? [];
  if (reviews.length > 0) {
    const lines = reviews.slice(0, HOME_DUE_MAX).map((r) => `• *${escapeMrkdwn(r.reference)}* · review due ${slackDate(r.reviewDueAt)}${now ? ` (${reviewTiming(r.reviewDueAt, now)})` : ""}`);
    sections.push(["*Reviews coming up* (re-screen before renewing)", ...lines, ...more(reviews.length)].join("\n"));
  }

  const drafts = args.mine.filter((s) => isEditable(s.status));
  if (drafts.length > 0) {
    const lines = drafts.slice(0, HOME_DUE_MAX).map((s) => {
      const what = s.status === "info_requested" ? "compliance asked for more information" : "draft";
      return `• *${escapeMrkdwn(s.reference)}* · ${what}${now ? ` · untouched for ${formatWait(now.getTime() - s.updatedAt.getTime())}` : ""}`;
    });
    sections.push(["*Drafts to finish* (press *Resume* below)", ...lines, ...more(drafts.length)].join("\n"));
  }

  const awaiting = args.awaiting ?? [];
  if (awaiting.length > 0) {
    const lines = awaiting.slice(0, HOME_DUE_MAX).map(({ screening, escalation }) => {
      const approvals = Math.min(approversThisRound(escalation).length, escalation.requiredApprovals);
      const waited = now ? ` · waiting ${formatWait(now.getTime() - waitingSince(screening, escalation).getTime())}` : "";
      return `• *${escapeMrkdwn(screening.reference)}*${waited} · approvals ${approvals} of ${escalation.requiredApprovals}`;
    });
    sections.push(["*Decisions waiting for you*", ...lines, ...more(awaiting.length)].join("\n"));
  }

  const blocks: KnownBlock[] = [{ type: "divider" }, { type: "header", text: plainText("What is due", LIMITS.header) }];
  if (sections.length === 0) {
    blocks.push({ type: "section", block_id: "due:none", text: mrkdwn(args.awaiting === null ? "Nothing is due: no drafts to finish and no reviews coming up." : "Nothing is due: no drafts to finish, no reviews coming up and no decisions waiting for you.") });
    return blocks;
  }
  sections.forEach((text, i) => blocks.push({ type: "section", block_id: `due:${i}`, text: mrkdwn(text) }));
  return blocks;
}

/** When an escalation's current round began: escalated, or resubmitted after "Request info". */
function waitingSince(s: ScreeningRecord, e: EscalationRecord): Date {
  const submitted = s.submittedAt?.getTime() ?? 0;
  return new Date(Math.max(e.createdAt.getTime(), submitted));
}

function reviewTiming(due: Date, now: Date): string {
  const ms = due.getTime() - now.getTime();
  return ms >= 0 ? `in ${formatWait(ms)}` : `overdue by ${formatWait(-ms)}`;
}

/** An https link that cannot break out of mrkdwn's <url|text> (no spaces, <, >, | or control characters). */
export function isSafeLink(url: string): boolean {
  return url.length <= 1000 && /^https:\/\/[^\s<>|\u0000-\u001f\u007f]+$/.test(url);
}
