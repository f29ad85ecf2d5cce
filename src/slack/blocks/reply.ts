// The requester's reply to compliance: the modal they write it in, and the post in the
// escalation's thread that carries it. Pure.
import type { KnownBlock, ModalView } from "@slack/types";
import { ACTION, BLOCK, CALLBACK } from "../ids.js";
import { LIMITS, escapeMrkdwn, mrkdwn, plainText, safeMrkdwn, userMention, type SlackMessage } from "./text.js";

/** Longest reply the input accepts (Slack's cap on a text input; the service checks it again). */
export const REPLY_INPUT_MAX = 3000;

/** Opened straight from the DM's Reply button, before any database work: it needs only the id. */
export function buildReplyModal(args: { screeningId: string }): ModalView {
  return {
    type: "modal",
    callback_id: CALLBACK.reply,
    private_metadata: JSON.stringify({ s: args.screeningId }),
    title: plainText("Reply to compliance", LIMITS.title),
    submit: plainText("Send reply", LIMITS.title),
    close: plainText("Cancel", LIMITS.title),
    blocks: [
      {
        type: "section",
        text: mrkdwn("Answer compliance's question in your own words. Your reply is posted under your name in the screening's thread in the compliance channel."),
      },
      {
        type: "input",
        block_id: BLOCK.reply,
        label: plainText("Your reply to compliance", LIMITS.label),
        element: {
          type: "plain_text_input",
          action_id: ACTION.replyText,
          multiline: true,
          max_length: REPLY_INPUT_MAX,
          placeholder: plainText("For example: which units will use it, and under which law", LIMITS.placeholder),
        },
      },
      { type: "context", elements: [mrkdwn("To change your answers instead, close this and press *Edit answers* in the message.")] },
    ],
  };
}

/**
 * The reply in the escalation's thread, attributed to the requester. The text is escaped, so a
 * reply such as "<!channel>" shows as typed and notifies no one; a long reply (escaping can make
 * it five times longer) is split over several quoted sections rather than cut.
 */
export function buildThreadReply(args: { reference: string; requesterId: string; text: string }): SlackMessage {
  const head = `:speech_balloon: ${userMention(args.requesterId)} replied on *${escapeMrkdwn(args.reference)}*:`;
  const chunks = quotedChunks(args.text, QUOTE_CHUNK);
  const [first = ">—", ...rest] = chunks;
  const blocks: KnownBlock[] = [
    { type: "section", text: mrkdwn(`${head}\n${first}`) },
    ...rest.slice(0, LIMITS.messageBlocks - 1).map((text): KnownBlock => ({ type: "section", text: mrkdwn(text) })),
  ];
  return { text: `${escapeMrkdwn(args.reference)}: reply from ${userMention(args.requesterId)}: ${safeMrkdwn(args.text, 300)}`, blocks };
}

/** Room for the heading in the first section. */
const QUOTE_CHUNK = LIMITS.sectionText - 200;

/** Escaped text as block-quote lines, in pieces of at most `max` characters; never splits an escape. */
export function quotedChunks(raw: string, max: number): string[] {
  const chunks: string[] = [];
  let current = ">";
  for (const ch of raw) {
    const piece = ch === "\n" ? "\n>" : escapeMrkdwn(ch);
    if (current.length + piece.length > max) {
      // A new section starts a new line anyway: no empty quoted line at the end of this one.
      chunks.push(current.replace(/\n>$/, ""));
      current = ch === "\n" ? ">" : `>${piece}`;
    } else {
      current += piece;
    }
  }
  if (current !== ">" || chunks.length === 0) chunks.push(current);
  return chunks;
}
