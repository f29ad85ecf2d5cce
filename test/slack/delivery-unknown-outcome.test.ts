// A post whose outcome is unknown (src/slack/delivery-worker.ts), through the real HTTP app: the
// escalation's chat.postMessage is carried out by Slack but answered only after the bot's client
// has given up. The bot must not post it again: it finds the message in the channel by its
// metadata, adopts its ts, and every later decision updates that one message.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlackApi, type FakeSlackApi, type Json } from "../../src/sandbox/slack-api.js";
import type { Database } from "../../src/store/database.js";
import type { E2E } from "../e2e/support/harness.js";
import { ackOf, high, medium, openDecision, rationaleState, submitScreening } from "../reliability/support/flows.js";
import { APPROVERS, COMPLIANCE, startInstance, waitUntil } from "../reliability/support/instances.js";
import { createTestDatabase } from "../support/db.js";

const TIMEOUT_MS = 300;

let api: FakeSlackApi;
let db: Database;
let bot: E2E;

beforeAll(async () => {
  api = await startFakeSlackApi();
  db = await createTestDatabase();
  bot = await startInstance({ api, database: db, slackTimeoutMs: TIMEOUT_MS });
}, 60_000);
afterAll(async () => {
  await bot?.close();
  await api?.close();
  await db?.close();
});

/** The escalation post itself: a top-level message in the compliance channel. */
const escalationPost = (args: Json) => args.channel === COMPLIANCE && args.thread_ts === undefined;

function inChannel(reference: string) {
  return api.messages(COMPLIANCE).filter((m) => JSON.stringify(m.blocks).includes(reference));
}

describe("an escalation post answered after the client's timeout", () => {
  it("is posted once: the retry finds it in the channel by its metadata, and later decisions update that message", async () => {
    const since = api.calls.length;
    api.failNext("chat.postMessage", { delayMs: TIMEOUT_MS * 4, match: escalationPost });
    const row = await submitScreening(bot, bot.person("USLOWPOST"), medium.answers);
    const escalation = await db.prisma.escalation.findUniqueOrThrow({ where: { screeningId: row.id } });
    await waitUntil(async () => (await db.prisma.escalation.findUniqueOrThrow({ where: { id: escalation.id } })).messageTs !== null, 15_000, "the escalation's message ts stored");
    await bot.settle();

    const messages = inChannel(row.reference);
    expect(messages).toHaveLength(1);
    const ts = messages[0]!.ts;
    expect(await db.prisma.escalation.findUniqueOrThrow({ where: { id: escalation.id } })).toMatchObject({ messageTs: ts });
    // posted once, with metadata naming the escalation; the answer came after the client gave up
    const posts = api.calls.slice(since).filter((c) => c.method === "chat.postMessage" && escalationPost(c.args));
    expect(posts).toHaveLength(1);
    expect(posts[0]?.answeredAfterMs).toBe(TIMEOUT_MS * 4);
    expect(messages[0]?.metadata).toEqual({ event_type: "dd_escalation", event_payload: expect.objectContaining({ reference: row.reference, escalation_id: escalation.id }) });
    // the retry looked in the channel, with metadata, before posting
    const looks = api.calls.slice(since).filter((c) => c.method === "conversations.history");
    expect(looks.length).toBeGreaterThanOrEqual(1);
    expect(looks[0]?.args).toMatchObject({ channel: COMPLIANCE, include_all_metadata: "true" });
    expect(bot.logs.some((l) => l.includes("escalation message found in the channel"))).toBe(true);
    const delivery = await db.prisma.delivery.findFirstOrThrow({ where: { screeningId: row.id, kind: "sync_escalation" } });
    expect(delivery).toMatchObject({ status: "delivered", lastError: null });
    expect(delivery.attempts).toBeGreaterThanOrEqual(2);

    // a decision updates that message in place: still one message, now showing the outcome
    const approver = await openDecision(bot, APPROVERS[0]!, ts, "approve", escalation.id);
    expect(ackOf(await approver.submit(rationaleState("Border authority end use verified."))).response_action).toBe("clear");
    await bot.settle();
    expect(await db.prisma.screening.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "approved" });
    const after = inChannel(row.reference);
    expect(after).toHaveLength(1);
    expect(after[0]?.ts).toBe(ts);
    expect(after[0]?.edited).toBeDefined();
    expect(JSON.stringify(after[0]?.blocks)).not.toContain("decide_approve");
    expect(api.dms("USLOWPOST").filter((m) => m.text.includes(`${row.reference} is approved`))).toHaveLength(1);
  }, 60_000);

  it("a post lost with its connection is looked for, not found, and posted: once", async () => {
    const since = api.calls.length;
    api.failNext("chat.postMessage", { network: true, match: escalationPost });
    const row = await submitScreening(bot, bot.person("ULOSTPOST"), high.answers);
    await waitUntil(async () => (await db.prisma.escalation.findUniqueOrThrow({ where: { screeningId: row.id } })).messageTs !== null, 15_000, "the escalation's message ts stored");
    await bot.settle();
    expect(inChannel(row.reference)).toHaveLength(1);
    expect(api.calls.slice(since).some((c) => c.method === "conversations.history")).toBe(true);
    expect(api.calls.slice(since).filter((c) => c.method === "chat.postMessage" && escalationPost(c.args))).toHaveLength(2);
  }, 60_000);

  it("when the channel's history cannot be read, the escalation is posted again rather than never, and the log says why", async () => {
    api.failNext("chat.postMessage", { delayMs: TIMEOUT_MS * 3, match: escalationPost });
    api.failNext("conversations.history", { error: "not_in_channel" });
    const row = await submitScreening(bot, bot.person("UNOHISTORY"), medium.answers);
    await waitUntil(async () => (await db.prisma.escalation.findUniqueOrThrow({ where: { screeningId: row.id } })).messageTs !== null, 15_000, "the escalation's message ts stored");
    await bot.settle();
    const line = bot.logs.find((l) => l.includes("cannot look in the channel") && l.includes(row.id));
    expect(line).toContain("not_in_channel");
    // the documented cost of a channel the bot is not a member of: the slow post and the new one
    const messages = inChannel(row.reference);
    expect(messages).toHaveLength(2);
    const stored = await db.prisma.escalation.findUniqueOrThrow({ where: { screeningId: row.id } });
    expect(stored.messageTs).toBe(messages[1]?.ts);
  }, 60_000);
});
