// What the delivery worker relies on to tell an unknown outcome from a failure, checked against
// the Slack stand-in with the real Web API client: conversations.history with message metadata
// (pages, time window, metadata only when asked for), a chat.postMessage answered after the
// client's timeout (carried out all the same), and how the worker reads the client's errors.
import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlackApi, type FakeSlackApi } from "../../src/sandbox/slack-api.js";
import { freePort } from "../reliability/support/bot-process.js";
import { classify, mayHaveReachedSlack } from "../../src/slack/delivery-worker.js";

const CHANNEL = "C0HISTORY";
let api: FakeSlackApi;

beforeAll(async () => {
  api = await startFakeSlackApi({ channels: [{ id: CHANNEL, name: "compliance" }, { id: "G0OUTSIDE", name: "elsewhere" }] });
});
afterAll(async () => {
  await api?.close();
});

function client(timeout = 2_000): webApi.WebClient {
  return new webApi.WebClient("xoxb-history-test", { slackApiUrl: api.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout });
}

describe("conversations.history on the stand-in", () => {
  it("pages newest first within the window, and shows metadata only with include_all_metadata", async () => {
    const web = client();
    const posted: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await web.chat.postMessage({ channel: CHANNEL, text: `message ${i}`, metadata: { event_type: "dd_escalation", event_payload: { n: i } } });
      posted.push(String(res.ts));
    }
    const first = await web.conversations.history({ channel: CHANNEL, limit: 2, include_all_metadata: true, oldest: posted[0] });
    expect(first.messages?.map((m) => m.ts)).toEqual([posted[4], posted[3]]);
    expect(first.messages?.[0]?.metadata).toEqual({ event_type: "dd_escalation", event_payload: { n: 4 } });
    expect(first.has_more).toBe(true);
    const second = await web.conversations.history({ channel: CHANNEL, limit: 2, include_all_metadata: true, oldest: posted[0], cursor: first.response_metadata?.next_cursor ?? "" });
    expect(second.messages?.map((m) => m.ts)).toEqual([posted[2], posted[1]]);
    // `oldest` is exclusive unless inclusive is set
    expect(second.has_more).toBe(false);
    const plain = await web.conversations.history({ channel: CHANNEL, limit: 10 });
    expect(plain.messages?.length).toBe(5);
    expect(plain.messages?.every((m) => m.metadata === undefined)).toBe(true);
  });

  it("refuses a channel it does not know, as Slack does", async () => {
    await expect(client().conversations.history({ channel: "C0NOWHERE1" })).rejects.toMatchObject({ data: { error: "channel_not_found" } });
  });
});

describe("a chat.postMessage answered after the client's timeout", () => {
  it("is carried out, times out at the client, and reads as an outcome that may have reached Slack", async () => {
    const since = api.calls.length;
    api.failNext("chat.postMessage", { delayMs: 400, match: (args) => args.channel === CHANNEL });
    const error = await client(100)
      .chat.postMessage({ channel: CHANNEL, text: "slow one" })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).toBeDefined();
    expect(mayHaveReachedSlack(error)).toBe(true);
    expect(classify(error)).toMatchObject({ permanent: false, reason: "timed out" });
    expect(api.messages(CHANNEL).filter((m) => m.text === "slow one")).toHaveLength(1);
    expect(api.calls.slice(since).find((c) => c.method === "chat.postMessage")?.answeredAfterMs).toBe(400);
  });

  it("the fault applies only to the calls it matches", async () => {
    api.failNext("chat.postMessage", { error: "is_archived", match: (args) => args.channel === "G0OUTSIDE" });
    await expect(client().chat.postMessage({ channel: CHANNEL, text: "unaffected" })).resolves.toMatchObject({ ok: true });
    await expect(client().chat.postMessage({ channel: "G0OUTSIDE", text: "refused" })).rejects.toMatchObject({ data: { error: "is_archived" } });
  });

  it("Slack's refusals and a connection never made did not reach it; a 5xx may have", async () => {
    api.failNext("chat.postMessage", { error: "channel_not_found" });
    const refused = await client().chat.postMessage({ channel: CHANNEL, text: "x" }).catch((err: unknown) => err);
    expect(mayHaveReachedSlack(refused)).toBe(false);
    api.failNext("chat.postMessage", { retryAfter: 1 });
    const limited = await client().chat.postMessage({ channel: CHANNEL, text: "x" }).catch((err: unknown) => err);
    expect(mayHaveReachedSlack(limited)).toBe(false);
    api.failNext("chat.postMessage", { status: 500 });
    const failed = await client().chat.postMessage({ channel: CHANNEL, text: "x" }).catch((err: unknown) => err);
    expect(mayHaveReachedSlack(failed)).toBe(true);
    const closed = new webApi.WebClient("xoxb-history-test", { slackApiUrl: `http://127.0.0.1:${await freePort()}/api/`, retryConfig: { retries: 0 }, timeout: 2_000 });
    const unreachable = await closed.chat.postMessage({ channel: CHANNEL, text: "x" }).catch((err: unknown) => err);
    expect(mayHaveReachedSlack(unreachable)).toBe(false);
  });
});
