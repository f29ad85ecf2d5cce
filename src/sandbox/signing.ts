// Slack's request signing (v0): what Slack puts on every request it sends to the app, so forged
// requests pass Bolt's verification exactly as real ones do.
import { createHmac, timingSafeEqual } from "node:crypto";

export type SlackSignatureHeaders = {
  "X-Slack-Signature": string;
  "X-Slack-Request-Timestamp": string;
};

/**
 * "v0=" + hex HMAC-SHA256(secret, "v0:{timestamp}:{raw body}"); timestamp in Unix seconds, default
 * now. The body as text (UTF-8) or as the bytes about to be sent.
 */
export function signSlackRequest(signingSecret: string, rawBody: string | Buffer, timestampSec: number = Math.floor(Date.now() / 1000)): SlackSignatureHeaders {
  const ts = String(Math.floor(timestampSec));
  const signature = createHmac("sha256", signingSecret).update(`v0:${ts}:`).update(rawBody).digest("hex");
  return { "X-Slack-Signature": `v0=${signature}`, "X-Slack-Request-Timestamp": ts };
}

/**
 * The receiving side: true when the signature matches and the timestamp is within
 * `toleranceSec` (Slack: 5 minutes) of `nowSec`.
 */
export function verifySlackSignature(
  signingSecret: string,
  rawBody: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  nowSec: number = Math.floor(Date.now() / 1000),
  toleranceSec = 300,
): boolean {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSec - Number(timestamp)) > toleranceSec) return false;
  const expected = Buffer.from(signSlackRequest(signingSecret, rawBody, Number(timestamp))["X-Slack-Signature"]);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
