// Reminders with two bot processes on one PostgreSQL server, as production runs them: both look
// for what is due every second, and each due moment (a draft left untouched, an escalation
// waiting for a decision, the day's digest) is claimed by one of them in the statement that
// enqueues its messages, so each reminder reaches Slack exactly once.
//
// The processes run on the real clock; what is due is made due by moving the stored times back
// (a draft last touched four days ago, an escalation waiting since 25 hours ago).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlackApi, type FakeSlackApi } from "../../src/sandbox/slack-api.js";
import { scenario } from "../e2e/support/scenarios.js";
import { createEmptyServerDatabase, NO_SERVER_REASON, testServerUrl } from "../support/db.js";
import { alternate, Person, settle } from "./support/driver.js";
import { APPROVERS, COMPLIANCE, startInstances, type Instance } from "./support/instances.js";

const server = testServerUrl();
const medium = scenario("medium_drone_border_authority");

describe.skipIf(!server)(`reminders with two bot processes on one PostgreSQL server${server ? "" : ` (${NO_SERVER_REASON})`}`, () => {
  let api: FakeSlackApi;
  let instances: Instance[] = [];
  let A: Instance;
  let B: Instance;
  let sql: pg.Client;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const database = await createEmptyServerDatabase();
    if (!database) throw new Error("no server");
    drop = database.drop;
    api = await startFakeSlackApi();
    // Every second, on both; the digest's hour is midnight UTC, so today's is always due.
    const env = { REMINDERS_CHECK_SECONDS: "1", REMINDERS_DIGEST_HOUR_UTC: "0" };
    instances = await startInstances(["A", "B"], { databaseUrl: database.url, slackApiUrl: api.url, env });
    [A, B] = instances as [Instance, Instance];
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await api?.close();
    await sql?.end();
    await drop?.();
  }, 60_000);

  async function until(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("reminds of a draft and of an escalation exactly once each, and posts the day's digest once", async () => {
    // A draft: started on A, a page saved on B, the modal closed on A.
    const drafter = new Person(api, "UMDRAFT");
    await drafter.openScreening(A, "new");
    await drafter.submitPage(B, medium.answers);
    await drafter.closeView(A);
    // An escalation needing one approval, its requests alternating between the instances.
    const requester = new Person(api, "UMESCALATE");
    await requester.openScreening(B, "new");
    const pages = await requester.answerAllPages(alternate([A, B]), medium.answers);
    const reference = await requester.submitReview(pages % 2 === 0 ? A : B);
    await settle(sql);
    const { rows } = await sql.query<{ message_ts: string | null }>(
      "SELECT e.message_ts FROM escalations e JOIN screenings s ON s.id = e.screening_id WHERE s.reference = $1",
      [reference],
    );
    const messageTs = rows[0]?.message_ts;
    expect(messageTs).toBeTruthy();

    const draftReminders = () => api.dms("UMDRAFT").filter((m) => /still a draft/.test(m.text));
    const threadReminders = () => api.messages(COMPLIANCE).find((m) => m.ts === messageTs)?.replies.filter((r) => /waited .* for a decision/.test(r.text)) ?? [];
    const approverReminders = (userId: string) => api.dms(userId).filter((m) => /for your decision/.test(m.text) && m.text.includes(reference));
    const digestsAbout = () => api.messages(COMPLIANCE).filter((m) => /^Daily digest/.test(m.text) && JSON.stringify(m.blocks ?? []).includes(reference));
    expect(draftReminders()).toEqual([]);
    expect(threadReminders()).toEqual([]);
    // Today's first digest is claimed when an instance first looks, which on a loaded machine can
    // be after the escalation above exists, so it may name it already: count from here, once it
    // has been claimed and sent.
    for (const deadline = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 100))) {
      const claimed = await sql.query("SELECT 1 FROM reminder_claims WHERE kind = 'digest'");
      if (claimed.rowCount === 1) break;
      if (Date.now() > deadline) throw new Error("timed out waiting for today's first digest to be claimed");
    }
    await settle(sql);
    const digestsBefore = digestsAbout().length;
    const digestDeliveriesBefore = Number((await sql.query<{ n: string }>("SELECT count(*) AS n FROM deliveries WHERE kind = 'reminder_digest'")).rows[0]?.n);

    // Made due, in one statement: the draft last touched four days ago, the escalation waiting
    // since 25 hours ago; and today's digest, claimed already (before anything waited), forgotten
    // so that both instances race for it too.
    await sql.query(
      `WITH d AS (UPDATE screenings SET updated_at = updated_at - interval '4 days' WHERE requester_id = 'UMDRAFT' RETURNING 1),
            s AS (UPDATE screenings SET submitted_at = submitted_at - interval '25 hours' WHERE reference = $1 RETURNING 1),
            e AS (UPDATE escalations SET created_at = created_at - interval '25 hours'
                  WHERE screening_id = (SELECT id FROM screenings WHERE reference = $1) RETURNING 1),
            c AS (DELETE FROM reminder_claims WHERE kind = 'digest' RETURNING 1)
       SELECT (SELECT count(*) FROM d) + (SELECT count(*) FROM s) + (SELECT count(*) FROM e) AS n`,
      [reference],
    );

    await until("the reminders", () => draftReminders().length > 0 && threadReminders().length > 0 && APPROVERS.every((a) => approverReminders(a).length > 0) && digestsAbout().length > digestsBefore);
    // Both instances keep looking every second: a few more passes each.
    await new Promise((r) => setTimeout(r, 4_000));
    await settle(sql);

    expect(draftReminders()).toHaveLength(1);
    expect(threadReminders()).toHaveLength(1);
    for (const approver of APPROVERS) expect(approverReminders(approver), approver).toHaveLength(1);
    expect(digestsAbout()).toHaveLength(digestsBefore + 1);
    expect(api.dms("UMESCALATE").filter((m) => /has waited/.test(m.text))).toEqual([]);

    // One claim per due moment, and each of its messages delivered once, at the first attempt.
    const claims = await sql.query<{ kind: string; n: number }>("SELECT kind, n FROM reminder_claims ORDER BY kind");
    expect(claims.rows.map((c) => [c.kind, c.n])).toEqual([
      ["digest", 1],
      ["draft", 1],
      ["escalation", 1],
    ]);
    const deliveries = await sql.query<{ kind: string; status: string; attempts: number }>(
      "SELECT kind, status, attempts FROM deliveries WHERE kind LIKE 'reminder_%' ORDER BY kind",
    );
    expect(deliveries.rows.map((d) => d.kind)).toEqual([
      ...APPROVERS.map(() => "reminder_approver"),
      // the one the race sent, after any sent before the claim was forgotten
      ...Array.from({ length: digestDeliveriesBefore + 1 }, () => "reminder_digest"),
      "reminder_draft",
      "reminder_escalation",
    ]);
    for (const d of deliveries.rows) expect(d).toMatchObject({ status: "delivered", attempts: 1 });
  });
});
