// What the restricted-party screening found, as approvers read it in the escalation message:
// each potential match (our field and name, the listed name, the list, its programmes, the
// score, a link to the entry) with, while it is open, **Confirmed match** and **Not the same
// party**; and the modal that asks for the reason. Pure.
import type { ActionsBlock, KnownBlock, ModalView } from "@slack/types";
import type { PartyScreeningRecord, ResolutionOutcome, ScreenedMatch } from "../../domain/party-matching.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { ACTION, BLOCK, CALLBACK, uniqueActionId } from "../ids.js";
import { questionLabel } from "./screening-facts.js";
import { LIMITS, mrkdwn, packLines, plainText, safeMrkdwn, slackDate, userMention } from "./text.js";

/** Matches shown with their own buttons (a message holds 50 blocks); the rest are counted. */
export const MATCHES_WITH_BUTTONS = 5;

export const RESOLUTION_LABELS: Record<ResolutionOutcome, string> = {
  confirmed: "Confirmed match",
  not_same_party: "Not the same party",
};

/** "Parties were not screened…", "no potential match", or the matches with their state. */
export function partyScreeningBlocks(args: { ruleSet: RuleSet; screeningId: string; record: PartyScreeningRecord | undefined; open: boolean }): KnownBlock[] {
  const { ruleSet, screeningId, record, open } = args;
  if (!record) return [];
  if (!record.screened) {
    const why =
      record.notScreened === "no_list_set"
        ? "no list has been imported yet (run `npm run lists:import`)"
        : "no restricted-party list is configured (`SCREENING_LISTS`)";
    return [{ type: "context", elements: [mrkdwn(`:warning: *Parties not screened against restricted-party lists:* ${why}. Check the parties yourself before deciding.`)] }];
  }
  const set = record.listSet ? ` against the list set imported ${listSetDate(record.listSet.importedAt)} (${record.listSet.entryCount.toLocaleString("en-US")} entries)` : "";
  if (record.matches.length === 0) {
    return [{ type: "context", elements: [mrkdwn(`*Restricted-party screening:* ${record.names} ${record.names === 1 ? "name" : "names"} screened${set}: no potential match.`)] }];
  }
  const blocks: KnownBlock[] = [];
  const openCount = record.matches.filter((m) => m.resolution === undefined).length;
  const heading = `:mag: *Restricted-party screening:* ${record.matches.length} potential ${record.matches.length === 1 ? "match" : "matches"}${openCount > 0 ? `, ${openCount} to resolve` : ""} (${record.names} names screened${set})`;
  blocks.push({ type: "section", text: mrkdwn(heading) });
  record.matches.forEach((m, i) => {
    if (i >= MATCHES_WITH_BUTTONS) return;
    blocks.push({ type: "section", text: mrkdwn(matchLine(ruleSet, m)) });
    if (open && m.resolution === undefined) blocks.push(resolutionButtons(screeningId, i, m));
  });
  if (record.matches.length > MATCHES_WITH_BUTTONS) {
    blocks.push({ type: "context", elements: [mrkdwn(`…and ${record.matches.length - MATCHES_WITH_BUTTONS} more: resolve these first, then the message shows the next.`)] });
  }
  return blocks;
}

/** One match: our field and name, the listed name, the list and programmes, the score, the link, and its resolution. */
export function matchLine(ruleSet: RuleSet, m: ScreenedMatch): string {
  const field = safeMrkdwn(questionLabel(ruleSet, m.questionId), 120);
  const programmes = m.programs.length > 0 ? ` · programmes: ${safeMrkdwn(m.programs.join(", "), 200)}` : "";
  const country = m.countryAgrees ? " (country agrees)" : "";
  const url = m.sourceInformationUrl ?? m.sourceListUrl;
  const link = url && /^https:\/\/[^\s<>|]+$/.test(url) ? ` · <${url}|list entry>` : "";
  const state = m.resolution
    ? `\n${m.resolution.outcome === "confirmed" ? ":no_entry:" : ":white_check_mark:"} *${RESOLUTION_LABELS[m.resolution.outcome]}* by ${userMention(m.resolution.decidedBy)}, ${slackDate(new Date(m.resolution.decidedAt))}: ${safeMrkdwn(m.resolution.reason, 500)}`
    : "";
  return (
    `• ${field}: *${safeMrkdwn(m.partyName, 200)}* ↔ listed *${safeMrkdwn(m.listedName, 200)}*\n` +
    `${safeMrkdwn(m.source, 200)}${programmes} · score ${m.score.toFixed(2)}${country}${link}${state}`
  );
}

function resolutionButtons(screeningId: string, index: number, m: ScreenedMatch): ActionsBlock {
  const value = `${screeningId}|${index}|${m.entryId}`.slice(0, LIMITS.optionValue * 10);
  return {
    type: "actions",
    block_id: BLOCK.matchActions(index),
    elements: [
      {
        type: "button",
        action_id: uniqueActionId(ACTION.resolveMatch.confirmed, String(index)),
        text: plainText(RESOLUTION_LABELS.confirmed, LIMITS.button),
        style: "danger",
        value,
      },
      {
        type: "button",
        action_id: uniqueActionId(ACTION.resolveMatch.not_same_party, String(index)),
        text: plainText(RESOLUTION_LABELS.not_same_party, LIMITS.button),
        value,
      },
    ],
  };
}

/** The modal asking why: a reason is always required, and it says what the choice does. */
export function buildMatchResolutionModal(args: {
  ruleSet: RuleSet;
  reference: string;
  match: ScreenedMatch;
  outcome: ResolutionOutcome;
  metadata: string;
}): ModalView {
  const { ruleSet, reference, match, outcome } = args;
  const effect =
    outcome === "confirmed"
      ? "The screening gets the *restricted-party hard stop*: it can then only be approved under a licence or authorisation."
      : "This name and list entry are remembered as another party: they are not raised again until the entry changes. If nothing else calls for a decision, the screening is cleared.";
  const blocks: KnownBlock[] = [
    { type: "section", text: mrkdwn(`*${safeMrkdwn(reference, 40)}*\n${matchLine(ruleSet, match)}`) },
    { type: "context", elements: [mrkdwn(effect)] },
    {
      type: "input",
      block_id: BLOCK.matchReason,
      label: plainText(outcome === "confirmed" ? "How did you confirm it?" : "Why is it another party?", LIMITS.label),
      hint: plainText(
        outcome === "confirmed"
          ? "For example: same name, address and registration number as the Entity List entry."
          : "For example: different country and registration number; the listed party is a shipping firm, ours a city council.",
        LIMITS.hint,
      ),
      element: { type: "plain_text_input", action_id: ACTION.matchReason, multiline: true, max_length: 1000 },
    },
  ];
  return {
    type: "modal",
    callback_id: CALLBACK.matchResolution,
    private_metadata: args.metadata,
    title: plainText(outcome === "confirmed" ? "Confirm the match" : "Not the same party", LIMITS.title),
    submit: plainText(outcome === "confirmed" ? "Confirm match" : "Not the same party", LIMITS.title),
    close: plainText("Cancel", LIMITS.title),
    blocks,
  };
}

/** The thread note after a resolution. */
export function matchResolvedText(args: { ruleSet: RuleSet; match: ScreenedMatch; cleared: boolean; hardStop: boolean }): string[] {
  const { ruleSet, match, cleared, hardStop } = args;
  const r = match.resolution;
  if (!r) return [];
  const what = r.outcome === "confirmed" ? "confirmed a restricted-party match" : "resolved a potential list match as *not the same party*";
  const lines = [
    `${userMention(r.decidedBy)} ${what}: *${safeMrkdwn(match.partyName, 200)}* ↔ *${safeMrkdwn(match.listedName, 200)}* (${safeMrkdwn(match.source, 200)}).`,
    `Reason: ${safeMrkdwn(r.reason, 1000)}`,
  ];
  if (hardStop && r.outcome === "confirmed") lines.push("The screening now has the restricted-party hard stop: approve only under a licence or authorisation.");
  if (cleared) lines.push("Nothing else called for a decision: the screening is *cleared* and the requester is told.");
  return packLines(lines);
}

function listSetDate(iso: string): string {
  return slackDate(new Date(iso));
}

/**
 * After a new list set: new potential matches on a screening compliance holds (in its thread:
 * the message above now has their buttons) or on one already approved (a new channel message:
 * the decision stands, but nothing more should ship until compliance has looked).
 */
export function buildRescreenAlert(args: {
  ruleSet: RuleSet;
  reference: string;
  live: boolean;
  matches: ReadonlyArray<{ questionId: string; ourName: string; listedName: string; list: string; programs: string[]; score: number; url?: string | undefined }>;
}): { text: string; blocks: KnownBlock[] } {
  const { ruleSet, reference, live, matches } = args;
  const ref = safeMrkdwn(reference, 40);
  const head = live
    ? `:mag: *New restricted-party list set:* ${matches.length} new potential ${matches.length === 1 ? "match" : "matches"} for *${ref}*. Resolve ${matches.length === 1 ? "it" : "them"} on the message above before deciding.`
    : `:rotating_light: *New restricted-party list set:* ${matches.length} new potential ${matches.length === 1 ? "match" : "matches"} for *${ref}*, which is already approved. Review the deal before anything more ships (\`/screening status ${ref}\`).`;
  const lines = matches.map((m) => {
    const link = m.url && /^https:\/\/[^\s<>|]+$/.test(m.url) ? ` · <${m.url}|list entry>` : "";
    const programmes = m.programs.length > 0 ? ` · programmes: ${safeMrkdwn(m.programs.join(", "), 200)}` : "";
    return `• ${safeMrkdwn(questionLabel(ruleSet, m.questionId), 120)}: *${safeMrkdwn(m.ourName, 200)}* ↔ listed *${safeMrkdwn(m.listedName, 200)}* · ${safeMrkdwn(m.list, 200)}${programmes} · score ${m.score.toFixed(2)}${link}`;
  });
  return {
    text: `${reference}: new potential restricted-party matches`,
    blocks: packLines([head, ...lines]).slice(0, 10).map((text) => ({ type: "section" as const, text: mrkdwn(text) })),
  };
}
