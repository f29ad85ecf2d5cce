// The end-to-end harness with a clock the test moves: the real bot (startBot: HTTP receiver,
// signed requests, database, delivery worker, reminders' scheduler) whose use cases and
// scheduler read `clock`, as the sandbox's do. Request signatures keep the real time, as with
// Slack. The scheduler's own timer is pushed far out: the test runs its passes (`runDueWork`),
// so that nothing is sent behind its back.
import { startBot } from "../../../src/bot.js";
import type { Clock } from "../../../src/domain/clock.js";
import { RedactingLogger } from "../../../src/log.js";
import { startFakeSlackApi } from "../../../src/sandbox/slack-api.js";
import { SlackRequestSender } from "../../../src/sandbox/slack-requests.js";
import type { Database } from "../../../src/store/database.js";
import { createTestDatabase } from "../../support/db.js";
import { Person, SIGNING_SECRET, settleDeliveries, testConfig, type E2E } from "./harness.js";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** A clock that stands still until the test moves it (forward only, as the sandbox's). */
export class TestClock implements Clock {
  constructor(private t: number) {}

  now(): Date {
    return new Date(this.t);
  }

  advance(ms: number): Date {
    if (!(ms > 0)) throw new Error("the test clock only moves forward");
    this.t += ms;
    return this.now();
  }

  /** moves it forward to `at` (never back) */
  set(at: Date): Date {
    if (at.getTime() < this.t) throw new Error(`the test clock is at ${this.now().toISOString()}, after ${at.toISOString()}`);
    this.t = at.getTime();
    return this.now();
  }
}

/** The first `weekday` (0 Sunday … 6 Saturday) at `hourUtc` strictly after the real now. */
export function nextWeekdayAt(weekday: number, hourUtc: number, from: Date = new Date()): Date {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate(), hourUtc));
  while (d.getTime() <= from.getTime() || d.getUTCDay() !== weekday) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

export interface ClockedE2E extends E2E {
  clock: TestClock;
  /** one pass of the periodic jobs on the clock as it is, then waits for the outbox to be sent */
  runDueWork(): Promise<void>;
}

export async function startClockedE2E(opts: { env?: Record<string, string>; start?: Date; database?: Database } = {}): Promise<ClockedE2E> {
  const clock = new TestClock((opts.start ?? new Date()).getTime());
  const api = await startFakeSlackApi();
  const db = opts.database ?? (await createTestDatabase());
  const logs: string[] = [];
  const log = new RedactingLogger((line) => logs.push(line));
  const bot = await startBot(testConfig(api.url, opts.env), log, {
    processBeforeResponse: true,
    database: db,
    deliveryPollMs: 50,
    clock,
    reminders: { firstDelayMs: 24 * HOUR, intervalMs: 24 * HOUR },
    auditAnchor: false,
  });
  const baseUrl = `http://127.0.0.1:${bot.port}`;
  const sender = new SlackRequestSender(baseUrl, SIGNING_SECRET);
  const e2e: ClockedE2E = {
    api,
    bot,
    db,
    sender,
    logs,
    baseUrl,
    clock,
    person: (userId) => new Person(e2e, userId),
    settle: () => settleDeliveries(db),
    async runDueWork() {
      await bot.runDueWork();
      await e2e.settle();
    },
    async close() {
      await bot.stop();
      await api.close();
      if (!opts.database) await db.close();
    },
  };
  return e2e;
}
