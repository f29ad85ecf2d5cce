// The outbox claim (src/store/deliveries.ts) between two instances, each with its own pool
// of connections to one PostgreSQL database: nothing is taken twice, a screening's
// deliveries go one at a time, a dead instance's claim is taken over after its lease, and
// none of it depends on the server's time zone.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/store/database.js";
import { claimDueDeliveries, enqueueDelivery, markDelivered, scheduleRetry } from "../../src/store/deliveries.js";
import { createEmptyServerDatabase, NO_SERVER_REASON, testServerUrl } from "../support/db.js";

const server = testServerUrl();

interface Pair {
  one: Database;
  two: Database;
  sql: pg.Client;
  close(): Promise<void>;
}

/** Two instances' database handles (two pools) on a fresh database; optionally a non-UTC server time zone. */
async function pair(timeZone?: string): Promise<Pair> {
  const database = await createEmptyServerDatabase();
  if (!database) throw new Error("no server");
  const sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  if (timeZone) await sql.query(`ALTER DATABASE "${new URL(database.url).pathname.slice(1)}" SET timezone TO '${timeZone}'`);
  const one = await openDatabase({ url: database.url });
  const two = await openDatabase({ url: database.url });
  return {
    one,
    two,
    sql,
    async close() {
      await Promise.all([one.close(), two.close(), sql.end()]);
      await database.drop();
    },
  };
}

async function insertDeliveries(sql: pg.Client, rows: Array<{ screeningId: string; createdAt?: string }>): Promise<void> {
  for (const r of rows) {
    await sql.query(
      `INSERT INTO deliveries (id, kind, screening_id, payload, created_at, next_attempt_at)
       VALUES ($1, 'dm_cleared', $2, $3, COALESCE($4::timestamp, now() AT TIME ZONE 'UTC'), now() AT TIME ZONE 'UTC' - interval '1 second')`,
      [randomUUID(), r.screeningId, JSON.stringify({ kind: "dm_cleared", screeningId: r.screeningId }), r.createdAt ?? null],
    );
  }
}

describe.skipIf(!server)(`claiming deliveries from two instances${server ? "" : ` (${NO_SERVER_REASON})`}`, () => {
  let p: Pair;
  beforeAll(async () => {
    p = await pair();
  });
  afterAll(async () => {
    await p?.close();
  });
  afterEach(async () => {
    await p.sql.query("DELETE FROM deliveries");
  });

  it("never hands the same delivery to both, even when one delivers slowly", async () => {
    await insertDeliveries(p.sql, Array.from({ length: 120 }, () => ({ screeningId: randomUUID() })));
    const taken: Array<{ by: string; id: string }> = [];
    const work = async (by: string, db: Database, slowMs: number) => {
      for (;;) {
        const batch = await claimDueDeliveries(db.prisma, 5);
        if (batch.length === 0) {
          const { rows } = await p.sql.query<{ n: string }>("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'");
          if (Number(rows[0]?.n) === 0) return;
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        for (const d of batch) {
          taken.push({ by, id: d.id });
          if (slowMs > 0) await new Promise((r) => setTimeout(r, slowMs));
          await markDelivered(db.prisma, d.id);
        }
      }
    };
    await Promise.all([work("slow", p.one, 25), work("fast", p.two, 0)]);
    const ids = taken.map((t) => t.id);
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
    expect(taken.some((t) => t.by === "slow")).toBe(true);
    expect(taken.some((t) => t.by === "fast")).toBe(true);
    const { rows } = await p.sql.query<{ status: string; attempts: number; n: string }>("SELECT status, attempts, count(*) AS n FROM deliveries GROUP BY 1, 2");
    expect(rows).toEqual([{ status: "delivered", attempts: 1, n: "120" }]);
  });

  it("gives a screening's deliveries out one at a time, even two enqueued in the same millisecond", async () => {
    const screeningId = randomUUID();
    const at = "2026-01-01 12:00:00.000";
    await insertDeliveries(p.sql, [{ screeningId, createdAt: at }, { screeningId, createdAt: at }]);
    // the first instance's claim is not committed yet when the second one looks
    await p.one.prisma.$transaction(async (tx) => {
      expect(await claimDueDeliveries(tx, 1)).toHaveLength(1);
      expect(await claimDueDeliveries(p.two.prisma, 10)).toEqual([]);
    });
    // committed and being sent: still nothing for the other
    expect(await claimDueDeliveries(p.two.prisma, 10)).toEqual([]);
    const { rows } = await p.sql.query<{ id: string }>("SELECT id FROM deliveries WHERE status = 'sending'");
    await markDelivered(p.one.prisma, rows[0]?.id ?? "");
    expect(await claimDueDeliveries(p.two.prisma, 10)).toHaveLength(1);
  });

  it("takes over a claim whose instance died, once its lease has run out", async () => {
    const screeningId = randomUUID();
    await insertDeliveries(p.sql, [{ screeningId }]);
    const [claimed] = await claimDueDeliveries(p.one.prisma, 10);
    expect(claimed?.attempts).toBe(1);
    expect(await claimDueDeliveries(p.two.prisma, 10)).toEqual([]);
    // the first instance never reports back; its lease runs out
    await p.sql.query("UPDATE deliveries SET next_attempt_at = now() AT TIME ZONE 'UTC' - interval '1 second'");
    const [again] = await claimDueDeliveries(p.two.prisma, 10);
    expect(again).toMatchObject({ id: claimed?.id, attempts: 2 });
  });
});

describe.skipIf(!server)(`on a server whose time zone is not UTC${server ? "" : ` (${NO_SERVER_REASON})`}`, () => {
  for (const timeZone of ["America/New_York", "Asia/Tokyo"]) {
    it(`${timeZone}: a due delivery is claimed at once, and a retry waits as long as it was told`, async () => {
      const p = await pair(timeZone);
      try {
        const screeningId = randomUUID();
        await enqueueDelivery(p.one.prisma, screeningId, { kind: "dm_cleared", screeningId });
        const [claimed] = await claimDueDeliveries(p.two.prisma, 10);
        expect(claimed).toBeDefined();
        await scheduleRetry(p.one.prisma, claimed?.id ?? "", 60_000, "rate limited");
        expect(await claimDueDeliveries(p.two.prisma, 10)).toEqual([]);
        // and a lease set by the database lasts its 60 s, not 60 s plus or minus the offset
        await p.sql.query("UPDATE deliveries SET next_attempt_at = now() AT TIME ZONE 'UTC' - interval '1 second'");
        const [retried] = await claimDueDeliveries(p.two.prisma, 10);
        expect(retried?.attempts).toBe(2);
        const { rows } = await p.sql.query<{ lease: number }>(
          "SELECT extract(epoch FROM next_attempt_at - now() AT TIME ZONE 'UTC')::float8 AS lease FROM deliveries",
        );
        expect(rows[0]?.lease).toBeGreaterThan(50);
        expect(rows[0]?.lease).toBeLessThanOrEqual(60);
      } finally {
        await p.close();
      }
    });
  }
});
