// How many connections an instance opens: pg's pool ignores Prisma's `connection_limit`
// URL parameter, so openDatabase reads it (src/store/database.ts, postgresPoolConfig).
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openDatabase, postgresPoolConfig } from "../../src/store/database.js";
import { createEmptyServerDatabase, NO_SERVER_REASON, testServerUrl } from "../support/db.js";

const server = testServerUrl();

describe("postgresPoolConfig", () => {
  it("turns connection_limit into the pool's size and leaves the rest of the URL alone", () => {
    expect(postgresPoolConfig("postgresql://bot:s%40cret@db.internal:5432/dd?sslmode=require&connection_limit=4")).toEqual({
      connectionString: "postgresql://bot:s%40cret@db.internal:5432/dd?sslmode=require",
      max: 4,
    });
    const plain = "postgresql://bot:s%40cret@db.internal/dd?sslmode=require";
    expect(postgresPoolConfig(plain)).toEqual({ connectionString: plain });
  });

  it("refuses a connection_limit that is not a positive whole number", () => {
    for (const bad of ["0", "-1", "two", "1.5", ""]) {
      expect(() => postgresPoolConfig(`postgresql://db/dd?connection_limit=${bad}`)).toThrow(/connection_limit must be a whole number/);
    }
  });
});

describe.skipIf(!server)(`connections per instance on a PostgreSQL server${server ? "" : ` (${NO_SERVER_REASON})`}`, () => {
  async function connections(name: string, admin: pg.Client): Promise<number> {
    const { rows } = await admin.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", [name]);
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * The most client connections the database had open while `work` ran, sampled every 20 ms.
   * Only client backends count: an autovacuum worker on the new database is listed with it too.
   * A closed session's backend can stay in pg_stat_activity for a moment after its client
   * has gone (the migrator's, a previous pool's), so sampling starts once none is left.
   */
  async function peakConnections(name: string, admin: pg.Client, work: () => Promise<unknown>): Promise<number> {
    const deadline = Date.now() + 10_000;
    while ((await connections(name, admin)) > 0) {
      if (Date.now() > deadline) throw new Error(`connections to ${name} from before the measurement did not close`);
      await new Promise((r) => setTimeout(r, 20));
    }
    let peak = 0;
    let running = true;
    const sampling = (async () => {
      while (running) {
        peak = Math.max(peak, await connections(name, admin));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await work();
    } finally {
      running = false;
      await sampling;
    }
    return peak;
  }

  it("stay within connection_limit however many queries wait", async () => {
    const database = await createEmptyServerDatabase();
    if (!database || !server) throw new Error("no server");
    const name = new URL(database.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    try {
      const limited = await openDatabase({ url: `${database.url}?connection_limit=2` });
      const sleepers = () => Promise.all(Array.from({ length: 6 }, () => limited.prisma.$queryRaw`SELECT 1 AS one FROM pg_sleep(0.2)`));
      try {
        expect(await peakConnections(name, admin, sleepers)).toBe(2);
      } finally {
        await limited.close();
      }
      // without it, pg's default pool of 10 would open one per waiting query
      const unlimited = await openDatabase({ url: database.url });
      try {
        expect(await peakConnections(name, admin, () => Promise.all(Array.from({ length: 6 }, () => unlimited.prisma.$queryRaw`SELECT 1 AS one FROM pg_sleep(0.2)`)))).toBe(6);
      } finally {
        await unlimited.close();
      }
    } finally {
      await admin.end();
      await database.drop();
    }
  });
});
