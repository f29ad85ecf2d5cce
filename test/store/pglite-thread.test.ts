// The embedded database on disk runs in its own worker thread (src/store/pglite-thread.ts):
// what crosses the thread boundary must come back as it would from PGlite on the caller's
// thread (values, SQLSTATEs, transactions), and the caller's thread must stay free while
// PostgreSQL works.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/store/database.js";
import { databaseErrorOf } from "../../src/store/errors.js";
import { DatabaseThreadStopped } from "../../src/store/pglite-remote.js";

describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))("the embedded database in its own thread", () => {
  let root: string;
  let db: Database;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "dd-thread-"));
    db = await openDatabase({ dataDir: join(root, "data") });
  });
  afterAll(async () => {
    await db?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("returns values of every kind the store reads, through both the request path and Prisma", async () => {
    const [row] = await db.sql.query<Record<string, unknown>>(
      "SELECT 1::int AS n, 'x'::text AS s, '2026-12-01T10:00:00Z'::timestamptz AS at, '{\"a\":[1,null]}'::jsonb AS j, ARRAY['a','b']::text[] AS list, NULL::text AS nothing, true AS yes",
    );
    expect(row).toEqual({ n: 1, s: "x", at: new Date("2026-12-01T10:00:00Z"), j: { a: [1, null] }, list: ["a", "b"], nothing: null, yes: true });
    // Prisma's adapter parses some types itself (its parsers run on this side of the thread)
    const [viaPrisma] = await db.prisma.$queryRaw<Array<{ big: bigint; at: Date; j: unknown }>>`SELECT 9007199254740993::bigint AS big, '2026-12-01T10:00:00Z'::timestamptz AS at, '{"b":2}'::jsonb AS j`;
    expect(viaPrisma).toEqual({ big: 9007199254740993n, at: new Date("2026-12-01T10:00:00Z"), j: { b: 2 } });
  });

  it("keeps PostgreSQL's SQLSTATE on errors, for the request path and for Prisma", async () => {
    const direct = await db.sql.query("SELECT * FROM no_such_table").catch((err: unknown) => err);
    expect(databaseErrorOf(direct)).toMatchObject({ code: "42P01" });
    const viaPrisma = await db.prisma.$queryRaw`SELECT 1/0`.catch((err: unknown) => err);
    expect(databaseErrorOf(viaPrisma)).toMatchObject({ code: "22012" });
  });

  it("commits an interactive transaction, and rolls back one that throws", async () => {
    await db.prisma.$executeRawUnsafe("CREATE TABLE thread_probe (id int PRIMARY KEY)");
    await db.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`INSERT INTO thread_probe VALUES (1)`;
      await tx.$executeRaw`INSERT INTO thread_probe VALUES (2)`;
    });
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO thread_probe VALUES (3)`;
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    // a failed statement inside rolls the whole transaction back too
    const duplicate = await db.prisma
      .$transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO thread_probe VALUES (4)`;
        await tx.$executeRaw`INSERT INTO thread_probe VALUES (1)`;
      })
      .catch((err: unknown) => err);
    expect(databaseErrorOf(duplicate)).toMatchObject({ code: "23505" });
    const rows = await db.sql.query<{ id: number }>("SELECT id FROM thread_probe ORDER BY id");
    expect(rows.map((r) => r.id)).toEqual([1, 2]);
  });

  it("leaves the caller's thread free while a statement runs", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    try {
      await db.sql.query("SELECT count(*) AS n FROM generate_series(1, 3000000)");
    } finally {
      clearInterval(timer);
    }
    const elapsed = performance.now() - started;
    // PGlite on this thread would run the statement in one synchronous call: no tick at all
    expect(elapsed).toBeGreaterThan(50);
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 5 / 4));
  });

  it("gathers the planner's statistics itself, as autovacuum would on a server", async () => {
    // a table without an index: PostgreSQL estimates its size only when it is analysed
    await db.prisma.$executeRawUnsafe("CREATE TABLE stats_probe (n int)");
    const estimate = async () => Number((await db.sql.query<{ n: number }>("SELECT reltuples::int AS n FROM pg_class WHERE relname = 'stats_probe'"))[0]?.n);
    expect(await estimate()).toBe(-1);
    // the first ANALYZE comes after 2,000 statements (this file's earlier tests sent a few)
    for (let i = 0; i < 2_100; i++) await db.sql.query("INSERT INTO stats_probe VALUES ($1::int)", [i]);
    const deadline = Date.now() + 5_000;
    while ((await estimate()) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await estimate()).toBeGreaterThan(1_500);
  });

  it("after close, refuses statements with a message that says what to do", async () => {
    const other = await openDatabase({ dataDir: join(root, "closing") });
    await other.close();
    const err = await other.sql.query("SELECT 1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseThreadStopped);
    expect(String(err)).toMatch(/embedded database stopped.*restart the bot/);
    expect(await other.ping(500)).toBe(false);
  });
});
