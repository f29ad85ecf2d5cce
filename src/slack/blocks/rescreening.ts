// Re-screening before renewal, as people see it: the prompt (a DM to the requester, or the
// compliance channel when the requester has left; a note in an open escalation's thread when the
// rules changed under it), the note on a prefilled page, the links between a screening and its
// re-screening, and what approvers read of a re-screening: the screening it renews, its decision,
// and every answer that changed (old → new). Pure.
import type { KnownBlock } from "@slack/types";
import { OUTCOME_LABELS } from "../../domain/approval-policy.js";
import type { RenewalView, ScreeningDetail, ScreeningRecord } from "../../domain/records.js";
import type { PromptReason } from "../../domain/rescreening.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { STATUS_LABELS } from "../../domain/screening.js";
import { ACTION, BLOCK } from "../ids.js";
import { answerChangeLine, decisionText, itemToDestination, summaryFromAnswers, tierLabelOf } from "./screening-facts.js";
import { LIMITS, type SlackMessage, escapeMrkdwn, mrkdwn, packLines, plainText, plural, safeMrkdwn, slackDate, truncate, userMention } from "./text.js";

export const START_RESCREENING_LABEL = "Start re-screening";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "30 June 2027" for a day (YYYY-MM-DD); the text itself when it is not one. */
export function dayText(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  return m && month ? `${Number(m[3])} ${month} ${m[1]}` : escapeMrkdwn(day);
}

function reasonText(reference: string, reason: PromptReason, dueOn: string | null, tierNow: string | undefined): string {
  switch (reason) {
    case "review_due":
      return dueOn ? `${reference} is due for review on *${dayText(dueOn)}*, before its contract, licence or support is renewed.` : `${reference} is due for review.`;
    case "new_list_set":
      return `The restricted-party lists have been updated since ${reference} was decided, and compliance asks for it to be screened again before anything more ships.`;
    case "new_rule_set":
      return `The screening rules have changed since ${reference} was decided${tierNow ? `: under the rules now in force its answers reach the tier *${safeMrkdwn(tierNow, 80)}*` : ""}.`;
  }
}

function startButton(screeningId: string): KnownBlock {
  return {
    type: "actions",
    block_id: BLOCK.reviewPromptActions,
    elements: [{ type: "button", action_id: ACTION.startRescreening, text: plainText(START_RESCREENING_LABEL, LIMITS.button), value: screeningId, style: "primary" }],
  };
}

function dealLine(ruleSet: RuleSet, detail: ScreeningDetail): string {
  const s = detail.screening;
  const route = itemToDestination(summaryFromAnswers(ruleSet, detail.answers), 300);
  const decided = s.closedAt ? ` on ${slackDate(s.closedAt)}` : "";
  return `*${escapeMrkdwn(s.reference)}*${route ? ` · ${route}` : ""} · ${STATUS_LABELS[s.status]}${decided} · tier ${safeMrkdwn(tierLabelOf(s), 80)}`;
}

/** The requester's DM: their screening comes up for review; Start re-screening. */
export function buildReviewPromptDm(args: { ruleSet: RuleSet; detail: ScreeningDetail; reason: PromptReason; dueOn: string | null; tierNow?: string | undefined }): SlackMessage {
  const s = args.detail.screening;
  const ref = escapeMrkdwn(s.reference);
  const blocks: KnownBlock[] = [
    { type: "section", text: mrkdwn(`:recycle: ${reasonText(ref, args.reason, args.dueOn, args.tierNow)}`) },
    { type: "section", text: mrkdwn(dealLine(args.ruleSet, args.detail)) },
    {
      type: "section",
      text: mrkdwn(
        `*${START_RESCREENING_LABEL}* opens a new screening with your answers to ${ref} filled in. Check each page: press *Next* to confirm one that is unchanged, or change what is different. Compliance sees what changed. (Or type \`/screening renew ${ref}\`.)`,
      ),
    },
    startButton(s.id),
  ];
  return { text: truncate(`${s.reference} needs a re-screening${args.dueOn ? ` before ${args.dueOn}` : ""}.`, LIMITS.messageText), blocks };
}

/** The same prompt in the compliance channel: the requester has left the workspace, so someone in compliance takes it on. */
export function buildReviewPromptForCompliance(args: { ruleSet: RuleSet; detail: ScreeningDetail; reason: PromptReason; dueOn: string | null; tierNow?: string | undefined; why: string }): SlackMessage {
  const s = args.detail.screening;
  const ref = escapeMrkdwn(s.reference);
  const blocks: KnownBlock[] = [
    { type: "section", text: mrkdwn(`:recycle: ${reasonText(ref, args.reason, args.dueOn, args.tierNow)}`) },
    { type: "section", text: mrkdwn(dealLine(args.ruleSet, args.detail)) },
    {
      type: "section",
      text: mrkdwn(
        `Its requester ${userMention(s.requesterId)} could not be reached (${safeMrkdwn(args.why, 60)}: they may have left the workspace). An approver can re-screen it: *${START_RESCREENING_LABEL}* or \`/screening renew ${ref}\`.`,
      ),
    },
    startButton(s.id),
  ];
  return { text: truncate(`${s.reference} needs a re-screening; its requester could not be reached.`, LIMITS.messageText), blocks };
}

/** In an open escalation's thread: the rules changed since it was scored. */
export function buildRulesChangedNote(args: { detail: ScreeningDetail; tierNow?: string | undefined }): SlackMessage {
  const s = args.detail.screening;
  const ref = escapeMrkdwn(s.reference);
  const tier = args.tierNow ? ` would reach the tier *${safeMrkdwn(args.tierNow, 80)}* (it is *${safeMrkdwn(tierLabelOf(s), 80)}* now)` : " may score differently";
  const text = `:recycle: The screening rules changed after ${ref} was scored: under the rules now in force its answers${tier}. *Request info* asks the requester to check the answers and resubmit; a resubmission is scored with the rules in force.`;
  return { text: truncate(`${s.reference}: the rules changed since it was scored`, LIMITS.messageText), blocks: [{ type: "section", text: mrkdwn(text) }] };
}

/** On a page of a re-screening still showing the old answers unconfirmed. */
export function renewalPageNote(renews: string): KnownBlock {
  return {
    type: "context",
    elements: [mrkdwn(`:recycle: Filled in from *${escapeMrkdwn(renews)}*, unchanged since then. Press *Next* to confirm this page as it is, or change what is different first.`)],
  };
}

/** "Re-screening of DD-…", "Re-screened as DD-… (status)": the link in both records, or nothing. */
export function linkLines(s: Pick<ScreeningRecord, "renews" | "renewedBy" | "reviewDueAt" | "status">): string[] {
  const lines: string[] = [];
  if (s.renews) lines.push(`:recycle: Re-screening of *${escapeMrkdwn(s.renews.reference)}*`);
  if (s.renewedBy) lines.push(`:recycle: Re-screened as *${escapeMrkdwn(s.renewedBy.reference)}* (${STATUS_LABELS[s.renewedBy.status]})`);
  else if (s.reviewDueAt && (s.status === "cleared" || s.status === "approved")) lines.push(`:calendar: Review due *${dayText(s.reviewDueAt.toISOString().slice(0, 10))}*`);
  return lines;
}

/** The previous screening's outcome in one line: who decided, when (or that the rules cleared it). */
export function previousOutcomeLine(renewal: RenewalView): string {
  const p = renewal.previous;
  const ref = escapeMrkdwn(p.reference);
  const when = p.decidedAt ? ` on ${slackDate(p.decidedAt)}` : "";
  const tier = p.tierLabel ? `, tier ${safeMrkdwn(p.tierLabel, 80)}, score ${p.score ?? "—"}` : "";
  if (p.status === "cleared" && p.decisions.length === 0) return `*Previous screening ${ref}*: cleared by the rules${when}${tier} (no compliance decision needed then).`;
  const approvals = p.decisions.filter((d) => d.outcome !== "reject");
  const outcome = p.status === "approved" ? "approved" : p.status === "rejected" ? "rejected" : STATUS_LABELS[p.status].toLowerCase();
  const by = approvals.length > 0 ? ` by ${approvals.map((d) => `${userMention(d.deciderId)} (${OUTCOME_LABELS[d.outcome]})`).join(", ")}` : "";
  return `*Previous screening ${ref}*: ${outcome}${by}${when}${tier}.`;
}

/**
 * What approvers read of a re-screening: the previous outcome, its decisions (rationale,
 * conditions), and the changed answers, old → new, at most `maxChanges` listed. Mrkdwn lines.
 */
export function renewalLines(ruleSet: RuleSet, renewal: RenewalView, opts: { maxChanges: number; label: number; answer: number; rationale: number }): string[] {
  const lines = [`:recycle: ${previousOutcomeLine(renewal)}`];
  for (const d of renewal.previous.decisions) lines.push(decisionText(ruleSet, d, { rationaleMax: opts.rationale }));
  const changes = renewal.changes;
  const since = `since ${escapeMrkdwn(renewal.previous.reference)}`;
  if (changes.length === 0) {
    lines.push(renewal.pending ? `No answer changed ${since} on the pages confirmed so far.` : `*No answer changed ${since}*: every page was confirmed as it was.`);
    return lines;
  }
  const pending = renewal.pending ? " on the pages confirmed so far (not submitted yet)" : "";
  lines.push(`:pencil2: *${plural(changes.length, "answer")} changed ${since}*${pending} (old → new)`);
  const shown = changes.slice(0, opts.maxChanges);
  for (const c of shown) lines.push(answerChangeLine(ruleSet, c, { label: opts.label, answer: opts.answer }));
  if (changes.length > shown.length) lines.push(`…and ${changes.length - shown.length} more under *View answers*.`);
  return lines;
}

/** The lines packed into at most `maxSections` sections (a context says when some did not fit). */
export function renewalBlocks(ruleSet: RuleSet, renewal: RenewalView, opts: { maxChanges: number; label: number; answer: number; rationale: number; maxSections: number }): KnownBlock[] {
  const chunks = packLines(renewalLines(ruleSet, renewal, opts), LIMITS.sectionText);
  const blocks: KnownBlock[] = chunks.slice(0, opts.maxSections).map((text) => ({ type: "section", text: mrkdwn(text) }));
  if (chunks.length > opts.maxSections) blocks.push({ type: "context", elements: [mrkdwn("Not everything about the previous screening fits here: *View answers* shows every change.")] });
  return blocks;
}

