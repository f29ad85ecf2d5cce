// Opens the database: a PostgreSQL server when given a postgres:// URL, else embedded PGlite
// (in ./data/pglite, or in memory for tests). Migrations are applied before anything else
// can use it. An embedded database on disk refuses every statement once its folder is removed,
// moved or replaced while open (data-folder-watch.ts).
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../generated/prisma/client.js";
import { watchDataFolder, type DataFolderLost, type DataFolderWatch } from "./data-folder-watch.js";
import { lockDataFolder } from "./data-lock.js";
import { migrate, migrateEmbedded, pgConnection } from "./migrate.js";
import { startPGliteThread } from "./pglite-remote.js";
import { prebuiltDatabase, unpackPrebuilt } from "./prebuilt-database.js";
import { pgliteSql, postgresSql, type Sql } from "./sql.js";

export interface Database {
  prisma: PrismaClient;
  /** the request path's SQL (src/store/sql.ts): one statement per call, no query compiler */
  sql: Sql;
  kind: "pglite" | "postgres";
  /**
   * migrations this open applied (empty when the database was up to date); for a data folder
   * created from the prebuilt empty database, those it came with too (applied at build time)
   */
  appliedMigrations: string[];
  /** embedded, on a data folder this open created: from the build's prebuilt empty database, or by PGlite's initdb */
  createdFrom?: "prebuilt" | "initdb";
  /** true when the database answers a trivial query within the timeout (false once the data folder is lost) */
  ping(timeoutMs?: number): Promise<boolean>;
  /**
   * false once the embedded database's data folder was removed, moved or replaced while open
   * (data-folder-watch.ts): every statement is then refused with DataFolderGone. Always true for
   * a server or an in-memory database.
   */
  writable(): boolean;
  /**
   * Checks the data folder every `intervalMs` (default 2 s) and tells `onLost` once when it is
   * lost, even when no request comes; returns a function that stops it. A no-op without a data
   * folder (server, memory). Stopped by close().
   */
  watchDataFolder(onLost: (lost: DataFolderLost) => void, opts?: { intervalMs?: number }): () => void;
  /** disconnects Prisma and, for PGlite, closes the embedded database (or the process never exits) */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** where the build's prebuilt empty database is (store/prebuilt-database.ts); default dist/ (tests give another) */
  prebuiltDir?: string | undefined;
  /** a postgres:// or postgresql:// URL; unset or empty means embedded PGlite */
  url?: string | undefined;
  /** PGlite keeps its files in `${dataDir}/pglite`; default ./data */
  dataDir?: string | undefined;
  /** PGlite in memory, nothing on disk (tests) */
  memory?: boolean | undefined;
  /**
   * Where an embedded database on disk runs: in its own worker thread (default; pglite-thread.ts
   * says why), or on the caller's thread.
   */
  thread?: "own" | "caller" | undefined;
  /**
   * Told once if the embedded database's thread stops while open (it crashed, or ran out of
   * memory): from then on every statement is refused and ping() is false.
   */
  onStopped?: ((reason: string) => void) | undefined;
  /** another migrations folder (tests) */
  migrationsDir?: string | undefined;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const url = opts.url?.trim() || undefined;
  if (isPostgresUrl(url)) return openPostgres(url, opts.migrationsDir);
  // A URL of another kind is a mistake, not a request for the embedded database.
  if (url !== undefined) throw new Error("the database URL must start with postgresql:// (leave it unset for the embedded database)");
  return openPGlite(opts);
}

async function openPostgres(url: string, migrationsDir: string | undefined): Promise<Database> {
  const pool = postgresPoolConfig(url);
  // Migrations run on a dedicated session: the advisory lock is per session, and a pool
  // would hand each statement to whichever connection is free.
  const client = new pg.Client({ connectionString: pool.connectionString });
  // A dropped connection also rejects the pending query; without a listener the event would crash the process.
  client.on("error", () => undefined);
  await client.connect();
  let appliedMigrations: string[];
  try {
    appliedMigrations = await migrate(pgConnection(client), { migrationsDir });
  } finally {
    await client.end().catch(() => undefined);
  }
  // One pool for both: Prisma's adapter (cold paths) and the request path's SQL.
  const pgPool = new pg.Pool({ ...pool, ...SERVER_TIMEOUTS });
  // An idle client's dropped connection is reported on the pool; unheard, it would crash the process.
  pgPool.on("error", () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pgPool) });
  return {
    prisma,
    sql: postgresSql(pgPool),
    kind: "postgres",
    appliedMigrations,
    ping: (timeoutMs) => ping(prisma, timeoutMs),
    writable: () => true,
    watchDataFolder: () => () => undefined,
    async close() {
      try {
        await prisma.$disconnect();
      } finally {
        await pgPool.end().catch(() => undefined);
      }
    },
  };
}

/**
 * A server that stops answering (a network partition, a hung host) must not hold requests past
 * Slack's 3-second deadline: Slack would show its own error and the person would not learn that
 * nothing was saved. pg waits forever by default, for a connection and for a query.
 */
const SERVER_TIMEOUTS = { connectionTimeoutMillis: 2_000, query_timeout: 2_000 } as const;

/**
 * The pg pool's settings for a URL. Prisma's `connection_limit` parameter means nothing to pg
 * (the adapter's pool would silently stay at pg's default of 10), so it is read here and
 * becomes the pool's size: several instances must be able to stay under the server's
 * max_connections.
 */
export function postgresPoolConfig(url: string): { connectionString: string; max?: number } {
  const parsed = new URL(url);
  const limit = parsed.searchParams.get("connection_limit");
  if (limit === null) return { connectionString: url };
  if (!/^[1-9]\d{0,3}$/.test(limit)) {
    throw new Error("DATABASE_URL: connection_limit must be a whole number of connections per instance, from 1 to 9999");
  }
  parsed.searchParams.delete("connection_limit");
  return { connectionString: parsed.toString(), max: Number(limit) };
}

/**
 * PGlite's resident WASM heap is mostly PostgreSQL's `shared_buffers`, which initdb sets to
 * 128MB; the bot's data is a few MB, so 16MB of buffer cache is plenty and saves over 100 MB of
 * RSS. PGlite's own start parameters are kept (`startParams` replaces them, it does not add).
 */
export const EMBEDDED_START_PARAMS: readonly string[] = Object.freeze([...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"]);

async function openPGlite(opts: OpenDatabaseOptions): Promise<Database> {
  const startParams = [...EMBEDDED_START_PARAMS];
  if (opts.memory) return openEmbeddedDatabase(new PGlite({ startParams }), opts);
  const dataDir = opts.dataDir ?? "./data";
  const dir = join(dataDir, "pglite");
  await mkdir(dir, { recursive: true });
  // One process per data folder (see data-lock.ts); the lock is held until close().
  const lock = await lockDataFolder(dataDir);
  let db: Database;
  let folder: DataFolderWatch | undefined;
  let fresh = false;
  let prebuilt = false;
  try {
    // From here on the folder is known by the identity of its lock file and pglite folder:
    // removed, moved or replaced, every statement is refused (data-folder-watch.ts).
    folder = watchDataFolder(dataDir);
    // A new folder starts from the prebuilt empty database when the build made one (no initdb).
    fresh = !existsSync(join(dir, "PG_VERSION"));
    const tarball = fresh && opts.migrationsDir === undefined ? await prebuiltDatabase(opts.prebuiltDir) : undefined;
    // A tarball that cannot be unpacked leaves the folder empty: initdb makes it then.
    if (tarball) prebuilt = await unpackPrebuilt(tarball, dir).then(() => true, () => false);
    if (opts.thread === "caller") {
      db = await openEmbeddedDatabase(new PGlite({ dataDir: dir, startParams }), { ...opts, folder });
    } else {
      const watch = folder;
      const thread = await startPGliteThread({ dataDir: dir, startParams, migrationsDir: opts.migrationsDir }, () => watch.guard(), opts.onStopped);
      db = embeddedDatabase({
        // Prisma's adapter takes a PGlite; the thread's client offers the part of it the adapter calls.
        prisma: new PrismaClient({ adapter: new PrismaPGlite(thread.client as unknown as PGlite) }),
        sql: thread.sql,
        appliedMigrations: thread.appliedMigrations,
        folder,
        closeDriver: () => thread.close({ checkpoint: !watch.lost }),
      });
    }
  } catch (err) {
    folder?.stop();
    await lock.release();
    throw err;
  }
  // The prebuilt database's migrations were applied to this new folder's content at build time.
  const appliedMigrations = fresh && prebuilt ? await db.sql.query<{ name: string }>("SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name").then((rows) => rows.map((r) => r.name)) : db.appliedMigrations;
  return {
    ...db,
    appliedMigrations,
    ...(fresh ? { createdFrom: prebuilt ? ("prebuilt" as const) : ("initdb" as const) } : {}),
    async close() {
      try {
        await db.close();
      } finally {
        // A lost folder's lock file is not ours any more (gone, or another process's).
        if (folder.lost) lock.abandon();
        else await lock.release();
      }
    },
  };
}

/**
 * Migrates an already created PGlite and wraps it; the Database owns it from then on (closes
 * it on close(), or right away if migrating fails). Tests use it to start from a snapshot.
 * `folder`: the data folder it lives in, checked before every statement.
 */
export async function openEmbeddedDatabase(
  pglite: PGlite,
  opts: { migrationsDir?: string | undefined; folder?: DataFolderWatch | undefined } = {},
): Promise<Database> {
  const folder = opts.folder;
  const appliedMigrations = await migrateEmbedded(pglite, { migrationsDir: opts.migrationsDir });
  const guard = folder ? () => folder.guard() : () => undefined;
  return embeddedDatabase({
    prisma: new PrismaClient({ adapter: new PrismaPGlite(yieldingBetweenStatements(pglite, guard)) }),
    sql: pgliteSql(pglite, guard),
    appliedMigrations,
    folder,
    // The adapter's dispose() leaves PGlite open. Closing writes a shutdown checkpoint by
    // path: with the folder lost it would fail, or write into whatever folder is there now.
    closeDriver: async () => {
      if (!folder?.lost) await pglite.close();
    },
  });
}

/** An embedded database's Database, wherever its PGlite runs. */
function embeddedDatabase(parts: {
  prisma: PrismaClient;
  sql: Sql;
  appliedMigrations: string[];
  folder: DataFolderWatch | undefined;
  closeDriver: () => Promise<void>;
}): Database {
  const { prisma, folder } = parts;
  let closed = false;
  return {
    prisma,
    sql: parts.sql,
    kind: "pglite",
    appliedMigrations: parts.appliedMigrations,
    ping: async (timeoutMs) => (folder && !folder.intact() ? false : ping(prisma, timeoutMs)),
    writable: () => !folder || folder.intact(),
    watchDataFolder(onLost, watchOpts) {
      if (!folder) return () => undefined;
      const unlisten = folder.onLost(onLost);
      const stopPolling = folder.poll(watchOpts?.intervalMs);
      return () => {
        stopPolling();
        unlisten();
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      folder?.stop();
      try {
        await prisma.$disconnect();
      } finally {
        await parts.closeDriver();
      }
    },
  };
}

/**
 * PGlite runs SQL synchronously on the event loop's thread, and the adapter chains one
 * statement after another through promises: under load, the database work of every request in
 * flight can run as one long chain of microtasks, during which no HTTP request is read and no
 * Slack call is sent (the bench saw slash commands wait 20 s for their views.open). Each
 * statement therefore first yields to the event loop, so I/O keeps moving between statements.
 * `guard` runs before each statement and transaction (the data folder's check) and may throw.
 */
function yieldingBetweenStatements(pglite: PGlite, guard: () => void): PGlite {
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const wrapQueries = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value: unknown = Reflect.get(obj, prop, receiver);
        if (typeof value !== "function") return value;
        if (prop === "exec") {
          // Thrown, not rejected: the adapter calls exec inside try without awaiting it.
          return (...args: unknown[]) => {
            guard();
            return (value as (...a: unknown[]) => unknown).apply(obj, args);
          };
        }
        if (prop === "query") {
          return async (...args: unknown[]) => {
            guard();
            await turn();
            return (value as (...a: unknown[]) => unknown).apply(obj, args);
          };
        }
        if (prop === "transaction") {
          return (fn: (tx: object) => Promise<unknown>) => {
            try {
              guard();
            } catch (err) {
              return Promise.reject(err);
            }
            return (value as (f: (tx: object) => Promise<unknown>) => unknown).call(obj, (tx: object) => fn(wrapQueries(tx)));
          };
        }
        return (value as (...a: unknown[]) => unknown).bind(obj);
      },
    });
  return wrapQueries(pglite);
}

async function ping(prisma: PrismaClient, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const query = prisma.$queryRaw`SELECT 1`.then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
