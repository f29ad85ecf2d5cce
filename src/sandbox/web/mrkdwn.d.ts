// Types of mrkdwn.js (served to the browser as is), for the unit tests.

export type InlineToken =
  | { type: "text"; text: string; source?: string }
  | { type: "code"; text: string }
  | { type: "bold" | "italic" | "strike"; children: InlineToken[] }
  | { type: "br" }
  | { type: "mention"; user: string; label?: string; source: string }
  | { type: "channel"; id: string; label: string; source: string }
  | { type: "broadcast"; label: string; source: string }
  | { type: "usergroup"; id: string; label: string; source: string }
  | { type: "date"; text: string; source: string }
  | { type: "link"; url: string; children: InlineToken[]; source: string };

export interface BlockToken {
  type: "paragraph" | "quote";
  children: InlineToken[];
}

export const EMOJI: Readonly<Record<string, string>>;
export function decodeEntities(text: string): string;
export function emojify(text: string): string;
export function parseMrkdwn(source: string, options?: { now?: Date }): BlockToken[];
export function formatSlackDate(seconds: number, format: string, fallback: string, now?: Date): string;
