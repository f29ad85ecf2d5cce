// The outbox on the request path's SQL (src/store/deliveries.ts, src/slack/delivery-worker.ts),
// on the database the project runs against: a delivery costs two statements (the claim, which
// returns what the message is rendered from, and its outcome); deliveries named by id are
// claimed at once, a screening's in order; a claim whose earlier attempt may have reached Slack
// says so. The data comes from the real app (a screening escalated and decided through it); the
// deliveries are then sent by a worker of the test's own, counting its statements.
import { randomUUID } from "node:crypto";
import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadRuleSet } from "../../src/rules/load.js";
import type { RuleSet } from "../../src/domain/rule-set.js";
import { startFakeSlackApi, type FakeSlackApi } from "../../src/sandbox/slack-api.js";
import { startDeliveryWorker, type DeliveryWorker } from "../../src/slack/delivery-worker.js";
import { appendAudit } from "../../src/store/aggregate.js";
import type { Database } from "../../src/store/database.js";
import { claimDeliveries, recordDelivered, releaseLeasesOfDeadProcess, type DeliveryPayload } from "../../src/store/deliveries.js";
import { countingSql } from "../../src/store/sql.js";
import { ackOf, medium, openDecision, rationaleState, submitScreening } from "../reliability/support/flows.js";
import { APPROVERS, BOT_TOKEN, COMPLIANCE, startInstance } from "../reliability/support/instances.js";
import { createTestDatabase } from "../support/db.js";

let api: FakeSlackApi;
let db: Database;
let ruleSet: RuleSet;
let screening: { id: string; reference: string; requesterId: string };
let escalation: { id: string; messageTs: string };
let decisionId: string;
let counted: ReturnType<typeof countingSql>;
let worker: DeliveryWorker;
const logs: string[] = [];

beforeAll(async () => {
  api = await startFakeSlackApi();
  db = await createTestDatabase();
  const rules = await loadRuleSet("rules");
  if (!rules.ok) throw new Error("the shipped rules do not load");
  ruleSet = rules.ruleSet;
  // A screening escalated and decided through the real app; then the app stops, and only the
  // test's worker sends what the test enqueues.
  const bot = await startInstance({ api, database: db });
  try {
    const row = await submitScreening(bot, bot.person("UOUTBOX"), medium.answers);
    await bot.settle();
    const esc = await db.prisma.escalation.findUniqueOrThrow({ where: { screeningId: row.id } });
    const approver = await openDecision(bot, APPROVERS[0]!, esc.messageTs ?? "", "request_info", esc.id);
    expect(ackOf(await approver.submit(rationaleState("Which border units will fly it?"))).response_action).toBe("clear");
    await bot.settle();
    screening = { id: row.id, reference: row.reference, requesterId: row.requesterId };
    escalation = { id: esc.id, messageTs: esc.messageTs ?? "" };
    decisionId = (await db.prisma.decision.findFirstOrThrow({ where: { screeningId: row.id } })).id;
  } finally {
    await bot.close();
  }
  counted = countingSql(db.sql);
  const client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: api.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 2_000 });
  worker = startDeliveryWorker({ sql: counted, client, ruleSet, log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) } });
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await db?.close();
});
beforeEach(() => {
  counted.reset();
});

/** Enqueues deliveries of the screening as a commit would (one millisecond apart, in order); returns their ids. */
async function enqueue(payloads: DeliveryPayload[], opts: { dueInSeconds?: number } = {}): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, payload] of payloads.entries()) {
    const id = randomUUID();
    await db.sql.query(
      `INSERT INTO deliveries (id, kind, screening_id, payload, status, attempts, next_attempt_at, created_at)
       VALUES ($1::uuid, $2, $3::uuid, $4::jsonb, 'pending', 0,
               (now() AT TIME ZONE 'UTC') + make_interval(secs => $5::int), (now() AT TIME ZONE 'UTC') + make_interval(secs => $6::float8))`,
      [id, payload.kind, screening.id, JSON.stringify(payload), opts.dueInSeconds ?? 0, i / 1000],
    );
    ids.push(id);
  }
  return ids;
}

async function statusOf(id: string) {
  return db.prisma.delivery.findUniqueOrThrow({ where: { id } });
}

async function sendNow(ids: string[]): Promise<void> {
  worker.kick(ids);
  await worker.idle();
}

describe("two statements per delivery", () => {
  const kinds: Array<[string, () => DeliveryPayload]> = [
    ["the escalation message's update", () => ({ kind: "sync_escalation", escalationId: escalation.id })],
    ["the requester's DM of a decision", () => ({ kind: "dm_decision", decisionId })],
    ["the requester's DM on escalation", () => ({ kind: "dm_escalated", screeningId: screening.id })],
    ["a resubmission's thread reply", () => ({ kind: "thread_resubmitted", escalationId: escalation.id, round: 2 })],
  ];
  for (const [what, payload] of kinds) {
    it(`${what}: the claim (with what it renders from) and the outcome`, async () => {
      const since = api.calls.length;
      const [id] = await enqueue([payload()]);
      counted.reset();
      await sendNow([id!]);
      expect(counted.count).toBe(2);
      expect(await statusOf(id!)).toMatchObject({ status: "delivered", attempts: 1 });
      const sent = api.calls.slice(since).filter((c) => c.method.startsWith("chat."));
      expect(sent).toHaveLength(1);
      expect(sent[0]?.response).toMatchObject({ ok: true });
      expect(JSON.stringify(sent[0]?.args)).toContain(screening.reference);
    });
  }

  it("the requester's reply in the thread: rendered from its audit event, returned by the claim", async () => {
    const [seq] = await appendAudit(db.sql, [{ screeningId: screening.id, actorId: screening.requesterId, type: "reply.recorded", data: { escalationId: escalation.id, round: 1, text: "Units 3 and 7 only." } }], new Date());
    const since = api.calls.length;
    const [id] = await enqueue([{ kind: "thread_reply", escalationId: escalation.id, auditSeq: seq! }]);
    counted.reset();
    await sendNow([id!]);
    expect(counted.count).toBe(2);
    const [post] = api.calls.slice(since).filter((c) => c.method === "chat.postMessage");
    expect(post?.args).toMatchObject({ channel: COMPLIANCE, thread_ts: escalation.messageTs });
    expect(JSON.stringify(post?.args)).toContain("Units 3 and 7 only.");
  });

  it("posting the escalation message: the claim, then delivered with the message's ts in the same statement", async () => {
    await db.sql.query("UPDATE escalations SET message_ts = NULL WHERE id = $1::uuid", [escalation.id]);
    try {
      const [id] = await enqueue([{ kind: "sync_escalation", escalationId: escalation.id }]);
      counted.reset();
      await sendNow([id!]);
      expect(counted.count).toBe(2);
      const ts = (await db.prisma.escalation.findUniqueOrThrow({ where: { id: escalation.id } })).messageTs;
      expect(ts).not.toBeNull();
      expect(api.message(COMPLIANCE, ts!)?.metadata).toMatchObject({ event_type: "dd_escalation", event_payload: { escalation_id: escalation.id, reference: screening.reference, delivery_id: id } });
    } finally {
      await db.sql.query("UPDATE escalations SET message_ts = $2 WHERE id = $1::uuid", [escalation.id, escalation.messageTs]);
    }
  });

  it("a commit's two deliveries for one screening: in order, the second as soon as the first is done, two statements each", async () => {
    const since = api.calls.length;
    const ids = await enqueue([
      { kind: "sync_escalation", escalationId: escalation.id },
      { kind: "dm_decision", decisionId },
    ]);
    counted.reset();
    await sendNow([...ids].reverse());
    expect(counted.count).toBe(4);
    const methods = api.calls.slice(since).filter((c) => c.method.startsWith("chat.")).map((c) => c.method);
    expect(methods).toEqual(["chat.update", "chat.postMessage"]);
    for (const id of ids) expect(await statusOf(id)).toMatchObject({ status: "delivered" });
  });
});

describe("claiming by id", () => {
  it("takes a delivery named by id at once, even when the committing clock ran ahead of the database's", async () => {
    const [id] = await enqueue([{ kind: "dm_escalated", screeningId: screening.id }], { dueInSeconds: 5 });
    expect(await claimDeliveries(db.sql, { limit: 10 })).toEqual([]);
    const [claimed] = await claimDeliveries(db.sql, { ids: [id!], limit: 1 });
    expect(claimed).toMatchObject({ id, attempts: 1, uncertain: false, payload: { kind: "dm_escalated" } });
    expect(claimed?.detail?.screening.reference).toBe(screening.reference);
    await recordDelivered(db.sql, id!);
  });

  it("never hands one delivery to two claims at once", async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => enqueue([{ kind: "dm_escalated", screeningId: screening.id }]).then((x) => x[0]!)));
    // one screening: the claims take them one at a time and in order, whoever asks
    const taken: string[] = [];
    for (let round = 0; round < ids.length; round++) {
      const [a, b] = await Promise.all([claimDeliveries(db.sql, { ids, limit: ids.length }), claimDeliveries(db.sql, { ids, limit: ids.length })]);
      const got = [...a, ...b];
      expect(got).toHaveLength(1);
      taken.push(got[0]!.id);
      await recordDelivered(db.sql, got[0]!.id);
    }
    const order = await db.prisma.delivery.findMany({ where: { id: { in: ids } }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: { id: true } });
    expect(taken).toEqual(order.map((r) => r.id));
  });

  it("says an earlier attempt may have reached Slack when its lease ran out, or when the bot stopped while sending", async () => {
    const [id] = await enqueue([{ kind: "sync_escalation", escalationId: escalation.id }]);
    const [first] = await claimDeliveries(db.sql, { ids: [id!], limit: 1 });
    expect(first?.uncertain).toBe(false);
    // the worker never reports back; its lease runs out
    await db.sql.query("UPDATE deliveries SET next_attempt_at = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE id = $1::uuid", [id]);
    const [second] = await claimDeliveries(db.sql, { limit: 10 });
    expect(second).toMatchObject({ id, attempts: 2, uncertain: true });
    // an embedded database's next start releases what the dead process held, and remembers it
    expect(await releaseLeasesOfDeadProcess(db.prisma)).toBe(1);
    expect((await statusOf(id!)).lastError).toMatch(/^outcome unknown: /);
    const [third] = await claimDeliveries(db.sql, { limit: 10 });
    expect(third).toMatchObject({ id, attempts: 3, uncertain: true });
    await recordDelivered(db.sql, id!);
    expect(await statusOf(id!)).toMatchObject({ status: "delivered", lastError: null });
  });
});
