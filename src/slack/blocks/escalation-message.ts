// The message in the compliance channel for one escalated screening: the facts, the factors
// that weigh most with their sources, the decisions so far, and, while it is open, the four
// decision buttons. Rebuilt from the database on every change and updated in place. Pure.
import type { ActionsBlock, Button, KnownBlock } from "@slack/types";
import { DECISION_OUTCOMES, OUTCOME_LABELS, approversThisRound, type DecisionOutcome } from "../../domain/approval-policy.js";
import type { DecisionRecord, EscalationRecord, ScreeningDetail } from "../../domain/records.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { topFactors } from "../../domain/scoring.js";
import { ACTION, BLOCK } from "../ids.js";
import {
  decisionText,
  factorLine,
  hardStopLine,
  mentionList,
  ruleSetVersionText,
  scoreOf,
  summaryFromAnswers,
  tierLabelOf,
} from "./screening-facts.js";
import { LIMITS, type SlackMessage, escapeMrkdwn, mrkdwn, packLines, plainText, safeMrkdwn, slackDate, truncate, userMention } from "./text.js";

/** How many decisions the message shows (the newest); older ones are counted. */
export const DECISIONS_SHOWN = 10;
export const TOP_FACTORS = 5;

export function buildEscalationMessage(args: { ruleSet: RuleSet; detail: ScreeningDetail }): SlackMessage {
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

  const result = screening.scoring;
  if (result && result.hardStops.length > 0) {
    for (const text of packLines([":no_entry: *Hard stops*", ...result.hardStops.map(hardStopLine)]).slice(0, 3)) {
      blocks.push({ type: "section", text: mrkdwn(text) });
    }
  }
  if (result) {
    const top = topFactors(result, TOP_FACTORS);
    const heading = `*Top factors* (${top.length} of ${result.factors.length})`;
    const lines = top.length > 0 ? [heading, ...top.map((f) => factorLine(ruleSet, f))] : ["*Top factors*: none"];
    for (const text of packLines(lines).slice(0, 2)) blocks.push({ type: "section", text: mrkdwn(text) });
  }
  blocks.push({ type: "context", elements: [mrkdwn(`Full record: \`/screening status ${ref}\` · discuss in this thread`)] });

  if (escalation) {
    blocks.push({ type: "divider" });
    blocks.push(...progressBlocks(ruleSet, escalation));
  }
  blocks.push({ type: "section", text: mrkdwn(`*Status:* ${statusLine(escalation)}`) });
  if (escalation?.status === "open") blocks.push(buildDecisionActions(escalation.id, screening.reference));
  else if (escalation) {
    const outcome = outcomeLine(escalation);
    if (outcome) blocks.push({ type: "section", text: mrkdwn(outcome) });
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
};

function statusLine(escalation: EscalationRecord | null): string {
  if (!escalation) return "Not escalated";
  switch (escalation.status) {
    case "open":
      return escalation.round > 1 ? "Awaiting decision (resubmitted with changed answers)" : "Awaiting decision";
    case "info_requested":
      return "More information requested";
    case "approved":
      return "Approved";
    case "rejected":
      return "Rejected";
  }
}

function progressBlocks(ruleSet: RuleSet, escalation: EscalationRecord): KnownBlock[] {
  const approvals = approversThisRound(escalation).length;
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
function outcomeLine(escalation: EscalationRecord): string | undefined {
  switch (escalation.status) {
    case "approved": {
      const approvers = approversThisRound(escalation);
      const last = lastOf(escalation.decisions, escalation.round, ["approve", "approve_with_conditions"]);
      const when = escalation.closedAt ?? last?.createdAt;
      return `:white_check_mark: Approved by ${mentionList(approvers)}${when ? ` on ${slackDate(when)}` : ""}`;
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

/** The four decision buttons, labelled exactly as the contract says; value = escalation id. */
export function buildDecisionActions(escalationId: string, reference: string): ActionsBlock {
  const button = (outcome: DecisionOutcome): Button => {
    const b: Button = { type: "button", action_id: ACTION.decide[outcome], text: plainText(OUTCOME_LABELS[outcome], LIMITS.button), value: escalationId };
    if (outcome === "approve") b.style = "primary";
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
  return { type: "actions", block_id: BLOCK.decisionActions, elements: DECISION_OUTCOMES.map(button) };
}

/** A thread reply when the requester resubmits after "Request info". */
export function buildResubmissionReply(args: { ruleSet: RuleSet; detail: ScreeningDetail; round: number }): SlackMessage {
  const { screening } = args.detail;
  const tier = tierLabelOf(screening);
  const score = scoreOf(screening);
  const text = `${userMention(screening.requesterId)} resubmitted ${escapeMrkdwn(screening.reference)} with changed answers (round ${args.round}). Tier *${safeMrkdwn(tier, 80)}*, score *${score}*. The message above shows the new state and takes decisions again; approvals from earlier rounds no longer count.`;
  return {
    text: truncate(`${screening.reference} was resubmitted (round ${args.round}): tier ${escapeMrkdwn(tier)}, score ${score}`, LIMITS.messageText),
    blocks: [{ type: "section", text: mrkdwn(text) }],
  };
}
