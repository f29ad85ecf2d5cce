// chat.getPermalink on the fake Web API, through Slack's own client: the Home tab links waiting
// escalations to their channel messages with it.
import { ErrorCode, LogLevel, WebClient, type Logger } from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlackApi, type FakeSlackApi } from "../../src/sandbox/slack-api.js";

const COMPLIANCE = "C0COMPLIAN";
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

let fake: FakeSlackApi;
let client: WebClient;

beforeAll(async () => {
  fake = await startFakeSlackApi({ channels: [{ id: COMPLIANCE, name: "export-compliance" }] });
  client = new WebClient("xoxb-permalink-test", { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: quiet });
});
afterAll(() => fake.close());

async function errorOf(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
  } catch (err) {
    if (err instanceof Error && "code" in err && err.code === ErrorCode.PlatformError && "data" in err) return (err.data as { error?: string }).error;
    throw err;
  }
  throw new Error("expected the call to be refused");
}

describe("chat.getPermalink", () => {
  it("answers {ok, channel, permalink} for a message, as Slack does", async () => {
    const posted = await client.chat.postMessage({ channel: COMPLIANCE, text: "DD-2026-0001 needs a decision" });
    const res = await client.chat.getPermalink({ channel: COMPLIANCE, message_ts: posted.ts ?? "" });
    expect(res.ok).toBe(true);
    expect(res.channel).toBe(COMPLIANCE);
    expect(res.permalink).toBe(`https://${fake.identity.teamDomain}.slack.com/archives/${COMPLIANCE}/p${(posted.ts ?? "").replace(".", "")}`);
  });

  it("links a thread reply with its thread", async () => {
    const parent = await client.chat.postMessage({ channel: COMPLIANCE, text: "parent" });
    const reply = await client.chat.postMessage({ channel: COMPLIANCE, text: "reply", thread_ts: parent.ts ?? "" });
    const res = await client.chat.getPermalink({ channel: COMPLIANCE, message_ts: reply.ts ?? "" });
    expect(res.permalink).toMatch(new RegExp(`/p${(reply.ts ?? "").replace(".", "")}\\?thread_ts=${parent.ts}&cid=${COMPLIANCE}$`));
  });

  it("refuses an unknown message or channel with Slack's error codes", async () => {
    expect(await errorOf(client.chat.getPermalink({ channel: COMPLIANCE, message_ts: "1700000000.000001" }))).toBe("message_not_found");
    expect(await errorOf(client.chat.getPermalink({ channel: "not-a-channel", message_ts: "1700000000.000001" }))).toBe("channel_not_found");
  });
});
