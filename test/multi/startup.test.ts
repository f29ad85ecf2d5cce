// Three instances started at the same moment on an empty database: one applies the
// migrations while the others wait on the migration lock, and then all three serve. The
// history they leave is the one the Prisma CLI reads.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { startFakeSlackApi } from "../../src/sandbox/slack-api.js";
import { DEFAULT_MIGRATIONS_DIR } from "../../src/store/migrate.js";
import { createEmptyServerDatabase, NO_SERVER_REASON, testServerUrl } from "../support/db.js";
import { Person } from "./support/driver.js";
import { REPO, startInstances, type Instance } from "./support/instances.js";

const server = testServerUrl();

/** What `prisma migrate deploy` records as a checksum: sha256 of the file's bytes, in hex. */
async function migrationFiles(): Promise<Array<{ name: string; checksum: string }>> {
  const names = (await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => ({ name, checksum: createHash("sha256").update(await readFile(join(DEFAULT_MIGRATIONS_DIR, name, "migration.sql"))).digest("hex") })),
  );
}

/** `prisma migrate status` (the CLI itself, through prisma.config.ts and @prisma/adapter-pg). */
function prismaMigrateStatus(databaseUrl: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, "node_modules/prisma/build/index.js"), "migrate", "status"], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? REPO, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe.skipIf(!server)(`three instances started at once on an empty PostgreSQL database${server ? "" : ` (${NO_SERVER_REASON})`}`, () => {
  it("apply the migrations once, record them as Prisma does, and all three serve", async () => {
    const database = await createEmptyServerDatabase();
    const untouched = await createEmptyServerDatabase();
    if (!database || !untouched) throw new Error("no server");
    const api = await startFakeSlackApi();
    let instances: Instance[] = [];
    const sql = new pg.Client({ connectionString: database.url });
    try {
      instances = await startInstances(["A", "B", "C"], { databaseUrl: database.url, slackApiUrl: api.url });
      const files = await migrationFiles();

      // one instance applied everything; the others found it done
      const applied = instances.flatMap((i) => i.logs.filter((l) => l.msg === "database migrations applied").map((l) => ({ instance: i.name, migrations: l.migrations })));
      expect(applied).toHaveLength(1);
      expect(applied[0]?.migrations).toEqual(files.map((f) => f.name));

      // recorded exactly as `prisma migrate deploy` records them
      await sql.connect();
      const { rows } = await sql.query<Record<string, unknown>>(
        `SELECT migration_name, checksum, applied_steps_count, logs, rolled_back_at, finished_at IS NOT NULL AND finished_at >= started_at AS finished
         FROM _prisma_migrations ORDER BY migration_name`,
      );
      expect(rows).toEqual(
        files.map((f) => ({ migration_name: f.name, checksum: f.checksum, applied_steps_count: 1, logs: null, rolled_back_at: null, finished: true })),
      );

      // all three serve: health, a command, and a screening each
      for (const [k, instance] of instances.entries()) {
        const health = await fetch(`${instance.baseUrl}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({ ok: true, database: "ok" });
        const person = new Person(api, `USTART${k}`);
        expect((await person.command(instance, "help")).status).toBe(200);
        await person.openScreening(instance, "new");
      }
      const screenings = await sql.query<{ reference: string }>("SELECT reference FROM screenings");
      expect(new Set(screenings.rows.map((r) => r.reference)).size).toBe(3);

      // the Prisma CLI agrees: up to date here, everything pending on a database nobody migrated
      const [status, before] = await Promise.all([prismaMigrateStatus(database.url), prismaMigrateStatus(untouched.url)]);
      expect(status.output).toContain("Database schema is up to date!");
      expect(status.code).toBe(0);
      expect(before.output).toMatch(/have not yet been applied/);
      for (const f of files) expect(before.output).toContain(f.name);
      expect(before.code).not.toBe(0);
    } finally {
      await Promise.all(instances.map((i) => i.stop()));
      await api.close();
      await sql.end().catch(() => undefined);
      await database.drop();
      await untouched.drop();
    }
  }, 120_000);
});
