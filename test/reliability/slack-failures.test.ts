// Point 4, Slack failures: a failed chat.postMessage / chat.update / DM (429 with Retry-After,
// 5xx, a dropped connection, a stalled one) stays in the outbox and is retried with backoff
// until it succeeds; a permanent error (channel_not_found, not_in_channel) is logged, listed in
// /healthz and told to the requester, and the escalation is not lost; after a restart the
// deliveries resume. The fault-injection test makes the fake Slack fail for a while and then
// recover, and counts every escalation and DM: each delivered exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlackApi, type ApiCall, type FakeSlackApi } from "../../src/sandbox/slack-api.js";
import type { Database } from "../../src/store/database.js";
import type { E2E } from "../e2e/support/harness.js";
import { createTestDatabase } from "../support/db.js";
import { ackOf, escalationMessage, high, low, medium, openDecision, rationaleState, submitScreening } from "./support/flows.js";
import { APPROVERS, COMPLIANCE, printFigures, startInstance, waitUntil } from "./support/instances.js";
import { startSlackGate } from "./support/slack-gate.js";

let api: FakeSlackApi;
let db: Database;
let bot: E2E;
const figures = { faultsInjected: 0, deliveriesCompleted: 0, deliveriesRetried: 0, duplicates: 0, escalationsLost: 0, permanentFailuresSurfaced: 0 };

beforeAll(async () => {
  api = await startFakeSlackApi();
  db = await createTestDatabase();
  bot = await startInstance({ api, database: db });
}, 60_000);
afterAll(async () => {
  figures.deliveriesCompleted = await db?.prisma.delivery.count({ where: { status: "delivered" } }) ?? 0;
  printFigures("slack failures", figures);
  await bot?.close();
  await api?.close();
  await db?.close();
});

const failed = (c: ApiCall) => c.status !== 200 || (c.response as { ok?: boolean } | undefined)?.ok === false;

async function healthz(e2e: E2E): Promise<{ status: number; body: { ok: boolean; failedDeliveries?: Array<{ kind: string; error: string }> } }> {
  const res = await fetch(`${e2e.baseUrl}/healthz`);
  return { status: res.status, body: (await res.json()) as { ok: boolean; failedDeliveries?: Array<{ kind: string; error: string }> } };
}

describe("transient failures: Slack fails for a while, then recovers", () => {
  it("every escalation, channel update and DM is delivered exactly once, and Retry-After is respected", async () => {
    const since = api.calls.length;
    api.failNext("chat.postMessage", { retryAfter: 1, times: 2 });
    api.failNext("chat.postMessage", { status: 500, times: 2 });
    api.failNext("chat.postMessage", { network: true, times: 2 });
    api.failNext("chat.postMessage", { status: 503, times: 1 });
    api.failNext("chat.update", { status: 500, times: 1 });
    api.failNext("chat.update", { retryAfter: 1, times: 1 });
    api.failNext("chat.update", { network: true, times: 1 });

    const escalated = [
      { user: "UFAULTMED1", answers: medium.answers, decide: "approve" as const },
      { user: "UFAULTMED2", answers: medium.answers, decide: "reject" as const },
      { user: "UFAULTHIGH", answers: high.answers, decide: "reject" as const },
    ];
    const cleared = ["UFAULTLOW1", "UFAULTLOW2"];
    const refs = new Map<string, { reference: string; id: string }>();
    for (const s of escalated) {
      const row = await submitScreening(bot, bot.person(s.user), s.answers);
      refs.set(s.user, { reference: row.reference, id: row.id });
    }
    for (const user of cleared) {
      const row = await submitScreening(bot, bot.person(user), low.answers);
      refs.set(user, { reference: row.reference, id: row.id });
    }
    for (const [i, s] of escalated.entries()) {
      const { escalationId, ts } = await escalationMessage(bot, refs.get(s.user)!.id);
      const approver = await openDecision(bot, APPROVERS[i % APPROVERS.length]!, ts, s.decide, escalationId);
      expect(ackOf(await approver.submit(rationaleState(`${s.decide}: reasons on file`))).response_action).toBe("clear");
    }
    await bot.settle();

    const calls = api.calls.slice(since).filter((c) => c.method === "chat.postMessage" || c.method === "chat.update");
    const faults = calls.filter(failed);
    figures.faultsInjected += faults.length;
    expect(faults).toHaveLength(10);
    expect(faults.map((c) => c.status).sort()).toEqual([0, 0, 0, 429, 429, 429, 500, 500, 500, 503].sort());

    for (const s of escalated) {
      const { reference } = refs.get(s.user)!;
      const inChannel = api.messages(COMPLIANCE).filter((m) => m.text.includes(reference));
      expect(inChannel).toHaveLength(1);
      // updated in place to the outcome (the buttons are gone once it is final)
      expect(JSON.stringify(inChannel[0]?.blocks)).not.toContain("decide_approve");
      const dms = api.dms(s.user).filter((m) => m.text.includes(reference));
      expect(dms.map((m) => m.text.replace(reference, "REF")).sort()).toEqual(
        ["REF was sent to compliance for a decision.", s.decide === "approve" ? "REF is approved: you may proceed." : "REF was rejected: do not proceed."].sort(),
      );
      figures.duplicates += inChannel.length - 1 + dms.length - 2;
    }
    for (const user of cleared) {
      const { reference } = refs.get(user)!;
      expect(api.dms(user).filter((m) => m.text.includes(reference))).toHaveLength(1);
      expect(api.messages(COMPLIANCE).filter((m) => m.text.includes(reference))).toHaveLength(0);
    }

    // a call refused with 429 was not tried again before Retry-After had passed
    for (const limited of faults.filter((c) => c.status === 429)) {
      const next = calls.find((c) => c.at > limited.at && c.method === limited.method && c.args.channel === limited.args.channel && c.args.text === limited.args.text);
      expect(next).toBeDefined();
      expect(next!.at - limited.at).toBeGreaterThanOrEqual(950);
    }
    const rows = await db.prisma.delivery.findMany({ where: { screeningId: { in: [...refs.values()].map((r) => r.id) } } });
    expect(rows.every((r) => r.status === "delivered")).toBe(true);
    figures.deliveriesRetried += rows.filter((r) => r.attempts > 1).length;
    expect(figures.duplicates).toBe(0);
  }, 60_000);

  it("a stalled connection times out and is retried; the worker is not held and the DM arrives once", async () => {
    const gate = await startSlackGate(api.baseUrl);
    const gatedDb = await createTestDatabase();
    const gated = await startInstance({ api, database: gatedDb, env: { SLACK_API_URL: gate.url }, slackTimeoutMs: 300 });
    try {
      gate.close({ "chat.postMessage": "hang" });
      const row = await submitScreening(gated, gated.person("USTALLED"), low.answers);
      // the first call hangs, times out and is tried again (and hangs again): the worker moves on
      await waitUntil(() => gate.faultsInjected >= 2, 15_000, "a second attempt after the first stalled call timed out");
      figures.faultsInjected += gate.faultsInjected;
      gate.open();
      await gated.settle();
      expect(api.dms("USTALLED").filter((m) => m.text.includes(row.reference))).toHaveLength(1);
      const delivery = await gatedDb.prisma.delivery.findFirstOrThrow({ where: { screeningId: row.id } });
      expect(delivery).toMatchObject({ status: "delivered" });
      expect(delivery.attempts).toBeGreaterThanOrEqual(3);
    } finally {
      await gated.close();
      await gate.stop();
      await gatedDb.close();
    }
  }, 60_000);
});

describe("permanent failures", () => {
  it("channel_not_found: logged, listed in /healthz, told to the requester; the escalation waits on the Home tab and is posted after a restart", async () => {
    api.failNext("chat.postMessage", { error: "channel_not_found" });
    const requester = "UPERMCHAN";
    const row = await submitScreening(bot, bot.person(requester), high.answers);
    await bot.settle();

    const delivery = await db.prisma.delivery.findFirstOrThrow({ where: { screeningId: row.id, kind: "sync_escalation" } });
    expect(delivery).toMatchObject({ status: "failed", lastError: "channel_not_found" });
    const line = bot.logs.find((l) => l.includes("delivery failed permanently") && l.includes(row.id));
    expect(line).toContain("channel_not_found");
    const health = await healthz(bot);
    expect(health.status).toBe(200);
    expect(health.body.failedDeliveries).toContainEqual(expect.objectContaining({ kind: "sync_escalation", error: "channel_not_found" }));
    expect(api.dms(requester).some((m) => m.text.includes(row.reference) && m.text.includes("could not post it to the compliance channel"))).toBe(true);
    figures.permanentFailuresSurfaced++;

    // not lost: recorded, open, and in front of approvers
    expect(await db.prisma.escalation.findUniqueOrThrow({ where: { screeningId: row.id } })).toMatchObject({ status: "open", messageTs: null });
    await bot.person(APPROVERS[0]!).openHome();
    expect(JSON.stringify(api.homeOf(APPROVERS[0]!))).toContain(row.reference);

    // the operator fixes the channel and restarts: the post goes out, once
    await bot.close();
    bot = await startInstance({ api, database: db });
    await bot.settle();
    const posted = api.messages(COMPLIANCE).filter((m) => m.text.includes(row.reference));
    if (posted.length !== 1) figures.escalationsLost++;
    expect(posted).toHaveLength(1);
    expect(await db.prisma.delivery.count({ where: { screeningId: row.id, status: "failed" } })).toBe(0);
  }, 60_000);

  it("not_in_channel on the update: the decision stands, the requester is told the outcome, the failure is surfaced, and the message is brought up to date after a restart", async () => {
    const requester = "UPERMUPDATE";
    const row = await submitScreening(bot, bot.person(requester), medium.answers);
    const { escalationId, ts } = await escalationMessage(bot, row.id);
    await bot.settle();
    api.failNext("chat.update", { error: "not_in_channel" });
    const approver = await openDecision(bot, APPROVERS[1]!, ts, "approve", escalationId);
    expect(ackOf(await approver.submit(rationaleState("Fine."))).response_action).toBe("clear");
    await bot.settle();

    expect(await db.prisma.screening.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "approved" });
    expect(api.dms(requester).filter((m) => m.text.includes(`${row.reference} is approved`))).toHaveLength(1);
    expect(bot.logs.some((l) => l.includes("delivery failed permanently") && l.includes("not_in_channel") && l.includes(row.id))).toBe(true);
    expect((await healthz(bot)).body.failedDeliveries).toContainEqual(expect.objectContaining({ kind: "sync_escalation", error: "not_in_channel" }));
    expect(JSON.stringify(api.message(COMPLIANCE, ts)?.blocks)).toContain("decide_approve");
    figures.permanentFailuresSurfaced++;

    await bot.close();
    bot = await startInstance({ api, database: db });
    await bot.settle();
    expect(JSON.stringify(api.message(COMPLIANCE, ts)?.blocks)).not.toContain("decide_approve");
    expect(api.messages(COMPLIANCE).filter((m) => m.text.includes(row.reference))).toHaveLength(1);
    expect(api.dms(requester).filter((m) => m.text.includes(`${row.reference} is approved`))).toHaveLength(1);
  }, 60_000);
});
