// Bot instances for the reliability tests: the real HTTP app (startBot) on a database the test
// chooses, its Web API pointed at a fake Slack the test may share between instances, and
// simulated people (the e2e harness's Person) who send signed requests to one instance.
import { startBot } from "../../../src/bot.js";
import { RedactingLogger } from "../../../src/log.js";
import { startFakeSlackApi, type FakeSlackApi } from "../../../src/sandbox/slack-api.js";
import { SlackRequestSender } from "../../../src/sandbox/slack-requests.js";
import { openDatabase, type Database } from "../../../src/store/database.js";
import { APPROVERS, BOT_TOKEN, COMPLIANCE, Person, SIGNING_SECRET, testConfig, type E2E } from "../../e2e/support/harness.js";
import { createEmptyServerDatabase, createTestDatabase } from "../../support/db.js";

export { APPROVERS, BOT_TOKEN, COMPLIANCE, SIGNING_SECRET };

export interface InstanceOptions {
  api: FakeSlackApi;
  database: Database;
  env?: Record<string, string>;
  deliveryPollMs?: number;
  slackTimeoutMs?: number;
}

/** One running bot; shaped like the e2e harness so its Person works against it. */
export async function startInstance(opts: InstanceOptions): Promise<E2E> {
  const logs: string[] = [];
  const log = new RedactingLogger((line) => logs.push(line));
  const bot = await startBot(testConfig(opts.api.url, opts.env), log, {
    processBeforeResponse: true,
    database: opts.database,
    deliveryPollMs: opts.deliveryPollMs ?? 50,
    ...(opts.slackTimeoutMs ? { slackTimeoutMs: opts.slackTimeoutMs } : {}),
  });
  const baseUrl = `http://127.0.0.1:${bot.port}`;
  const sender = new SlackRequestSender(baseUrl, SIGNING_SECRET);
  const db = opts.database;
  const instance: E2E = {
    api: opts.api,
    bot,
    db,
    sender,
    logs,
    baseUrl,
    person: (userId) => new Person(instance, userId),
    settle: () => settleDeliveries(db),
    async close() {
      await bot.stop();
    },
  };
  return instance;
}

/** Waits until the outbox has nothing pending or in flight. */
export async function settleDeliveries(db: Database, timeoutMs = 20_000): Promise<void> {
  await waitUntil(async () => (await db.prisma.delivery.count({ where: { status: { in: ["pending", "sending"] } } })) === 0, timeoutMs, "deliveries still pending");
}

/** Polls `check` until it holds; a condition, never a fixed sleep, decides when a test goes on. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * One database reachable through `count` handles. On a PostgreSQL server (TEST_DATABASE_URL)
 * each handle is its own connection pool, as separate bot processes would have; on embedded
 * PGlite (single process by design) the handles are the same database object.
 */
export async function sharedDatabase(count: number): Promise<{ kind: "postgres" | "pglite"; handles: Database[]; close(): Promise<void> }> {
  const server = await createEmptyServerDatabase();
  if (!server) {
    const db = await createTestDatabase();
    return { kind: "pglite", handles: Array.from({ length: count }, () => db), close: () => db.close() };
  }
  const handles: Database[] = [];
  for (let i = 0; i < count; i++) handles.push(await openDatabase({ url: server.url }));
  return {
    kind: "postgres",
    handles,
    async close() {
      for (const h of handles) await h.close().catch(() => undefined);
      await server.drop();
    },
  };
}

export async function startSingle(opts: { env?: Record<string, string>; database?: Database } = {}): Promise<E2E & { api: FakeSlackApi }> {
  const api = await startFakeSlackApi();
  const database = opts.database ?? (await createTestDatabase());
  const instance = await startInstance({ api, database, ...(opts.env ? { env: opts.env } : {}) });
  return {
    ...instance,
    person: (userId) => new Person(instance, userId),
    async close() {
      await instance.close();
      await api.close();
      if (!opts.database) await database.close();
    },
  };
}

/** One line of figures, printed so they appear in the test run's output. */
export function printFigures(what: string, figures: Record<string, number | boolean>): void {
  console.log(`[figures] ${what}: ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(", ")}`);
}
