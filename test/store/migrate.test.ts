// The migrator against embedded PGlite always, and against a PostgreSQL server when
// TEST_DATABASE_URL is set (then also several processes migrating at once).
import { createHash } from "node:crypto";
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_MIGRATIONS_DIR,
  migrate,
  MigrationError,
  pgConnection,
  pgliteConnection,
  readMigrations,
  scriptMatchesChecksum,
  type MigrationConnection,
} from "../../src/store/migrate.js";
import { createEmptyServerDatabase } from "../support/db.js";

const INIT = "20261128000000_init";
/** Every migration the product ships, oldest first (INIT and the ones added since). */
const SHIPPED = (await readMigrations(DEFAULT_MIGRATIONS_DIR)).map((f) => f.name);

interface Target {
  conn: MigrationConnection;
  /** a second, independent session on the same database (PGlite has only one) */
  connect(): Promise<{ conn: MigrationConnection; close(): Promise<void> }>;
  rows(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

async function pgliteTarget(): Promise<Target> {
  const db = new PGlite();
  const conn = pgliteConnection(db);
  return {
    conn,
    connect: async () => ({ conn, close: async () => undefined }),
    rows: async (sql, params) => (await db.query<Record<string, unknown>>(sql, params)).rows,
    close: () => db.close(),
  };
}

async function serverTarget(): Promise<Target> {
  const server = await createEmptyServerDatabase();
  if (!server) throw new Error("TEST_DATABASE_URL is not set");
  const open: pg.Client[] = [];
  const connect = async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    open.push(client);
    return { conn: pgConnection(client), close: () => client.end() };
  };
  const main = await connect();
  const mainClient = open[0];
  if (!mainClient) throw new Error("no client");
  return {
    conn: main.conn,
    connect,
    rows: async (sql, params) => (await mainClient.query<Record<string, unknown>>(sql, params)).rows,
    close: async () => {
      await Promise.all(open.map((c) => c.end().catch(() => undefined)));
      await server.drop();
    },
  };
}

const targets: Array<[string, () => Promise<Target>]> = [["pglite", pgliteTarget]];
if (process.env.TEST_DATABASE_URL) targets.push(["postgres", serverTarget]);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dd-migrations-"));
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function addMigration(name: string, sql: string): Promise<void> {
  await mkdir(join(dir, name));
  await writeFile(join(dir, name, "migration.sql"), sql);
}

describe.each(targets)("migrate on %s", (_kind, makeTarget) => {
  // One database per backend (creating a PGlite takes seconds); each test starts from an empty schema.
  let t: Target;
  beforeAll(async () => {
    t = await makeTarget();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.conn.exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public;`);
  });

  it("applies every migration to a fresh database, then nothing on a second run", async () => {
    expect(SHIPPED[0]).toBe(INIT);
    expect(await migrate(t.conn, { migrationsDir: dir })).toEqual(SHIPPED);
    const tables = await t.rows(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
    expect(tables.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(["_prisma_migrations", "screenings", "answers", "audit_events", "reference_counters", "deliveries"]),
    );
    expect(await migrate(t.conn, { migrationsDir: dir })).toEqual([]);
    expect(await t.rows("SELECT * FROM _prisma_migrations")).toHaveLength(SHIPPED.length);
  });

  it("records migrations in _prisma_migrations exactly as Prisma does", async () => {
    await migrate(t.conn, { migrationsDir: dir });
    const columns = await t.rows(
      `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
       FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: "id", data_type: "character varying", character_maximum_length: 36, is_nullable: "NO", column_default: null },
      { column_name: "checksum", data_type: "character varying", character_maximum_length: 64, is_nullable: "NO", column_default: null },
      { column_name: "finished_at", data_type: "timestamp with time zone", character_maximum_length: null, is_nullable: "YES", column_default: null },
      { column_name: "migration_name", data_type: "character varying", character_maximum_length: 255, is_nullable: "NO", column_default: null },
      { column_name: "logs", data_type: "text", character_maximum_length: null, is_nullable: "YES", column_default: null },
      { column_name: "rolled_back_at", data_type: "timestamp with time zone", character_maximum_length: null, is_nullable: "YES", column_default: null },
      { column_name: "started_at", data_type: "timestamp with time zone", character_maximum_length: null, is_nullable: "NO", column_default: "now()" },
      { column_name: "applied_steps_count", data_type: "integer", character_maximum_length: null, is_nullable: "NO", column_default: "0" },
    ]);
    const [row] = await t.rows("SELECT * FROM _prisma_migrations WHERE migration_name = $1", [INIT]);
    const script = await readFile(join(dir, INIT, "migration.sql"), "utf8");
    expect(row).toMatchObject({
      migration_name: INIT,
      checksum: createHash("sha256").update(script).digest("hex"),
      logs: null,
      rolled_back_at: null,
      applied_steps_count: 1,
    });
    expect(row?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(row?.finished_at).toBeInstanceOf(Date);
    expect((row?.finished_at as Date).getTime()).toBeGreaterThanOrEqual((row?.started_at as Date).getTime());
  });

  it("applies only the migrations added since the last run, in folder-name order", async () => {
    await migrate(t.conn, { migrationsDir: dir });
    await addMigration("20990102000000_second", `ALTER TABLE "screenings" ADD COLUMN "note_b" TEXT;`);
    await addMigration("20990101000000_first", `ALTER TABLE "screenings" ADD COLUMN "note_a" TEXT;`);
    expect(await migrate(t.conn, { migrationsDir: dir })).toEqual(["20990101000000_first", "20990102000000_second"]);
    const cols = await t.rows(`SELECT column_name FROM information_schema.columns WHERE table_name = 'screenings' AND column_name LIKE 'note_%'`);
    expect(cols).toHaveLength(2);
  });

  it("refuses to run when an applied migration was edited, naming it and what to do", async () => {
    await migrate(t.conn, { migrationsDir: dir });
    await addMigration("20990101000000_later", `CREATE TABLE "later" ("id" INTEGER);`);
    await appendFile(join(dir, INIT, "migration.sql"), "\n-- an innocent-looking edit\n");
    const run = migrate(t.conn, { migrationsDir: dir });
    await expect(run).rejects.toBeInstanceOf(MigrationError);
    await expect(run).rejects.toThrow(`migration ${INIT} was changed after it was applied`);
    await expect(run).rejects.toThrow(/put the change in a new migration/);
    // nothing after it was applied either
    expect(await t.rows(`SELECT 1 FROM information_schema.tables WHERE table_name = 'later'`)).toEqual([]);
  });

  it("accepts an applied migration whose only change is its line endings, as Prisma does", async () => {
    await migrate(t.conn, { migrationsDir: dir });
    const file = join(dir, INIT, "migration.sql");
    await writeFile(file, (await readFile(file, "utf8")).replaceAll("\n", "\r\n"));
    expect(await migrate(t.conn, { migrationsDir: dir })).toEqual([]);
  });

  it("rolls a failing migration back completely and records nothing for it", async () => {
    await migrate(t.conn, { migrationsDir: dir });
    await addMigration("20990101000000_broken", `CREATE TABLE "half" ("id" INTEGER);\nSELECT 1/0;`);
    await expect(migrate(t.conn, { migrationsDir: dir })).rejects.toThrow(/migration 20990101000000_broken failed and was rolled back: division by zero/);
    expect(await t.rows(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half'`)).toEqual([]);
    expect(await t.rows(`SELECT migration_name FROM _prisma_migrations ORDER BY migration_name`)).toEqual(SHIPPED.map((m) => ({ migration_name: m })));
    // fixed, it applies
    await writeFile(join(dir, "20990101000000_broken", "migration.sql"), `CREATE TABLE "half" ("id" INTEGER);`);
    expect(await migrate(t.conn, { migrationsDir: dir })).toEqual(["20990101000000_broken"]);
  });

  it("refuses to go on past a migration Prisma recorded as failed", async () => {
    await migrate(t.conn, { migrationsDir: dir });
    await addMigration("20990101000000_failed", `CREATE TABLE "x" ("id" INTEGER);`);
    await t.rows(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, applied_steps_count)
       VALUES ('7d0c3f3e-0000-4000-8000-000000000001', 'abc', '20990101000000_failed', 'boom', 0)`,
    );
    const run = migrate(t.conn, { migrationsDir: dir });
    await expect(run).rejects.toThrow(/migration 20990101000000_failed failed earlier/);
    await expect(run).rejects.toThrow(/prisma migrate resolve --rolled-back 20990101000000_failed/);

    // Once marked rolled back (what `prisma migrate resolve --rolled-back` does), it is applied again.
    await t.rows(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '20990101000000_failed'`);
    expect(await migrate(t.conn, { migrationsDir: dir })).toEqual(["20990101000000_failed"]);
  });

  it("tolerates migrations in the database that this version does not know, like prisma migrate deploy", async () => {
    await migrate(t.conn, { migrationsDir: dir });
    await t.rows(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count)
       VALUES ('7d0c3f3e-0000-4000-8000-000000000002', 'abc', '20991231000000_from_a_newer_release', now(), 1)`,
    );
    expect(await migrate(t.conn, { migrationsDir: dir })).toEqual([]);
  });

  it("releases its lock: another session can migrate right after", async () => {
    await migrate(t.conn, { migrationsDir: dir });
    const other = await t.connect();
    try {
      await addMigration("20990101000000_more", `CREATE TABLE "more" ("id" INTEGER);`);
      expect(await migrate(other.conn, { migrationsDir: dir, lockTimeoutMs: 1_000 })).toEqual(["20990101000000_more"]);
    } finally {
      await other.close();
    }
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)("migrate on a PostgreSQL server, several processes at once", () => {
  it("applies each migration exactly once; the others wait and find nothing to do", async () => {
    const t = await serverTarget();
    try {
      const sessions = await Promise.all(Array.from({ length: 5 }, () => t.connect()));
      const results = await Promise.all(sessions.map((s) => migrate(s.conn, { migrationsDir: dir })));
      expect(results.filter((r) => r.length > 0)).toEqual([SHIPPED]);
      expect(await t.rows("SELECT migration_name FROM _prisma_migrations ORDER BY migration_name")).toEqual(SHIPPED.map((m) => ({ migration_name: m })));
    } finally {
      await t.close();
    }
  });

  it("gives up with a clear message when another session holds the lock too long", async () => {
    const t = await serverTarget();
    try {
      await t.rows("SELECT pg_advisory_lock(72707369)");
      const other = await t.connect();
      await expect(migrate(other.conn, { migrationsDir: dir, lockTimeoutMs: 300 })).rejects.toThrow(/another process has held the migration lock/);
    } finally {
      await t.close();
    }
  });
});

describe("migration files", () => {
  it("reads the shipped migrations in name order with Prisma's checksum", async () => {
    const files = await readMigrations(DEFAULT_MIGRATIONS_DIR);
    expect(files.map((f) => f.name)).toContain(INIT);
    expect([...files.map((f) => f.name)].sort()).toEqual(files.map((f) => f.name));
    for (const f of files) expect(f.checksum).toBe(createHash("sha256").update(f.script).digest("hex"));
  });

  it("says which folder lacks a migration.sql", async () => {
    await mkdir(join(dir, "20990101000000_empty"));
    await expect(readMigrations(dir)).rejects.toThrow(/migration folder 20990101000000_empty has no readable migration.sql/);
  });

  it("matches checksums the way Prisma does: any line endings, old unpadded hex", () => {
    const script = "CREATE TABLE a ();\nCREATE TABLE b ();\n";
    const digest = createHash("sha256").update(script).digest();
    expect(scriptMatchesChecksum(script, digest.toString("hex"))).toBe(true);
    expect(scriptMatchesChecksum(script.replaceAll("\n", "\r\n"), digest.toString("hex"))).toBe(true);
    expect(scriptMatchesChecksum(script, [...digest].map((b) => b.toString(16)).join(""))).toBe(true);
    expect(scriptMatchesChecksum(`${script}-- edit\n`, digest.toString("hex"))).toBe(false);
  });
});
