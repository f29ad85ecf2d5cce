// What View answers (escalation message) and Details (/screening status) open: everything an
// approver needs to decide, in one modal. Every answer in force grouped by questionnaire page,
// what changed at the last resubmission (old → new), the reference data the scoring read, and
// the score with every factor by weight, hard stops first, each with its source. Pure.
//
// A long questionnaire with long free-text answers would not fit Slack's limits (100 blocks,
// 3000 characters per section, 250 kB per view) if shown in full, so labels and answers are
// shortened step by step until the whole modal fits, as the review modal does.
import type { KnownBlock, ModalView } from "@slack/types";
import { describeAnswer, interviewState } from "../../domain/interview.js";
import type { ScreeningAnswers } from "../../domain/records.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { STATUS_LABELS } from "../../domain/screening.js";
import { factorsByWeight } from "../../domain/scoring.js";
import { CALLBACK } from "../ids.js";
import {
  answerChangeLine,
  answerText,
  authorisationLines,
  factLine,
  factorLine,
  hardStopLine,
  quoteLines,
  ruleSetVersionText,
  scoreOf,
  tierLabelOf,
} from "./screening-facts.js";
import { linkLines, renewalBlocks } from "./rescreening.js";
import { LIMITS, mrkdwn, packLines, plainText, plural, safeMrkdwn, slackDate, userMention } from "./text.js";

/** How much of each label and answer to show, from generous to terse. */
const DETAIL_LEVELS = [
  { label: 300, answer: 1200, sections: 6 },
  { label: 200, answer: 500, sections: 4 },
  { label: 150, answer: 200, sections: 3 },
  { label: 100, answer: 100, sections: 2 },
  { label: 60, answer: 60, sections: 1 },
] as const;
type Detail = (typeof DETAIL_LEVELS)[number];

/** Below Slack's 250 kB per view, with room for the view's own fields. */
const VIEW_BYTES = 240_000;

export const CHANGED_MARK = ":pencil2:";

export function buildAnswersModal(args: { ruleSet: RuleSet; answers: ScreeningAnswers }): ModalView {
  let blocks: KnownBlock[] = [];
  for (const level of DETAIL_LEVELS) {
    blocks = bodyBlocks(args, level);
    if (blocks.length <= LIMITS.modalBlocks && byteLength(blocks) <= VIEW_BYTES) break;
  }
  if (blocks.length > LIMITS.modalBlocks) {
    blocks = [
      ...blocks.slice(0, LIMITS.modalBlocks - 1),
      { type: "context", elements: [mrkdwn("Not everything fits in one view: some answers or factors are left out.")] },
    ];
  }
  const reference = args.answers.detail.screening.reference;
  return {
    type: "modal",
    callback_id: CALLBACK.answers,
    title: plainText(`Answers ${reference}`, LIMITS.title),
    close: plainText("Close", LIMITS.title),
    blocks,
  };
}

function bodyBlocks(args: { ruleSet: RuleSet; answers: ScreeningAnswers }, level: Detail): KnownBlock[] {
  return [...headBlocks(args), ...renewalSection(args, level), ...changeBlocks(args, level), ...pageBlocks(args, level), ...scoringBlocks(args, level)];
}

function headBlocks({ ruleSet, answers }: { ruleSet: RuleSet; answers: ScreeningAnswers }): KnownBlock[] {
  const s = answers.detail.screening;
  const blocks: KnownBlock[] = [
    { type: "header", text: plainText(`${s.reference} · Tier ${tierLabelOf(s)}`, LIMITS.header) },
    {
      type: "section",
      fields: [
        mrkdwn(`*Status*\n${STATUS_LABELS[s.status]}`, LIMITS.field),
        mrkdwn(`*Requester*\n${userMention(s.requesterId)}`, LIMITS.field),
        mrkdwn(`*Score*\n${scoreOf(s)}`, LIMITS.field),
        mrkdwn(`*Submitted*\n${s.submittedAt ? slackDate(s.submittedAt) : "not yet"}`, LIMITS.field),
        mrkdwn(`*Rule set version*\n${ruleSetVersionText(ruleSet, s.ruleSetHash)}`, LIMITS.field),
      ],
    },
  ];
  // re-screening: the link in both records (blocks/rescreening.ts)
  const links = linkLines(s);
  if (links.length > 0) blocks.push({ type: "context", elements: [mrkdwn(links.join(" · "))] });
  const authorisations = authorisationLines(answers.detail.escalation);
  if (authorisations.length > 0) {
    blocks.push(...sections(["*Licences and authorisations* the approvals were given under", ...authorisations], 2, "…more authorisations than fit here."));
  }
  if (answers.resubmission?.pending) {
    blocks.push({
      type: "context",
      elements: [mrkdwn(`${CHANGED_MARK} The requester is changing answers after a request for information: what you see is not resubmitted yet.`)],
    });
  }
  return blocks;
}

/** A re-screening: the screening it renews, its decision, and every answer changed since (old → new). */
function renewalSection({ ruleSet, answers }: { ruleSet: RuleSet; answers: ScreeningAnswers }, level: Detail): KnownBlock[] {
  if (!answers.renewal) return [];
  return renewalBlocks(ruleSet, answers.renewal, { maxChanges: 200, label: level.label, answer: Math.min(level.answer, 500), rationale: level.answer, maxSections: level.sections });
}

function changeBlocks({ ruleSet, answers }: { ruleSet: RuleSet; answers: ScreeningAnswers }, level: Detail): KnownBlock[] {
  const r = answers.resubmission;
  if (!r) return [];
  const since = `since the submission of ${slackDate(r.previousSubmittedAt)}`;
  if (r.changes.length === 0) return [{ type: "context", elements: [mrkdwn(`No answer changed ${since}.`)] }];
  const lines = [
    `${CHANGED_MARK} *${plural(r.changes.length, "answer")} changed* ${since} (old → new)`,
    ...r.changes.map((c) => answerChangeLine(ruleSet, c, { label: level.label, answer: Math.min(level.answer, 500) })),
  ];
  return sections(lines, level.sections, "…more changes than fit here.");
}

function pageBlocks({ ruleSet, answers }: { ruleSet: RuleSet; answers: ScreeningAnswers }, level: Detail): KnownBlock[] {
  const { detail, resubmission } = answers;
  const changed = new Map((resubmission?.changes ?? []).map((c) => [c.questionId, c]));
  const { pages } = interviewState(ruleSet, detail.answers);
  const blocks: KnownBlock[] = [{ type: "divider" }];
  for (const { page, questions } of pages) {
    blocks.push({ type: "header", text: plainText(page.title, LIMITS.header) });
    const lines = questions.map((q) => {
      const answer = safeMrkdwn(describeAnswer(ruleSet, q, detail.answers[q.id]), level.answer);
      const change = changed.get(q.id);
      const label = `*${safeMrkdwn(q.label, level.label)}*`;
      if (!change) return `${label}\n>${quoteLines(answer)}`;
      const before = safeMrkdwn(answerText(ruleSet, q.id, change.before), Math.min(level.answer, 300));
      return `${CHANGED_MARK} ${label} _(changed)_\n>${quoteLines(answer)}\nwas: ${before}`;
    });
    blocks.push(...sections(lines, level.sections, `…more answers on ${safeMrkdwn(page.title, 80)} than fit here.`));
  }
  if (pages.length === 0) blocks.push({ type: "section", text: mrkdwn("No answers yet.") });
  return blocks;
}

function scoringBlocks({ ruleSet, answers }: { ruleSet: RuleSet; answers: ScreeningAnswers }, level: Detail): KnownBlock[] {
  const result = answers.detail.screening.scoring;
  if (!result) return [{ type: "divider" }, { type: "context", elements: [mrkdwn("Not scored yet: the score and factors appear once the screening is submitted.")] }];
  const blocks: KnownBlock[] = [{ type: "divider" }];
  const facts = result.facts ?? [];
  if (facts.length > 0) {
    blocks.push(...sections([`*Reference data applied* (${facts.length})`, ...facts.map(factLine)], level.sections, "…more reference data than fits here."));
  }
  const groups = result.groups
    .filter((g) => g.raw > 0)
    .map((g) => `${safeMrkdwn(g.label, 80)} ${g.points > 0 ? "+" : ""}${g.points}${g.capped ? ` (capped, ${g.raw} before the cap)` : ""}`);
  const scoreLine = `*Score:* ${scoreOf(answers.detail.screening)}${groups.length > 0 ? ` = ${groups.join(", ")}` : ""}`;
  const hardStops = result.hardStops.length > 0 ? [`:no_entry: *Hard stops* (${result.hardStops.length})`, ...result.hardStops.map(hardStopLine)] : [];
  const factors = factorsByWeight(result);
  const factorLines = factors.length > 0 ? [`*Factors by weight* (${factors.length})`, ...factors.map((f) => factorLine(ruleSet, f))] : ["*Factors:* none"];
  blocks.push(...sections([scoreLine, ...hardStops, ...factorLines], level.sections + 2, "…more factors than fit here."));
  if (result.missing.length > 0) {
    blocks.push({ type: "context", elements: [mrkdwn(`:warning: Scored with ${plural(result.missing.length, "required answer")} missing.`)] });
  }
  return blocks;
}

/** Lines packed into at most `max` sections; a context says when some did not fit. */
function sections(lines: readonly string[], max: number, overflow: string): KnownBlock[] {
  const chunks = packLines(lines, LIMITS.sectionText);
  const kept = chunks.slice(0, max).map((text): KnownBlock => ({ type: "section", text: mrkdwn(text) }));
  if (chunks.length > max) kept.push({ type: "context", elements: [mrkdwn(overflow)] });
  return kept;
}

function byteLength(blocks: KnownBlock[]): number {
  return new TextEncoder().encode(JSON.stringify(blocks)).length;
}
