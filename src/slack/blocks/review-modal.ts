// The last step of the interview: every page's answers, an Edit button per page, and a
// warning when required answers are missing. Pure.
//
// A questionnaire of a dozen pages with long free-text answers would not fit Slack's limits
// (3000 characters per section, 100 blocks per modal) if shown in full, so answers are
// shortened step by step until the whole review fits.
import type { KnownBlock, ModalView } from "@slack/types";
import { describeAnswer, questionIndex, type MissingAnswer, type PageInForce } from "../../domain/interview.js";
import type { Answers, RuleSet } from "../../domain/rule-set.js";
import { ACTION, BLOCK, CALLBACK, uniqueActionId } from "../ids.js";
import { quoteLines } from "./screening-facts.js";
import { LIMITS, escapeMrkdwn, mrkdwn, packLines, plainText, plural, safeMrkdwn, truncate } from "./text.js";

export interface ReviewModalArgs {
  ruleSet: RuleSet;
  screening: { id: string; reference: string };
  pages: PageInForce[];
  answers: Answers;
  missing: MissingAnswer[];
}

export const REVIEW_SUBMIT = "Submit screening";

/** How much of each label and answer to show, from generous to terse. */
const DETAIL_LEVELS = [
  { label: 300, answer: 1200 },
  { label: 150, answer: 500 },
  { label: 100, answer: 200 },
  { label: 60, answer: 80 },
] as const;
const TERSE = { label: 60, answer: 80 } as const;

/** The block id of a page's Edit button row (unique per page). */
export function reviewEditBlockId(pageId: string): string {
  return `${BLOCK.reviewActions}:${pageId}`.slice(0, LIMITS.blockId);
}

export function buildReviewModal(args: ReviewModalArgs): ModalView {
  const head = headBlocks(args);
  let body: KnownBlock[] = [];
  for (const level of DETAIL_LEVELS) {
    body = args.pages.flatMap((p) => pageBlocks(args, p, level, false));
    if (head.length + body.length <= LIMITS.modalBlocks) break;
  }
  if (head.length + body.length > LIMITS.modalBlocks) {
    body = args.pages.flatMap((p) => pageBlocks(args, p, TERSE, true));
  }
  let blocks = [...head, ...body];
  if (blocks.length > LIMITS.modalBlocks) {
    blocks = [
      ...blocks.slice(0, LIMITS.modalBlocks - 1),
      { type: "context", elements: [mrkdwn("Too many pages to show them all here. Use `/screening status` after submitting to see every answer.")] },
    ];
  }
  return {
    type: "modal",
    callback_id: CALLBACK.review,
    private_metadata: JSON.stringify({ s: args.screening.id }),
    notify_on_close: true,
    title: plainText("Review and submit", LIMITS.title),
    submit: plainText(REVIEW_SUBMIT, LIMITS.title),
    close: plainText("Save & close", LIMITS.title),
    blocks,
  };
}

function headBlocks(args: ReviewModalArgs): KnownBlock[] {
  const blocks: KnownBlock[] = [
    {
      type: "context",
      elements: [
        mrkdwn(
          `${escapeMrkdwn(args.screening.reference)} · Check your answers, then press *${REVIEW_SUBMIT}*. *Edit* opens a page again; your answers are already saved.`,
        ),
      ],
    },
  ];
  if (args.missing.length > 0) {
    const index = questionIndex(args.ruleSet);
    const shown = args.missing.slice(0, 15);
    const lines = shown.map((m) => {
      const entry = index.get(m.questionId);
      const page = entry?.page.title ?? m.pageId;
      const label = entry?.question.label ?? m.questionId;
      return `• ${safeMrkdwn(page, 40)}: ${safeMrkdwn(label, 150)}`;
    });
    if (args.missing.length > shown.length) lines.push(`…and ${args.missing.length - shown.length} more`);
    blocks.push({
      type: "section",
      text: mrkdwn(
        truncate(
          `:warning: *${plural(args.missing.length, "required answer")} missing.* Submitting takes you to the first page with a gap.\n${lines.join("\n")}`,
          LIMITS.sectionText,
        ),
      ),
    });
  }
  return blocks;
}

function pageBlocks(args: ReviewModalArgs, p: PageInForce, level: { label: number; answer: number }, oneSection: boolean): KnownBlock[] {
  const title = `*${safeMrkdwn(p.page.title, 100)}*`;
  const lines = p.questions.map((q) => {
    const answer = describeAnswer(args.ruleSet, q, args.answers[q.id]);
    return `*${safeMrkdwn(q.label, level.label)}*\n>${quoteLines(safeMrkdwn(answer, level.answer))}`;
  });
  const chunks = oneSection ? [truncate([title, ...lines].join("\n"), LIMITS.sectionText)] : packLines([title, ...lines], LIMITS.sectionText);
  return [
    ...chunks.map((text): KnownBlock => ({ type: "section", text: mrkdwn(text) })),
    {
      type: "actions",
      block_id: reviewEditBlockId(p.page.id),
      elements: [{ type: "button", action_id: uniqueActionId(ACTION.editPage, p.page.id), text: plainText(`Edit ${p.page.title}`, LIMITS.button), value: p.page.id }],
    },
  ];
}
