// Applies prisma/migrations/*/migration.sql ourselves, recording each one in Prisma's own
// `_prisma_migrations` table exactly as `prisma migrate deploy` would, so the Prisma CLI
// (`migrate status`, `migrate dev`) agrees with what the bot did. Why not the CLI: Prisma
// 6.19's JavaScript schema engine cannot migrate a PostgreSQL server through
// @prisma/adapter-pg, and hangs on PGlite unless its advisory lock is disabled.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The few things the migrator needs from a database connection. */
export interface SqlExecutor {
  /** Runs a script of one or more statements, without parameters (simple query protocol). */
  exec(sql: string): Promise<void>;
  /** Runs one statement with $1, $2, ... parameters and returns its rows. */
  query(sql: string, params?: unknown[]): Promise<unknown[]>;
}

/** One session: session-level advisory locks hold across calls, transactions run on it. */
export interface MigrationConnection extends SqlExecutor {
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/** Prisma's own lock key: the bot and a concurrent `prisma migrate deploy` exclude each other too. */
export const MIGRATION_LOCK_KEY = 72707369;

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

/** Prisma's DDL for its history table (schema engine 6.19, PostgreSQL connector), verbatim. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

export interface MigrationFile {
  name: string;
  script: string;
  checksum: string;
}

export interface MigrateOptions {
  migrationsDir?: string;
  /** how long to wait for another process that is migrating the same database */
  lockTimeoutMs?: number;
}

/**
 * Applies every migration not yet applied, oldest first, each in one transaction together
 * with its `_prisma_migrations` row. Returns the names applied (empty when up to date).
 * Refuses to run when an applied migration was edited or one is recorded as failed.
 */
export async function migrate(conn: MigrationConnection, opts: MigrateOptions = {}): Promise<string[]> {
  const files = await readMigrations(opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  await acquireLock(conn, opts.lockTimeoutMs ?? 60_000);
  try {
    await conn.exec(CREATE_MIGRATIONS_TABLE);
    const recorded = await recordedMigrations(conn);
    const pending = checkHistory(files, recorded);
    const applied: string[] = [];
    for (const file of pending) {
      await conn.transaction(async (tx) => {
        const id = randomUUID();
        // The same steps as Prisma's deploy: record started, run the script, count the step, finish.
        await tx.query(
          `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, $3, clock_timestamp(), 0)`,
          [id, file.checksum, file.name],
        );
        try {
          await tx.exec(file.script);
        } catch (err) {
          throw new MigrationError(`migration ${file.name} failed and was rolled back: ${errorText(err)}`);
        }
        await tx.query(
          `UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1, finished_at = clock_timestamp()
           WHERE id = $1`,
          [id],
        );
      });
      applied.push(file.name);
    }
    return applied;
  } finally {
    await conn.query("SELECT pg_advisory_unlock($1::bigint) AS unlocked", [MIGRATION_LOCK_KEY]).catch(() => undefined);
  }
}

/** The migration folders, sorted by name (their timestamp prefix), with their scripts. */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    throw new MigrationError(`cannot read the migrations folder ${dir}: ${errorText(err)}`);
  }
  const files: MigrationFile[] = [];
  for (const name of entries.sort()) {
    if (!(await stat(join(dir, name))).isDirectory()) continue; // migration_lock.toml
    let script: string;
    try {
      script = await readFile(join(dir, name, "migration.sql"), "utf8");
    } catch {
      throw new MigrationError(`migration folder ${name} has no readable migration.sql`);
    }
    files.push({ name, script, checksum: migrationChecksum(script) });
  }
  return files;
}

/** What Prisma stores: sha256 of the script, lower-case hex. */
export function migrationChecksum(script: string): string {
  return createHash("sha256").update(script).digest("hex");
}

/**
 * Prisma's comparison: line endings may differ (git on Windows), and some old Prisma
 * versions stored hex without zero padding.
 */
export function scriptMatchesChecksum(script: string, checksum: string): boolean {
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replaceAll("\n", "\r\n")];
  return variants.some((v) => {
    const digest = createHash("sha256").update(v).digest();
    const rendered = checksum.length === 64 ? digest.toString("hex") : [...digest].map((b) => b.toString(16)).join("");
    return rendered === checksum;
  });
}

const RecordedRow = z.object({
  migration_name: z.string(),
  checksum: z.string(),
  started_at: z.date(),
  finished_at: z.date().nullable(),
  rolled_back_at: z.date().nullable(),
});
type RecordedMigration = z.infer<typeof RecordedRow>;

async function recordedMigrations(conn: SqlExecutor): Promise<RecordedMigration[]> {
  const rows = await conn.query(
    `SELECT migration_name, checksum, started_at, finished_at, rolled_back_at
     FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );
  return z.array(RecordedRow).parse(rows);
}

/**
 * Prisma's rules: a row with rolled_back_at set does not count; a row neither finished nor
 * rolled back is a failed migration and blocks everything. Migrations recorded in the
 * database but missing from the folder are tolerated, as `prisma migrate deploy` does.
 */
function checkHistory(files: MigrationFile[], recorded: RecordedMigration[]): MigrationFile[] {
  const live = recorded.filter((r) => r.rolled_back_at === null);
  const failed = live.find((r) => r.finished_at === null);
  if (failed) {
    throw new MigrationError(
      `migration ${failed.migration_name} failed earlier (started ${failed.started_at.toISOString()}, never finished); ` +
        `nothing more will be applied. Repair the database by hand, then mark it with ` +
        `"prisma migrate resolve --rolled-back ${failed.migration_name}" (to retry it) or "--applied" (if you completed it), ` +
        `or set rolled_back_at = now() on its _prisma_migrations row`,
    );
  }
  const pending: MigrationFile[] = [];
  for (const file of files) {
    const rows = live.filter((r) => r.migration_name === file.name);
    if (rows.length === 0) {
      pending.push(file);
      continue;
    }
    if (!rows.some((r) => scriptMatchesChecksum(file.script, r.checksum))) {
      throw new MigrationError(
        `migration ${file.name} was changed after it was applied (checksum of prisma/migrations/${file.name}/migration.sql ` +
          `no longer matches _prisma_migrations). Restore the original file and put the change in a new migration`,
      );
    }
  }
  return pending;
}

async function acquireLock(conn: SqlExecutor, timeoutMs: number): Promise<void> {
  // Polling with pg_try_advisory_lock rather than a blocking pg_advisory_lock: a stuck
  // migrator elsewhere becomes a clear error here instead of a start that hangs forever.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = z
      .array(z.object({ locked: z.boolean() }))
      .parse(await conn.query("SELECT pg_try_advisory_lock($1::bigint) AS locked", [MIGRATION_LOCK_KEY]));
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) {
      throw new MigrationError(
        `another process has held the migration lock (pg_advisory_lock ${MIGRATION_LOCK_KEY}) for over ${Math.round(timeoutMs / 1000)} s; ` +
          `is a migration still running or stuck? Try again when it has finished`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------
// Connections

/** The subset of PGlite (and of its transactions) the migrator uses. */
interface PGliteLike {
  exec(sql: string): Promise<unknown>;
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

export function pgliteConnection(db: PGliteLike & { transaction<T>(cb: (tx: PGliteLike) => Promise<T>): Promise<T> }): MigrationConnection {
  const wrap = (q: PGliteLike): SqlExecutor => ({
    exec: async (sql) => {
      await q.exec(sql);
    },
    query: async (sql, params) => (await q.query(sql, params)).rows,
  });
  return { ...wrap(db), transaction: (work) => db.transaction((tx) => work(wrap(tx))) };
}

/**
 * Waits for a PGlite to start, then migrates it, and returns the migrations applied. If either
 * fails, the PGlite is closed before the error is thrown: nothing else will own it.
 */
export async function migrateEmbedded(
  pglite: Parameters<typeof pgliteConnection>[0] & { waitReady: Promise<void>; close(): Promise<void> },
  opts: { migrationsDir?: string | undefined } = {},
): Promise<string[]> {
  try {
    await pglite.waitReady;
    return await migrate(pgliteConnection(pglite), opts);
  } catch (err) {
    await pglite.close().catch(() => undefined);
    throw err;
  }
}

/** The subset of a `pg.Client` the migrator uses; one client is one session. */
interface PgClientLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

export function pgConnection(client: PgClientLike): MigrationConnection {
  const executor: SqlExecutor = {
    // Without parameters pg uses the simple query protocol, which runs several statements.
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async (sql, params) => (await client.query(sql, params ?? [])).rows,
  };
  return {
    ...executor,
    async transaction(work) {
      await client.query("BEGIN");
      try {
        const result = await work(executor);
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    },
  };
}
