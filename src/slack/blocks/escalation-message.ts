// The message in the compliance channel for one escalated screening: the facts, the factors
// that weigh most with their sources, the reference data the scoring read, the decisions so
// far, and, while it is open, the decision buttons (on a hard stop, Approve under authorisation
// instead of Approve and Approve with conditions); View answers stays for the record.
// Rebuilt from the database on every change and updated in place. Pure.
import type { ActionsBlock, Button, ConfirmationDialog, KnownBlock } from "@slack/types";
import { OUTCOME_LABELS, approversThisRound, hasHardStop, outcomesOffered, type DecisionOutcome } from "../../domain/approval-policy.js";
import type { DecisionRecord, EscalationRecord, RenewalView, ResubmissionChanges, ScreeningDetail, ScreeningRecord } from "../../domain/records.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { topFactors } from "../../domain/scoring.js";
import { ACTION, BLOCK } from "../ids.js";
import { partyScreeningBlocks } from "./party-matches.js";
import { renewalBlocks } from "./rescreening.js";
import {
  answerChangeLine,
  decisionText,
  factLine,
  factorLine,
  hardStopLine,
  mentionList,
  ruleSetVersionText,
  scoreOf,
  summaryFromAnswers,
  tierLabelOf,
} from "./screening-facts.js";
import { LIMITS, type SlackMessage, escapeMrkdwn, mrkdwn, packLines, plainText, plural, safeMrkdwn, slackDate, truncate, userMention } from "./text.js";

/** How many decisions the message shows (the newest); older ones are counted. */
export const DECISIONS_SHOWN = 10;
export const TOP_FACTORS = 5;
/** Reference-data facts the message shows; View answers shows them all. */
export const FACTS_SHOWN = 6;
export const VIEW_ANSWERS_LABEL = "View answers";
/** How much of a re-screening's comparison the message shows; View answers shows it all. */
const RENEWAL_IN_MESSAGE = { maxChanges: 12, label: 100, answer: 150, rationale: 400, maxSections: 2 } as const;

export function buildEscalationMessage(args: { ruleSet: RuleSet; detail: ScreeningDetail; renewal?: RenewalView | null | undefined }): SlackMessage {
  const { ruleSet, detail } = args;
  const { screening, escalation } = detail;
  const ref = escapeMrkdwn(screening.reference);
  const tier = tierLabelOf(screening);
  const score = scoreOf(screening);
  const summary = summaryFromAnswers(ruleSet, detail.answers);
  const dash = (s: string | undefined) => (s === undefined || s === "" ? "—" : safeMrkdwn(s, 1500));

  const blocks: KnownBlock[] = [
    { type: "header", text: plainText(`${screening.reference} · Tier ${tier}`, LIMITS.header) },
    {
      type: "section",
      fields: [
        mrkdwn(`*Reference*\n${ref}`, LIMITS.field),
        mrkdwn(`*Requester*\n${userMention(screening.requesterId)}`, LIMITS.field),
        mrkdwn(`*Item*\n${dash(summary.item)}`, LIMITS.field),
        mrkdwn(`*Destination*\n${dash(summary.destination)}`, LIMITS.field),
        mrkdwn(`*End user*\n${dash(summary.endUser)}`, LIMITS.field),
        mrkdwn(`*Tier*\n${safeMrkdwn(tier, 80)}`, LIMITS.field),
        mrkdwn(`*Score*\n${score}`, LIMITS.field),
        mrkdwn(`*Rule set version*\n${ruleSetVersionText(ruleSet, screening.ruleSetHash)}`, LIMITS.field),
      ],
    },
  ];
  // A re-screening: the screening it renews, its decision, and what changed since (blocks/rescreening.ts).
  if (args.renewal) blocks.push(...renewalBlocks(ruleSet, args.renewal, RENEWAL_IN_MESSAGE));

  const result = screening.scoring;
  if (result && result.hardStops.length > 0) {
    for (const text of packLines([":no_entry: *Hard stops*", ...result.hardStops.map(hardStopLine)]).slice(0, 3)) {
      blocks.push({ type: "section", text: mrkdwn(text) });
    }
  }
  blocks.push(
    ...partyScreeningBlocks({
      ruleSet,
      screeningId: screening.id,
      record: result?.parties,
      open: escalation?.status === "open" || escalation?.status === "info_requested",
    }),
  );
  if (result) {
    const top = topFactors(result, TOP_FACTORS);
    const heading = `*Top factors* (${top.length} of ${result.factors.length})`;
    const lines = top.length > 0 ? [heading, ...top.map((f) => factorLine(ruleSet, f))] : ["*Top factors*: none"];
    for (const text of packLines(lines).slice(0, 2)) blocks.push({ type: "section", text: mrkdwn(text) });
  }
  const facts = result?.facts ?? [];
  if (facts.length > 0) {
    const shown = facts.slice(0, FACTS_SHOWN);
    const more = facts.length > shown.length ? [`…and ${facts.length - shown.length} more under *${VIEW_ANSWERS_LABEL}*`] : [];
    for (const text of packLines([`*Reference data applied* (${facts.length})`, ...shown.map(factLine), ...more]).slice(0, 2)) {
      blocks.push({ type: "section", text: mrkdwn(text) });
    }
  }
  blocks.push({
    type: "context",
    elements: [mrkdwn(`Every answer, the reference data and all factors: *${VIEW_ANSWERS_LABEL}* · summary: \`/screening status ${ref}\` · discuss in this thread`)],
  });

  const hardStop = hasHardStop(screening);
  if (escalation) {
    blocks.push({ type: "divider" });
    blocks.push(...progressBlocks(ruleSet, escalation, hardStop));
  }
  blocks.push({ type: "section", text: mrkdwn(`*Status:* ${statusLine(escalation)}`) });
  if (escalation?.status === "open") {
    blocks.push(buildDecisionActions({ escalationId: escalation.id, screeningId: screening.id, reference: screening.reference, caution: approveCaution(ruleSet, screening) }));
  } else {
    const outcome = escalation ? outcomeLine(escalation, hardStop) : undefined;
    if (outcome) blocks.push({ type: "section", text: mrkdwn(outcome) });
    // The decision is made (or waits for the requester), but the record stays readable.
    blocks.push({ type: "actions", block_id: BLOCK.answersActions, elements: [viewAnswersButton(screening.id)] });
  }

  const status = escalation ? STATUS_WORDS[escalation.status] : "not escalated";
  return {
    text: truncate(`${screening.reference}: tier ${escapeMrkdwn(tier)}, score ${score}, ${status}`, LIMITS.messageText),
    blocks: blocks.slice(0, LIMITS.messageBlocks),
  };
}

const STATUS_WORDS: Record<EscalationRecord["status"], string> = {
  open: "awaiting a compliance decision",
  info_requested: "more information requested",
  approved: "approved",
  rejected: "rejected",
  closed: "cleared after the list matches were resolved",
};

function statusLine(escalation: EscalationRecord | null): string {
  if (!escalation) return "Not escalated";
  switch (escalation.status) {
    case "open":
      return escalation.round > 1 ? `Awaiting decision (resubmitted, round ${escalation.round}: the thread lists what changed)` : "Awaiting decision";
    case "info_requested":
      return "More information requested";
    case "approved":
      return "Approved";
    case "rejected":
      return "Rejected";
    case "closed":
      return "Cleared: every possible list match was another party";
  }
}

function progressBlocks(ruleSet: RuleSet, escalation: EscalationRecord, hardStop: boolean): KnownBlock[] {
  const approvals = approversThisRound(escalation, { hardStop }).length;
  const round = escalation.round > 1 ? ` (round ${escalation.round})` : "";
  const blocks: KnownBlock[] = [
    { type: "section", text: mrkdwn(`*Approvals:* ${Math.min(approvals, escalation.requiredApprovals)} of ${escalation.requiredApprovals}${round}`) },
  ];
  const decisions = escalation.decisions;
  if (decisions.length === 0) return blocks;
  blocks.push({ type: "section", text: mrkdwn("*Decisions so far*") });
  const shown = decisions.slice(-DECISIONS_SHOWN);
  const showRound = escalation.round > 1;
  for (const d of shown) blocks.push({ type: "section", text: mrkdwn(decisionText(ruleSet, d, { showRound, rationaleMax: 1200 })) });
  if (decisions.length > shown.length) {
    blocks.push({ type: "context", elements: [mrkdwn(`…and ${decisions.length - shown.length} earlier decisions: \`/screening status\` shows all.`)] });
  }
  return blocks;
}

function lastOf(decisions: readonly DecisionRecord[], round: number, outcomes: readonly DecisionOutcome[]): DecisionRecord | undefined {
  return [...decisions].reverse().find((d) => d.round === round && outcomes.includes(d.outcome));
}

/** "Approved by <@A> and <@B> on …", "Rejected by …", "More information requested by …". */
function outcomeLine(escalation: EscalationRecord, hardStop: boolean): string | undefined {
  switch (escalation.status) {
    case "approved": {
      const approvers = approversThisRound(escalation, { hardStop });
      const last = lastOf(escalation.decisions, escalation.round, ["approve", "approve_with_conditions", "approve_under_authorisation"]);
      const when = escalation.closedAt ?? last?.createdAt;
      const authorised = hardStop ? " under authorisation" : "";
      return `:white_check_mark: Approved${authorised} by ${mentionList(approvers)}${when ? ` on ${slackDate(when)}` : ""}`;
    }
    case "rejected": {
      const last = lastOf(escalation.decisions, escalation.round, ["reject"]);
      const when = escalation.closedAt ?? last?.createdAt;
      return `:x: Rejected by ${last ? userMention(last.deciderId) : "compliance"}${when ? ` on ${slackDate(when)}` : ""}`;
    }
    case "info_requested": {
      const last = lastOf(escalation.decisions, escalation.round, ["request_info"]);
      return `:speech_balloon: More information requested by ${last ? userMention(last.deciderId) : "compliance"} — waiting for the requester`;
    }
    case "open":
      return undefined;
  }
}

/** Why approving deserves a second look: a hard stop holds, or the screening is in the rule set's highest tier. */
export type ApproveCaution = { kind: "hard_stop"; reasons: string[] } | { kind: "highest_tier"; tierLabel: string };

export function approveCaution(ruleSet: RuleSet, screening: Pick<ScreeningRecord, "scoring" | "tier" | "hardStop">): ApproveCaution | undefined {
  const result = screening.scoring;
  if (hasHardStop(screening)) return { kind: "hard_stop", reasons: result?.hardStops.map((h) => h.reason) ?? [] };
  const highest = ruleSet.riskModel.tiers.at(-1);
  const tierId = result?.tier.id ?? screening.tier;
  if (highest && tierId === highest.id) return { kind: "highest_tier", tierLabel: result?.tier.label ?? highest.label };
  return undefined;
}

/**
 * The confirmation Slack shows before approving on a hard stop (Approve under authorisation) or
 * at the highest tier (Approve), in plain words.
 */
export function approveConfirm(reference: string, caution: ApproveCaution): ConfirmationDialog {
  const next = "You will be asked for the rationale next.";
  if (caution.kind === "hard_stop") {
    const tail = ` Approve only if a licence or authorisation makes this export lawful: you will be asked for its number, who issued it and when, and for your rationale. The decision is yours to answer for.`;
    const reasons = caution.reasons.length > 0 ? caution.reasons.join("; ") : "a hard stop holds";
    const head = `The rules say ${reference} must not go ahead: `;
    return {
      title: plainText("Approve under authorisation?", 100),
      text: plainText(`${head}${truncate(reasons, 300 - head.length - tail.length - 1)}.${tail}`, 300),
      confirm: plainText("Continue", 30),
      deny: plainText("Cancel", 30),
      style: "danger",
    };
  }
  const head = `${reference} is in the highest risk tier (`;
  const tail = `): the rules see a serious risk that this technology is used against people's rights. Approving lets the requester go ahead. ${next}`;
  return {
    title: plainText("Approve at the highest risk tier?", 100),
    text: plainText(`${head}${truncate(caution.tierLabel, 300 - head.length - tail.length)}${tail}`, 300),
    confirm: plainText("Continue", 30),
    deny: plainText("Cancel", 30),
  };
}

export function viewAnswersButton(screeningId: string): Button {
  return { type: "button", action_id: ACTION.viewAnswers, text: plainText(VIEW_ANSWERS_LABEL, LIMITS.button), value: screeningId };
}

/**
 * The decision buttons, labelled exactly as the contract says (value = escalation id), then View
 * answers (value = screening id). On a hard stop, Approve and Approve with conditions give way to
 * Approve under authorisation, which asks for confirmation. Otherwise Approve is the primary
 * action unless `caution` says why it should not be a single easy click.
 */
export function buildDecisionActions(args: { escalationId: string; screeningId: string; reference: string; caution?: ApproveCaution | undefined }): ActionsBlock {
  const { escalationId, reference, caution } = args;
  const button = (outcome: DecisionOutcome): Button => {
    const b: Button = { type: "button", action_id: ACTION.decide[outcome], text: plainText(OUTCOME_LABELS[outcome], LIMITS.button), value: escalationId };
    if (outcome === "approve") {
      if (caution) b.confirm = approveConfirm(reference, caution);
      else b.style = "primary";
    }
    if (outcome === "approve_under_authorisation") b.confirm = approveConfirm(reference, caution ?? { kind: "hard_stop", reasons: [] });
    if (outcome === "reject") {
      b.style = "danger";
      b.confirm = {
        title: plainText(`Reject ${reference}?`, 100),
        text: plainText("You will be asked for the rationale next. A rejection is final: the requester must not proceed.", 300),
        confirm: plainText("Continue", 30),
        deny: plainText("Cancel", 30),
        style: "danger",
      };
    }
    return b;
  };
  const outcomes = outcomesOffered(caution?.kind === "hard_stop");
  return { type: "actions", block_id: BLOCK.decisionActions, elements: [...outcomes.map(button), viewAnswersButton(args.screeningId)] };
}

/** Changes listed in the thread; View answers shows them all. */
export const CHANGES_SHOWN = 25;

/** A thread reply when the requester resubmits after "Request info": what changed, old → new. */
export function buildResubmissionReply(args: { ruleSet: RuleSet; detail: ScreeningDetail; round: number; changes?: ResubmissionChanges | null | undefined }): SlackMessage {
  const { ruleSet } = args;
  const { screening } = args.detail;
  const tier = tierLabelOf(screening);
  const score = scoreOf(screening);
  const changes = args.changes?.changes;
  const what = changes === undefined ? "" : changes.length === 0 ? " without changing any answer" : ` with ${plural(changes.length, "changed answer")}`;
  const text = `${userMention(screening.requesterId)} resubmitted ${escapeMrkdwn(screening.reference)}${what} (round ${args.round}). Tier *${safeMrkdwn(tier, 80)}*, score *${score}*. The message above shows the new state and takes decisions again; approvals from earlier rounds no longer count.`;
  const blocks: KnownBlock[] = [{ type: "section", text: mrkdwn(text) }];
  if (changes && changes.length > 0) {
    const shown = changes.slice(0, CHANGES_SHOWN);
    const lines = [`*What changed* (old → new)`, ...shown.map((c) => answerChangeLine(ruleSet, c, { label: 120, answer: 200 }))];
    const chunks = packLines(lines);
    const kept = chunks.slice(0, 4);
    for (const chunk of kept) blocks.push({ type: "section", text: mrkdwn(chunk) });
    const left = changes.length - shown.length;
    if (left > 0 || chunks.length > kept.length) {
      blocks.push({ type: "context", elements: [mrkdwn(`${left > 0 ? `…and ${left} more. ` : "Not all changes fit here. "}*${VIEW_ANSWERS_LABEL}* on the message above shows every change.`)] });
    }
  }
  return {
    text: truncate(`${screening.reference} was resubmitted${what} (round ${args.round}): tier ${escapeMrkdwn(tier)}, score ${score}`, LIMITS.messageText),
    blocks,
  };
}
