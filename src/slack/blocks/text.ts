// Text objects that respect Slack's limits, and the escaping every piece of user-supplied text
// needs before it goes into mrkdwn. Pure.
//
// In mrkdwn, & < > are control characters: unescaped, an answer such as "<!channel>" or
// "<https://evil|ok>" becomes a real mass mention or a disguised link. Everything a person
// typed (answers, rationale, conditions, names) goes through escapeMrkdwn, or into plain_text,
// which never parses mentions.
import type { KnownBlock, MrkdwnElement, PlainTextElement, PlainTextOption } from "@slack/types";

/** A message for chat.postMessage / chat.update / an ephemeral reply. */
export interface SlackMessage {
  /** fallback for notifications and screen readers; never carries user-supplied text unescaped */
  text: string;
  blocks: KnownBlock[];
}

/** Block Kit limits the builders enforce (docs/slack-platform.md, LIMITS). */
export const LIMITS = {
  title: 24,
  button: 75,
  header: 150,
  sectionText: 3000,
  field: 2000,
  fields: 10,
  label: 2000,
  hint: 2000,
  placeholder: 150,
  optionText: 75,
  optionDescription: 75,
  optionValue: 150,
  optionsPerSelect: 100,
  optionGroups: 100,
  radioOptions: 10,
  checkboxOptions: 10,
  textInput: 3000,
  contextElements: 10,
  actionsElements: 25,
  modalBlocks: 100,
  homeBlocks: 100,
  messageBlocks: 50,
  privateMetadata: 3000,
  blockId: 255,
  messageText: 4000,
} as const;

/** Escapes the three mrkdwn control characters, and nothing else. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Shortens `s` to at most `max` UTF-16 code units, ending in "…" when anything was cut.
 * Never splits a surrogate pair, and never leaves half an HTML entity (&amp; &lt; &gt;) at the end,
 * so it is safe on text that was already escaped.
 */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 0) return "";
  if (max === 1) return "…";
  let cut = s.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  cut = cut.replace(/&(?:a|am|amp|l|lt|g|gt)?$/, "");
  return `${cut}…`;
}

/** Escaped and shortened: user text ready to sit inside mrkdwn. */
export function safeMrkdwn(s: string, max: number = LIMITS.sectionText): string {
  return truncate(escapeMrkdwn(s), max);
}

/** A plain_text object (never parses mentions or links), shortened to `max`; never empty. */
export function plainText(text: string, max: number = LIMITS.sectionText): PlainTextElement {
  const t = text.trim() === "" ? "—" : text;
  return { type: "plain_text", text: truncate(t, max), emoji: true };
}

/**
 * A mrkdwn object from text that is ALREADY safe (built from escaped user text and our own
 * formatting). Shortened to `max`; never empty.
 */
export function mrkdwn(text: string, max: number = LIMITS.sectionText): MrkdwnElement {
  const t = text.trim() === "" ? "—" : text;
  return { type: "mrkdwn", text: truncate(t, max) };
}

/** An option for selects, radio buttons and checkboxes: plain text only, within limits. */
export function plainOption(value: string, label: string, description?: string): PlainTextOption {
  return {
    text: plainText(label, LIMITS.optionText),
    value: value.slice(0, LIMITS.optionValue),
    ...(description ? { description: plainText(description, LIMITS.optionDescription) } : {}),
  };
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** `<@U…>` for a real Slack user id; anything else is shown escaped, so it can never mention. */
export function userMention(id: string): string {
  return SLACK_USER_ID.test(id) ? `<@${id}>` : escapeMrkdwn(id);
}

/** A Slack date token that each reader sees in their own time zone, with an ISO fallback. */
export function slackDate(date: Date): string {
  const time = date.getTime();
  if (!Number.isFinite(time)) return "(unknown time)";
  const iso = date.toISOString().replace(/\.\d{3}Z$/, "Z");
  return `<!date^${Math.floor(time / 1000)}^{date_short_pretty} {time}|${iso}>`;
}

/** Joins mrkdwn lines into chunks of at most `max` characters (one line longer than `max` is shortened). */
export function packLines(lines: readonly string[], max: number = LIMITS.sectionText): string[] {
  const chunks: string[] = [];
  let current = "";
  for (const raw of lines) {
    const line = truncate(raw, max);
    if (current === "") current = line;
    else if (current.length + 1 + line.length <= max) current = `${current}\n${line}`;
    else {
      chunks.push(current);
      current = line;
    }
  }
  if (current !== "") chunks.push(current);
  return chunks;
}

/** "1 screening", "3 screenings". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
