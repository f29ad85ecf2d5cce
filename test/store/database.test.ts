import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMigrate, redact } from "../../src/cli/migrate.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from "../../src/store/migrate.js";
import { createTestDatabase } from "../support/db.js";

describe("openDatabase", () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it("returns a migrated database that answers", async () => {
    expect(db.kind).toBe(process.env.TEST_DATABASE_URL ? "postgres" : "pglite");
    const shipped = (await readMigrations(DEFAULT_MIGRATIONS_DIR)).map((f) => ({ migration_name: f.name }));
    expect(shipped[0]).toEqual({ migration_name: "20261128000000_init" });
    expect(await db.prisma.$queryRaw`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`).toEqual(shipped);
    expect(await db.ping()).toBe(true);
    expect(await db.prisma.screening.count()).toBe(0);
  });

  it("refuses a URL that is not PostgreSQL instead of quietly using the embedded database", async () => {
    await expect(openDatabase({ url: "mysql://u:p@h/db" })).rejects.toThrow(/must start with postgresql:\/\//);
  });

  it("fails to open, and says why, when the migrations cannot be applied", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dd-migrations-"));
    try {
      await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
      await mkdir(join(dir, "20990101000000_broken"));
      await writeFile(join(dir, "20990101000000_broken", "migration.sql"), "THIS IS NOT SQL;\n");
      await expect(openDatabase({ memory: true, migrationsDir: dir })).rejects.toThrow(/migration 20990101000000_broken failed and was rolled back/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("npm run db:migrate", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "dd-migrate-cli-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const run = async (env: NodeJS.ProcessEnv) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runMigrate(env, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
    return { code, out, err };
  };

  it("prints each migration it applies, then that the database is up to date", async () => {
    const shipped = (await readMigrations(DEFAULT_MIGRATIONS_DIR)).map((f) => `applied ${f.name}`);
    expect(shipped[0]).toBe("applied 20261128000000_init");
    expect(await run({ DATA_DIR: dataDir })).toEqual({ code: 0, out: shipped, err: [] });
    expect(await run({ DATA_DIR: dataDir })).toEqual({ code: 0, out: [`database is up to date (embedded database in ${dataDir})`], err: [] });
  }, 120_000);

  it("fails with one line that never shows the password", async () => {
    const result = await run({ DATABASE_URL: "postgresql://bob:s3cr%40t-pw@127.0.0.1:1/dd" });
    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(/^db:migrate: 127\.0\.0\.1:1\/dd: /);
    expect(result.err.join("")).not.toMatch(/s3cr/);
  });

  it("refuses a DATABASE_URL that is not PostgreSQL", async () => {
    expect(await run({ DATABASE_URL: "file:./dev.db" })).toMatchObject({ code: 2, out: [] });
  });

  it("redacts passwords however they appear", () => {
    const url = "postgresql://bob:s3cr%40t-pw@db.example/dd";
    expect(redact(`cannot connect to ${url}`, url)).toBe("cannot connect to postgresql://bob:[redacted]@db.example/dd");
    expect(redact("password s3cr@t-pw was rejected", url)).toBe("password [redacted] was rejected");
  });
});
