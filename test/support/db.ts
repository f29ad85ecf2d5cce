// A fresh, migrated database for a test file: embedded in-memory PGlite by default, or a new
// database on the PostgreSQL server named by TEST_DATABASE_URL (an admin URL), dropped again
// by close(). CI runs the suite both ways: vitest.config.ts runs the database suites in two
// projects, "embedded" (TEST_DB=embedded, TEST_DATABASE_URL emptied) and "server"
// (TEST_DB=server).
import { createHash, randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { EMBEDDED_START_PARAMS, openDatabase, openEmbeddedDatabase, type Database } from "../../src/store/database.js";
import { DEFAULT_MIGRATIONS_DIR, migrate, pgliteConnection, readMigrations } from "../../src/store/migrate.js";

/** Why the server-only tests are skipped in this run, for their titles. */
export const NO_SERVER_REASON = "skipped: no PostgreSQL server (set TEST_DATABASE_URL to an admin URL; .ci/run starts one)";

/** The admin URL of the test server, or undefined when this run uses the embedded database. */
export function testServerUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL?.trim() || undefined;
  // A project that says it runs on the server must not quietly fall back to PGlite.
  if (process.env.TEST_DB === "server" && !url) throw new Error("TEST_DB=server but TEST_DATABASE_URL is empty");
  return url;
}

export async function createTestDatabase(opts: { migrationsDir?: string } = {}): Promise<Database> {
  const server = await createEmptyServerDatabase();
  if (!server) return createPGliteTestDatabase(opts.migrationsDir);
  let db: Database;
  try {
    db = await openDatabase({ url: server.url, migrationsDir: opts.migrationsDir });
  } catch (err) {
    await server.drop();
    throw err;
  }
  return {
    ...db,
    async close() {
      try {
        await db.close();
      } finally {
        await server.drop();
      }
    },
  };
}

/** A new database on the test server, without migrations (for migrator tests); null without a server. */
export async function createEmptyServerDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const adminUrl = testServerUrl();
  if (!adminUrl) return null;
  const name = `dd_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropDatabase(adminUrl, name) };
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  // WITH (FORCE) (PostgreSQL 13+) ends sessions a failed test left open.
  await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Creating a PGlite runs initdb (seconds on a busy machine); loading a dump of one already
// migrated takes a fraction of that. The dump is kept in the temp folder, keyed by the
// PGlite version and the migrations, and shared by every test file and worker.

async function createPGliteTestDatabase(migrationsDir: string | undefined): Promise<Database> {
  if (migrationsDir === undefined) {
    const snapshot = await migratedSnapshot().catch(() => null);
    if (snapshot) {
      try {
        return await openEmbeddedDatabase(new PGlite({ loadDataDir: snapshot.data, startParams: [...EMBEDDED_START_PARAMS] }));
      } catch {
        await rm(snapshot.path, { force: true });
      }
    }
  }
  return openDatabase({ memory: true, migrationsDir });
}

async function migratedSnapshot(): Promise<{ path: string; data: Blob }> {
  const migrations = await readMigrations(DEFAULT_MIGRATIONS_DIR);
  const pgliteVersion = await readFile(new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url), "utf8")
    .then((text) => String(JSON.parse(text).version))
    .catch(() => "unknown");
  const key = createHash("sha256")
    .update(JSON.stringify([pgliteVersion, migrations.map((m) => [m.name, m.checksum])]))
    .digest("hex")
    .slice(0, 16);
  const path = join(tmpdir(), `dd-test-pglite-${key}.tar`);
  try {
    return { path, data: new Blob([await readFile(path)]) };
  } catch {
    // not there yet: make it
  }
  const pglite = new PGlite();
  try {
    await migrate(pgliteConnection(pglite));
    const data = await pglite.dumpDataDir("none");
    // Written under a private name, then renamed: a concurrent reader sees all of it or nothing.
    const partial = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
    await writeFile(partial, Buffer.from(await data.arrayBuffer()));
    await rename(partial, path);
    return { path, data };
  } finally {
    await pglite.close();
  }
}
