// Slack-looking identifiers for the sandbox: the fake Web API and the forged requests both use
// these, so ids have the shapes real Slack ids have (a type letter, then upper-case letters and
// digits) and code that pattern-matches ids behaves as it would against Slack.
import { randomBytes, randomInt } from "node:crypto";

const ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function randomChars(count: number, alphabet: string = ID_ALPHABET): string {
  const bytes = randomBytes(count);
  let out = "";
  // 256 is not a multiple of 36: the slight bias is irrelevant for test identifiers.
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

function digits(count: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < count) out += String(randomInt(0, 10));
  return out;
}

/** "U0" + 9 characters, like a workspace user. */
export const newUserId = (): string => `U0${randomChars(9)}`;
/** "V0" + 9 characters, like a view. */
export const newViewId = (): string => `V0${randomChars(9)}`;
/** "C0" + 9 characters, like a public channel. */
export const newChannelId = (): string => `C0${randomChars(9)}`;
/** "Ev0" + 9 characters, like an Events API event id. */
export const newEventId = (): string => `Ev0${randomChars(9)}`;
/** "S0" + 9 characters, like a user group (subteam). */
export const newUsergroupId = (): string => `S0${randomChars(9)}`;

/** Like Slack's "12345.98765.abcd2358fdea": digits, digits, lower-case hex. */
export function newTriggerId(): string {
  return `${digits(11)}.${digits(9)}.${randomBytes(16).toString("hex")}`;
}

/** A view hash as views.* return it: "1569362015.55b5e41b". */
export function newViewHash(nowMs: number = Date.now()): string {
  return `${Math.floor(nowMs / 1000)}.${randomBytes(4).toString("hex")}`;
}

/** Seconds with six decimals ("1700000000.123456"), the shape of action_ts and event_ts. */
export function slackTimestamp(nowMs: number = Date.now()): string {
  const micros = Math.floor(nowMs * 1000) + randomInt(0, 1000);
  return formatMicros(micros);
}

export function formatMicros(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  return `${seconds}.${String(fraction).padStart(6, "0")}`;
}

/** Id patterns, for validating what a caller passes in. */
export const ID_PATTERN = {
  user: /^[UW][A-Z0-9]{2,}$/,
  channel: /^[CGD][A-Z0-9]{2,}$/,
  usergroup: /^S[A-Z0-9]{2,}$/,
  trigger: /^\d+\.\d+\.[0-9a-f]+$/i,
  ts: /^\d+\.\d{6}$/,
} as const;

/** The bot's DM channel with a user, as the fake Web API names it: "D" + the user id's tail. */
export function dmChannelIdFor(user: string): string {
  return `D${user.slice(1)}`;
}
