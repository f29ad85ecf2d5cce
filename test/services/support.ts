// A service context over a fresh test database and the tiny rule set, with a log that records.
import type { ServiceContext } from "../../src/services/context.js";
import type { Database } from "../../src/store/database.js";
import { createTestDatabase } from "../support/db.js";
import { tinyRuleSet } from "../support/tiny-rule-set.js";

export interface ServiceHarness {
  ctx: ServiceContext;
  db: Database;
  logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }>;
  enqueued: () => number;
  close(): Promise<void>;
}

export async function serviceHarness(): Promise<ServiceHarness> {
  const db = await createTestDatabase();
  const logs: ServiceHarness["logs"] = [];
  let kicks = 0;
  let ticks = 0;
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    logs.push({ level, message, ...(fields ? { fields } : {}) });
  };
  const ctx: ServiceContext = {
    prisma: db.prisma,
    sql: db.sql,
    ruleSet: tinyRuleSet(),
    complianceChannelId: "C0COMPLIANCE",
    // A clock that moves on, a millisecond per reading, as a real one does: answers and
    // submissions are ordered by the times they were written with.
    now: () => new Date(Date.parse("2026-11-28T12:00:00Z") + ticks++),
    log: { info: record("info"), warn: record("warn"), error: record("error") },
    onDeliveriesEnqueued: () => {
      kicks++;
    },
  };
  return { ctx, db, logs, enqueued: () => kicks, close: () => db.close() };
}
