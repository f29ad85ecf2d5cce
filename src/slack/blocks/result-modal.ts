// What the requester sees right after submitting: cleared, or sent to compliance. Pure.
import type { KnownBlock, ModalView } from "@slack/types";
import type { ScreeningRecord } from "../../domain/records.js";
import { scoreWithScale, type ScoringResult } from "../../domain/scoring.js";
import { CALLBACK } from "../ids.js";
import { openMatches } from "../../domain/party-matching.js";
import { PARTIES_UNDER_REVIEW, plainHardStopLine } from "./screening-facts.js";
import { LIMITS, escapeMrkdwn, mrkdwn, packLines, plainText, plural, safeMrkdwn } from "./text.js";

export function buildResultModal(args: { screening: ScreeningRecord; result: ScoringResult; escalated: boolean }): ModalView {
  const { screening, result, escalated } = args;
  const ref = escapeMrkdwn(screening.reference);
  const tier = safeMrkdwn(result.tier.label, 80);
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: mrkdwn(
        escalated
          ? `:hourglass_flowing_sand: *${ref} was sent to compliance for a decision.*\nTier *${tier}*, score *${scoreWithScale(result)}*` +
              // after the score's own clause a comma would read as part of it: a separate clause, as in the DM
              (result.approvalsRequired > 1 ? `; ${plural(result.approvalsRequired, "approval")} are needed` : "") +
              `.\nDo not proceed until it is approved. You will get a direct message when compliance decides.`
          : `:white_check_mark: *${ref} is cleared.*\nTier *${tier}*, score *${scoreWithScale(result)}*.\nYou may proceed. A summary is on its way to you as a direct message.`,
      ),
    },
  ];
  if (openMatches(result.parties).length > 0) blocks.push({ type: "section", text: mrkdwn(PARTIES_UNDER_REVIEW) });
  if (result.hardStops.length > 0) {
    for (const text of packLines([`*Hard stops*`, ...result.hardStops.map(plainHardStopLine)])) blocks.push({ type: "section", text: mrkdwn(text) });
  }
  blocks.push({
    type: "context",
    elements: [
      mrkdwn(`${plural(result.factors.length, "contributing factor")} · rule set ${escapeMrkdwn(result.ruleSetVersion.slice(0, 12))} · full record: \`/screening status ${ref}\``),
    ],
  });
  return {
    type: "modal",
    callback_id: CALLBACK.result,
    title: plainText(escalated ? "Sent to compliance" : "Screening cleared", LIMITS.title),
    close: plainText("Done", LIMITS.title),
    blocks: blocks.slice(0, LIMITS.modalBlocks),
  };
}
