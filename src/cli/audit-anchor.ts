// npm run audit:anchor [-- --no-post] — prints the audit trail's head (the line the bot publishes
// daily) and, when SLACK_BOT_TOKEN and COMPLIANCE_CHANNEL_ID are set, posts it to the compliance
// channel as the daily job does (src/services/audit-anchor.ts). Keep the line: `npm run
// audit:verify -- --heads FILE` checks that the trail still holds it.
// Exit 0: printed (and posted when configured). Exit 1: the post failed. Exit 2: could not read the trail.
import { slackAnchorPublisher } from "../bot.js";
import { anchorLine, anchorMessage, readAnchor } from "../services/audit-anchor.js";
import { openCliDatabase, redact } from "./cli-database.js";

const USAGE = "usage: npm run audit:anchor [-- --no-post]";

async function main(argv: string[]): Promise<number> {
  const noPost = argv.includes("--no-post");
  const unknown = argv.filter((a) => a !== "--no-post");
  if (unknown.length > 0) {
    process.stderr.write(`audit:anchor: unexpected argument ${JSON.stringify(unknown[0])}\n${USAGE}\n`);
    return 2;
  }
  const db = await openCliDatabase("audit:anchor", process.env, (line) => process.stderr.write(`${line}\n`));
  if (!db) return 2;
  let anchor;
  try {
    anchor = await readAnchor(db.sql, () => new Date());
  } finally {
    await db.close();
  }
  if (!anchor) {
    process.stdout.write("the audit trail is empty: nothing to anchor\n");
    return 0;
  }
  process.stdout.write(`${anchorLine(anchor)}\n`);

  const token = process.env.SLACK_BOT_TOKEN?.trim() || undefined;
  const channel = process.env.COMPLIANCE_CHANNEL_ID?.trim() || undefined;
  if (noPost) return 0;
  if (!token || !channel) {
    const missing = [token ? null : "SLACK_BOT_TOKEN", channel ? null : "COMPLIANCE_CHANNEL_ID"].filter(Boolean).join(" and ");
    process.stderr.write(`not posted: ${missing} not set; keep the line above yourself\n`);
    return 0;
  }
  const publish = slackAnchorPublisher({ token, channel, apiUrl: process.env.SLACK_API_URL?.trim() || undefined });
  const { text, metadata } = anchorMessage(anchor);
  try {
    await publish(text, metadata);
  } catch (err) {
    process.stderr.write(`audit:anchor: could not post the head to ${channel}: ${slackErrorOf(err)}\n`);
    return 1;
  }
  process.stdout.write(`posted to the compliance channel ${channel}\n`);
  return 0;
}

/** Slack's error code (e.g. not_in_channel), never the request it was for (it holds the token). */
function slackErrorOf(err: unknown): string {
  if (typeof err !== "object" || err === null) return "unknown error";
  const data: unknown = Reflect.get(err, "data");
  const apiError = typeof data === "object" && data !== null ? Reflect.get(data, "error") : undefined;
  if (typeof apiError === "string") return apiError;
  const code: unknown = Reflect.get(err, "code");
  return typeof code === "string" ? code : "unknown error";
}


main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:anchor failed: ${redact(err instanceof Error ? err.message : String(err), process.env.DATABASE_URL)}\n`);
    process.exit(2);
  },
);
