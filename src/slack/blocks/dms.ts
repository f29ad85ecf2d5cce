// Direct messages to the requester: cleared, sent to compliance, a decision, and a request
// for more information. Pure.
import type { KnownBlock } from "@slack/types";
import { OUTCOME_LABELS, approversThisRound, hasHardStop, isApproval } from "../../domain/approval-policy.js";
import type { DecisionRecord, ScreeningDetail } from "../../domain/records.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { topFactors } from "../../domain/scoring.js";
import { ACTION } from "../ids.js";
import { openMatches } from "../../domain/party-matching.js";
import {
  PARTIES_UNDER_REVIEW,
  authorisationText,
  conditionsText,
  plainFactorLine,
  plainHardStopLine,
  quoteLines,
  scoreOf,
  summaryFromAnswers,
  tierLabelOf,
  type SummaryAnswers,
} from "./screening-facts.js";
import { LIMITS, escapeMrkdwn, mrkdwn, packLines, plainText, safeMrkdwn, slackDate, truncate, userMention, type SlackMessage } from "./text.js";

export function buildClearedDm(args: { ruleSet: RuleSet; detail: ScreeningDetail }): SlackMessage {
  const { ruleSet, detail } = args;
  const s = detail.screening;
  const ref = escapeMrkdwn(s.reference);
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: mrkdwn(`:white_check_mark: *${ref} is cleared.* Tier *${safeMrkdwn(tierLabelOf(s), 80)}*, score *${scoreOf(s)}*.\nYou may proceed.`),
    },
    summaryFields(summaryFromAnswers(ruleSet, detail.answers)),
    ...factorBlocks(ruleSet, detail),
    fullRecord(s.reference),
  ];
  return { text: `${s.reference} is cleared: you may proceed.`, blocks };
}

export function buildEscalatedDm(args: { ruleSet: RuleSet; detail: ScreeningDetail }): SlackMessage {
  const { ruleSet, detail } = args;
  const s = detail.screening;
  const ref = escapeMrkdwn(s.reference);
  const required = detail.escalation?.requiredApprovals ?? s.scoring?.approvalsRequired ?? 1;
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: mrkdwn(
        `:hourglass_flowing_sand: *${ref} was sent to compliance for a decision.* Tier *${safeMrkdwn(tierLabelOf(s), 80)}*, score *${scoreOf(s)}*` +
          (required > 1 ? `; ${required} approvals are needed` : "") +
          `.\nDo not proceed until it is approved. You will get a message here when compliance decides.`,
      ),
    },
    summaryFields(summaryFromAnswers(ruleSet, detail.answers)),
    ...(openMatches(s.scoring?.parties).length > 0 ? [{ type: "section" as const, text: mrkdwn(PARTIES_UNDER_REVIEW) }] : []),
    ...hardStopBlocks(detail),
    ...factorBlocks(ruleSet, detail),
    fullRecord(s.reference),
  ];
  return { text: `${s.reference} was sent to compliance for a decision.`, blocks };
}

/**
 * A decision on the requester's screening. `final` says whether it settled the escalation; a
 * non-final approval awaits another approver.
 */
export function buildDecisionDm(args: { ruleSet: RuleSet; detail: ScreeningDetail; decision: DecisionRecord; final: boolean }): SlackMessage {
  const { ruleSet, detail, decision, final } = args;
  if (decision.outcome === "request_info") return buildInfoRequestDm({ ruleSet, detail, decision });
  const s = detail.screening;
  const ref = escapeMrkdwn(s.reference);
  const who = userMention(decision.deciderId);
  const when = slackDate(decision.createdAt);
  let headline: string;
  let text: string;
  if (decision.outcome === "reject") {
    headline = `:x: *${ref} was rejected* by ${who} on ${when}.\nDo not proceed.`;
    text = `${s.reference} was rejected: do not proceed.`;
  } else if (final) {
    const conditional = decision.outcome === "approve_with_conditions" || roundConditions(detail).length > 0;
    const authorised = decision.authorisation !== null;
    const under = [authorised ? "the licence or authorisation" : "", conditional ? "the conditions" : ""].filter(Boolean).join(" and ");
    headline = `:white_check_mark: *${ref} is approved* (last approval by ${who} on ${when}).\nYou may proceed${under ? ` only under ${under} below` : ""}.`;
    const terms = [authorised ? "authorisation" : "", conditional ? "conditions" : ""].filter(Boolean).join(" and ");
    text = `${s.reference} is approved: you may proceed${terms ? ` under ${terms}` : ""}.`;
  } else {
    const required = detail.escalation?.requiredApprovals ?? 2;
    const given = detail.escalation ? approversThisRound(detail.escalation, { hardStop: hasHardStop(s) }).length : 1;
    const count = Math.min(given, required);
    const awaits = required - count <= 1 ? (count === 1 ? "a second approver" : "one more approver") : `${required - count} more approvers`;
    headline = `:ballot_box_with_check: ${who} approved *${ref}* (${OUTCOME_LABELS[decision.outcome]}), approval ${count} of ${required}.\nIt now awaits ${awaits}: do not proceed yet.`;
    text = `${s.reference} has ${count} of ${required} approvals and awaits ${awaits}.`;
  }
  const blocks: KnownBlock[] = [{ type: "section", text: mrkdwn(headline) }];
  if (decision.rationale) {
    blocks.push({ type: "section", text: mrkdwn(`*Rationale*\n>${quoteLines(safeMrkdwn(decision.rationale, 2500))}`) });
  }
  if (decision.authorisation) {
    blocks.push({ type: "section", text: mrkdwn(`*Licence or authorisation*\n${authorisationText(decision.authorisation)}`) });
  }
  if (final && decision.authorisation) {
    const lines = roundAuthorisations(detail).flatMap((d) =>
      d.id !== decision.id && d.authorisation ? [`• ${userMention(d.deciderId)}: ${authorisationText(d.authorisation)}`] : [],
    );
    if (lines.length > 0) {
      for (const chunk of packLines(["*Authorisations cited by the other approvers*", ...lines]).slice(0, 2)) blocks.push({ type: "section", text: mrkdwn(chunk) });
    }
  }
  if (isApproval(decision.outcome)) {
    const own = conditionsText(ruleSet, decision, 2500);
    if (own) blocks.push({ type: "section", text: mrkdwn(`*Conditions*\n${own}`) });
    if (final) {
      const earlier = roundConditions(detail).filter((d) => d.id !== decision.id);
      const lines = earlier.map((d) => `• ${userMention(d.deciderId)}: ${conditionsText(ruleSet, d, 1000)}`);
      if (lines.length > 0) {
        for (const chunk of packLines(["*Conditions set by the other approvers*", ...lines]).slice(0, 3)) blocks.push({ type: "section", text: mrkdwn(chunk) });
      }
    }
  }
  blocks.push(fullRecord(s.reference));
  return { text, blocks };
}

/** Compliance asked for more information: the question, and buttons to reply in writing or to edit the answers. */
export function buildInfoRequestDm(args: { ruleSet: RuleSet; detail: ScreeningDetail; decision: DecisionRecord }): SlackMessage {
  const { detail, decision } = args;
  const s = detail.screening;
  const ref = escapeMrkdwn(s.reference);
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: mrkdwn(`:speech_balloon: *Compliance needs more information on ${ref}.* ${userMention(decision.deciderId)} asks:`),
    },
    { type: "section", text: mrkdwn(`>${quoteLines(safeMrkdwn(decision.rationale || "(no question given)", 2900))}`) },
    {
      type: "section",
      text: mrkdwn(
        "*Reply* to answer in writing: compliance sees your reply in the screening's thread. *Edit answers* to change your answers and submit again: compliance decides once you have resubmitted, with or without changes. Do not proceed in the meantime.",
      ),
    },
    {
      type: "actions",
      elements: [
        { type: "button", action_id: ACTION.reply, text: plainText("Reply", LIMITS.button), value: s.id, style: "primary" },
        { type: "button", action_id: ACTION.reopen, text: plainText("Edit answers", LIMITS.button), value: s.id },
      ],
    },
    fullRecord(s.reference),
  ];
  return { text: `Compliance needs more information on ${s.reference}.`, blocks };
}

function summaryFields(summary: SummaryAnswers): KnownBlock {
  const field = (label: string, v: string | undefined) => mrkdwn(`*${label}*\n${v ? safeMrkdwn(v, 1500) : "—"}`, LIMITS.field);
  return {
    type: "section",
    fields: [field("Item", summary.item), field("Destination", summary.destination), field("End user", summary.endUser)],
  };
}

function hardStopBlocks(detail: ScreeningDetail): KnownBlock[] {
  const stops = detail.screening.scoring?.hardStops ?? [];
  if (stops.length === 0) return [];
  return packLines([":no_entry: *Hard stops*", ...stops.map(plainHardStopLine)])
    .slice(0, 3)
    .map((text) => ({ type: "section", text: mrkdwn(text) }));
}

function factorBlocks(ruleSet: RuleSet, detail: ScreeningDetail): KnownBlock[] {
  const result = detail.screening.scoring;
  if (!result || result.factors.length === 0) return [];
  const top = topFactors(result, 5);
  return packLines([`*What weighed most* (${top.length} of ${result.factors.length} factors)`, ...top.map(plainFactorLine)])
    .slice(0, 2)
    .map((text) => ({ type: "section", text: mrkdwn(text) }));
}

function fullRecord(reference: string): KnownBlock {
  return { type: "context", elements: [mrkdwn(truncate(`Full record: \`/screening status ${escapeMrkdwn(reference)}\``, 300))] };
}

/** Approvals with conditions in the escalation's current round. */
function roundConditions(detail: ScreeningDetail): DecisionRecord[] {
  const e = detail.escalation;
  if (!e) return [];
  return e.decisions.filter((d) => d.round === e.round && isApproval(d.outcome) && (d.conditions.length > 0 || !!d.conditionsText));
}

/** Approvals under authorisation in the escalation's current round. */
function roundAuthorisations(detail: ScreeningDetail): DecisionRecord[] {
  const e = detail.escalation;
  if (!e) return [];
  return e.decisions.filter((d) => d.round === e.round && d.authorisation !== null);
}

/** The escalation message could not be posted to the compliance channel. */
export function buildDeliveryProblemDm(args: { detail: ScreeningDetail; reason: string }): SlackMessage {
  const ref = args.detail.screening.reference;
  const text =
    `Your screening ${ref} needs a compliance decision, but the bot could not post it to the compliance channel (${safeMrkdwn(args.reason, 80)}). ` +
    "It is recorded and waiting: approvers see it on the bot's Home tab, and the post is retried when the bot restarts. " +
    "Please tell your compliance team so they can check the bot's channel settings. Do not proceed until it is decided.";
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
}

/** The requester closed the interview modal: their screening is kept, and how to continue it. */
export function buildDraftSavedDm(args: { detail: ScreeningDetail }): SlackMessage {
  const ref = args.detail.screening.reference;
  const headline = `:floppy_disk: Your screening *${escapeMrkdwn(ref)}* is saved as a draft, with what you typed on the page you left.`;
  const next = "Type `/screening resume` (or press *Resume* on the bot's Home tab) to continue where you stopped.";
  return {
    text: `Your screening ${ref} is saved as a draft. Type /screening resume to continue where you stopped.`,
    blocks: [{ type: "section", text: mrkdwn(`${headline}\n${next}`) }],
  };
}
