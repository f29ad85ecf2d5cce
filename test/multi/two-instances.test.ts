// Two bot processes on one PostgreSQL database, as behind a load balancer: every request may
// reach either, and both run the delivery worker. Slack is the project's Web API stand-in;
// each instance reaches it through its own proxy, which can make Slack slow for it.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlackApi, type ApiCall, type FakeSlackApi } from "../../src/sandbox/slack-api.js";
import { ACTION } from "../../src/slack/ids.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { verifyAuditChain } from "../../src/store/audit.js";
import { scenario } from "../e2e/support/scenarios.js";
import { createEmptyServerDatabase, NO_SERVER_REASON, testServerUrl } from "../support/db.js";
import { alternate, Person, rationaleState, responseActionOf, settle } from "./support/driver.js";
import { APPROVERS, COMPLIANCE, startInstance, startInstances, startSlackProxy, type Instance, type LogLine, type SlackProxy } from "./support/instances.js";

const server = testServerUrl();
const medium = scenario("medium_drone_border_authority");

describe.skipIf(!server)(`two bot processes on one PostgreSQL server${server ? "" : ` (${NO_SERVER_REASON})`}`, () => {
  let api: FakeSlackApi;
  let proxies: SlackProxy[] = [];
  let instances: Instance[] = [];
  let A: Instance;
  let B: Instance;
  let sql: pg.Client;
  let db: Database;
  let databaseUrl: string;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const database = await createEmptyServerDatabase();
    if (!database) throw new Error("no server");
    databaseUrl = database.url;
    drop = database.drop;
    api = await startFakeSlackApi();
    proxies = [await startSlackProxy(api.baseUrl), await startSlackProxy(api.baseUrl)];
    instances = await startInstances(["A", "B"], (name) => ({ databaseUrl, slackApiUrl: proxyOf(name).url }));
    [A, B] = instances as [Instance, Instance];
    sql = new pg.Client({ connectionString: databaseUrl });
    await sql.connect();
    db = await openDatabase({ url: databaseUrl });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await Promise.all(proxies.map((p) => p.close()));
    await api?.close();
    await sql?.end();
    await db?.close();
    await drop?.();
  }, 60_000);

  function proxyOf(name: string): SlackProxy {
    const proxy = proxies[name.startsWith("A") ? 0 : 1];
    if (!proxy) throw new Error("no proxy");
    return proxy;
  }

  /** Starts a medium-tier screening and sends every request of it to the next instance in turn. */
  async function escalate(userId: string, offset: number): Promise<string> {
    const person = new Person(api, userId);
    const via = alternate([A, B], offset);
    await person.openScreening(via(0), "new");
    const pages = await person.answerAllPages((i) => via(i + 1), medium.answers);
    return person.submitReview(via(pages + 1));
  }

  let four: Promise<string[]> | undefined;
  /** Four requesters at once, two starting on each instance. */
  function fourEscalations(): Promise<string[]> {
    four ??= Promise.all(["UPAR1", "UPAR2", "UPAR3", "UPAR4"].map((u, k) => escalate(u, k)));
    return four;
  }

  async function screening(reference: string) {
    const { rows } = await sql.query<{ id: string; status: string; tier: string; escalation_id: string; escalation_status: string }>(
      `SELECT s.id, s.status, s.tier, e.id AS escalation_id, e.status AS escalation_status
       FROM screenings s LEFT JOIN escalations e ON e.screening_id = s.id WHERE s.reference = $1`,
      [reference],
    );
    const row = rows[0];
    if (!row) throw new Error(`no screening ${reference}`);
    return row;
  }

  async function deliveriesOf(reference: string) {
    const { rows } = await sql.query<{ id: string; kind: string; status: string; attempts: number; created_at: Date; delivered_at: Date | null }>(
      `SELECT d.id, d.kind, d.status, d.attempts, d.created_at, d.delivered_at FROM deliveries d
       JOIN screenings s ON s.id = d.screening_id WHERE s.reference = $1 ORDER BY d.created_at, d.id`,
      [reference],
    );
    return rows;
  }

  const ok = (c: ApiCall) => c.status === 200 && JSON.stringify(c.response ?? {}).startsWith('{"ok":true');
  /** Successful top-level posts to the compliance channel about a screening. */
  const escalationPosts = (reference: string, since = 0) =>
    api.calls.slice(since).filter((c) => c.method === "chat.postMessage" && ok(c) && c.args.channel === COMPLIANCE && !c.args.thread_ts && JSON.stringify(c.args).includes(reference));
  const channelMessages = (reference: string) => api.messages(COMPLIANCE).filter((m) => JSON.stringify(m).includes(reference));
  const dmsAbout = (userId: string, reference: string) => api.dms(userId).filter((m) => JSON.stringify(m).includes(reference));
  const logsOf = (msg: string): LogLine[] => instances.flatMap((i) => i.logs.filter((l) => l.msg === msg));

  it("a screening started on one instance continues on the other, request by request", async () => {
    const requester = new Person(api, "UALTERNATE");
    await requester.openScreening(A, "new");
    await requester.submitPage(B, medium.answers);
    await requester.submitPage(A, medium.answers);
    const stoppedAt = requester.requireView().title;
    // closed on one instance, resumed on the other at the same page
    await requester.closeView(B);
    await requester.openScreening(A, "resume");
    expect(requester.requireView().title).toEqual(stoppedAt);
    const pages = await requester.answerAllPages(alternate([B, A]), medium.answers);
    const reference = await requester.submitReview(pages % 2 === 0 ? B : A);

    expect(await screening(reference)).toMatchObject({ status: "escalated", tier: "medium" });
    for (const via of [A, B]) {
      const status = await requester.command(via, `status ${reference}`);
      expect(status.status).toBe(200);
      expect(status.text).toContain(reference);
      expect(status.text).toMatch(/medium/i);
    }
    expect((await requester.command(B, "list")).text).toContain(reference);
  });

  it("escalations of requesters working at once on both instances are posted exactly once each", async () => {
    const references = await fourEscalations();
    expect(new Set(references).size).toBe(4);
    await settle(sql);
    for (const [k, reference] of references.entries()) {
      expect(escalationPosts(reference)).toHaveLength(1);
      expect(channelMessages(reference)).toHaveLength(1);
      expect(dmsAbout(`UPAR${k + 1}`, reference)).toHaveLength(1);
      // neither instance took a delivery the other had claimed
      for (const d of await deliveriesOf(reference)) expect(d).toMatchObject({ status: "delivered", attempts: 1 });
    }
    const delivered = logsOf("delivered").filter((l) => l.kind === "sync_escalation");
    const ids = delivered.map((l) => String(l.delivery));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("two approvers deciding at the same moment on different instances produce one outcome", async () => {
    const references = await fourEscalations();
    await settle(sql);
    for (const [round, reference] of references.slice(0, 3).entries()) {
      const { id: screeningId, escalation_id: escalationId } = await screening(reference);
      const [message] = channelMessages(reference);
      if (!message) throw new Error(`no escalation message for ${reference}`);
      // alternate who approves, who rejects, and which instance each reaches
      const [approverId, rejecterId] = round % 2 === 0 ? [APPROVERS[0], APPROVERS[1]] : [APPROVERS[1], APPROVERS[0]];
      const [approveVia, rejectVia] = round % 2 === 0 ? [A, B] : [B, A];
      const approver = new Person(api, approverId);
      const rejecter = new Person(api, rejecterId);
      expect(await approver.clickMessageButton(approveVia, COMPLIANCE, message.ts, ACTION.decide.approve, escalationId)).toBe("opened");
      expect(await rejecter.clickMessageButton(rejectVia, COMPLIANCE, message.ts, ACTION.decide.reject, escalationId)).toBe("opened");

      const [approved, rejected] = await Promise.all([
        approver.submit(approveVia, rationaleState("Vetted end user; lawful border use.")),
        rejecter.submit(rejectVia, rationaleState("Risk to migrants is not mitigated.")),
      ]);
      const answers = [responseActionOf(approved), responseActionOf(rejected)];
      expect(answers.map((a) => a.response_action).sort()).toEqual(["clear", "errors"]);
      const approverWon = answers[0]?.response_action === "clear";
      const [winner, loser] = approverWon ? [approverId, answers[1]] : [rejecterId, answers[0]];
      // the loser is told, in their modal, who decided
      expect(Object.values(loser?.errors ?? {}).join(" ")).toMatch(new RegExp(`already (approved|rejected).*@${winner}`));

      const decisions = await sql.query<{ decider_id: string; outcome: string }>("SELECT decider_id, outcome FROM decisions WHERE escalation_id = $1", [escalationId]);
      expect(decisions.rows).toEqual([{ decider_id: winner, outcome: approverWon ? "approve" : "reject" }]);
      const after = await screening(reference);
      expect(after.status).toBe(approverWon ? "approved" : "rejected");
      expect(after.escalation_status).toBe(after.status);
      const recorded = await sql.query("SELECT 1 FROM audit_events WHERE screening_id = $1 AND type = 'decision.recorded'", [screeningId]);
      expect(recorded.rowCount).toBe(1);

      await settle(sql);
      const updated = api.message(COMPLIANCE, message.ts);
      expect(JSON.stringify(updated)).toContain(`<@${winner}>`);
      expect(JSON.stringify(updated?.blocks ?? [])).not.toContain(ACTION.decide.approve);
      const decisionDms = (await deliveriesOf(reference)).filter((d) => d.kind === "dm_decision");
      expect(decisionDms).toHaveLength(1);
      expect(decisionDms[0]).toMatchObject({ status: "delivered", attempts: 1 });
    }
    expect(await verifyAuditChain(db.prisma)).toMatchObject({ ok: true });
  });

  for (const fault of [
    { name: "an HTTP 500", fault: { status: 500 as const } },
    { name: "a 429 with Retry-After", fault: { retryAfter: 1 } },
  ]) {
    it(`a Slack delivery that failed with ${fault.name} is retried and delivered once`, async () => {
      await settle(sql);
      const since = api.calls.length;
      const retriesBefore = logsOf("delivery will be retried").length;
      // the next chat.postMessage, whichever instance makes it and whatever it posts
      api.failNext("chat.postMessage", fault.fault);
      const reference = await escalate("URETRY", 1);
      await settle(sql);

      const posts = api.calls.slice(since).filter((c) => c.method === "chat.postMessage");
      const failed = posts.filter((c) => !ok(c));
      expect(failed).toHaveLength(1);
      const target = failed[0]?.args.channel;
      const sameTarget = posts.filter((c) => ok(c) && c.args.channel === target && !c.args.thread_ts && JSON.stringify(c.args).includes(reference));
      expect(sameTarget).toHaveLength(1);
      expect(escalationPosts(reference)).toHaveLength(1);
      expect(channelMessages(reference)).toHaveLength(1);
      expect(dmsAbout("URETRY", reference)).toHaveLength(1);
      const deliveries = await deliveriesOf(reference);
      expect(deliveries.map((d) => d.status)).toEqual(deliveries.map(() => "delivered"));
      expect(deliveries.map((d) => d.attempts).sort()).toEqual([1, 2]);
      expect(logsOf("delivery will be retried").length - retriesBefore).toBe(1);
    });
  }

  it("while one instance waits on a slow Slack, the other does not deliver the same thing", async () => {
    await settle(sql);
    const since = api.calls.length;
    for (const p of proxies) p.slow("chat.postMessage", 2500);
    try {
      const reference = await escalate("USLOW", 0);
      await settle(sql, 30_000);
      expect(escalationPosts(reference, since)).toHaveLength(1);
      expect(dmsAbout("USLOW", reference)).toHaveLength(1);
      const deliveries = await deliveriesOf(reference);
      expect(deliveries).toHaveLength(2);
      // each was held for 2.5 s, across at least two polls of the other instance, and never taken over
      for (const d of deliveries) {
        expect(d).toMatchObject({ status: "delivered", attempts: 1 });
        expect((d.delivered_at?.getTime() ?? 0) - d.created_at.getTime()).toBeGreaterThanOrEqual(2_400);
      }
      // and a screening's deliveries go one after the other
      const [first, second] = deliveries.map((d) => d.delivered_at?.getTime() ?? 0).sort();
      expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(2_400);
    } finally {
      for (const p of proxies) p.slow("chat.postMessage", 0);
    }
  }, 60_000);

  it("when one instance stops mid-interview the other carries on, and a restarted one serves the same screening", async () => {
    const requester = new Person(api, "UROLLING");
    await requester.openScreening(A, "new");
    await requester.submitPage(A, medium.answers);
    expect(await A.stop()).toBe(0);
    const pages = await requester.answerAllPages(() => B, medium.answers);
    expect(pages).toBeGreaterThan(1);
    const reference = await requester.submitReview(B);
    await settle(sql);
    expect(escalationPosts(reference)).toHaveLength(1);

    const restarted = await startInstance("A2", { databaseUrl, slackApiUrl: proxyOf("A2").url });
    instances.push(restarted);
    // nothing to migrate the second time
    expect(restarted.logs.some((l) => l.msg === "database migrations applied")).toBe(false);
    const status = await requester.command(restarted, `status ${reference}`);
    expect(status.text).toContain(reference);
  });
});
