// The main thread's side of the embedded database's own thread (pglite-thread.ts says why it
// has one). It starts the worker, and offers what the rest of the store uses of PGlite:
//  - `sql`, the request path's statements (sql.ts runs them in the worker as it would here);
//  - `client`, the part of PGlite's interface Prisma's PGlite adapter calls (query, exec,
//    transaction), for the cold paths.
// Every request is checked against `guard` (the data folder's watch) before it is sent. If the
// worker dies, every pending and later request is refused with DatabaseThreadStopped, so health
// turns 503 and nothing is taken as saved.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { messages, type PGlite, type QueryOptions, type Results, type Transaction } from "@electric-sql/pglite";
import type { Sql } from "./sql.js";

/** What the worker is started with. */
export interface ThreadInit {
  /** PGlite's folder (`<data folder>/pglite`) */
  dataDir: string;
  startParams: readonly string[];
  migrationsDir?: string | undefined;
}

export type ThreadReady = { ready: true; appliedMigrations: string[] } | { ready: false; error: ThreadError };

export type ThreadRequest =
  /**
   * One statement of the request path (sql.ts). Its text crosses once, with its number; later
   * calls send the number only (the texts are a small fixed set, up to ~10 KB each).
   */
  | { id: number; op: "sql"; statement: number; text?: string | undefined; params: readonly unknown[] }
  /** PGlite's query(); the values of `rawTypes` come back as text, for the caller's parsers */
  | { id: number; op: "query"; tx?: number | undefined; text: string; params: unknown[]; rowMode: "array" | "object"; rawTypes: number[] }
  | { id: number; op: "exec"; tx?: number | undefined; text: string }
  /** opens a transaction; answered with its number once BEGIN has run */
  | { id: number; op: "begin" }
  | { id: number; op: "rollback"; tx: number }
  /** ends a transaction: COMMIT (unless rolled back) or ROLLBACK */
  | { id: number; op: "end"; tx: number; commit: boolean }
  | { id: number; op: "close" };

export type ThreadError =
  | { kind: "database"; message: string; length: number; fields: Record<string, unknown> }
  | { kind: "other"; message: string; code?: string };

export type ThreadReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ThreadError };

/** The worker is gone (crashed, or closed): nothing can be read or written any more. */
export class DatabaseThreadStopped extends Error {
  constructor(reason: string) {
    super(`the embedded database stopped (${reason}); restart the bot`);
    this.name = "DatabaseThreadStopped";
  }
}

/** A DatabaseError as PGlite throws it, so that Prisma's adapter and databaseErrorOf read it as before. */
function rebuildError(error: ThreadError): Error {
  if (error.kind === "database") return Object.assign(new messages.DatabaseError(error.message, error.length, "error"), error.fields);
  return Object.assign(new Error(error.message), error.code === undefined ? {} : { code: error.code });
}

type ClientQueries = Pick<PGlite, "query" | "exec">;

/** What Prisma's PGlite adapter uses of a PGlite instance. */
export type RemoteClient = ClientQueries & Pick<PGlite, "transaction">;

export interface PGliteThread {
  sql: Sql;
  client: RemoteClient;
  appliedMigrations: string[];
  /** Closes PGlite (its shutdown checkpoint) when `checkpoint`, then ends the worker. */
  close(opts: { checkpoint: boolean }): Promise<void>;
}

/**
 * The worker's entry: compiled, the .js beside this file; from source (tests, `tsx`), a worker
 * does not inherit the TypeScript loader, so it registers tsx before importing the .ts file.
 */
function spawn(init: ThreadInit): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = new URL(`./pglite-thread.${fromSource ? "ts" : "js"}`, import.meta.url);
  const workerData = { pgliteThread: init };
  // The worker's JS is a thin loop (PostgreSQL's memory is WebAssembly's, outside the JS heap):
  // a small young generation keeps the garbage it holds between collections small. Its old
  // space is capped by the same --max-old-space-size as the main thread's (npm start).
  const resourceLimits = { maxYoungGenerationSizeMb: 8 };
  if (!fromSource) return new Worker(entry, { workerData, resourceLimits });
  const code = `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { eval: true, workerData, resourceLimits });
}

/** tsx's ESM API (`tsx/esm/api` as `import` resolves it; require would give its CommonJS twin). */
function tsxApi(): string {
  const manifest = createRequire(import.meta.url).resolve("tsx/package.json");
  const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(manifest), pkg.exports["./esm/api"]?.import.default ?? "dist/esm/api/index.mjs")).href;
}

/**
 * `guard` runs before every request that reads or writes (the data folder's check) and may throw;
 * `onStopped` is told once if the thread stops other than by close() (it crashed or ran out of memory).
 */
export async function startPGliteThread(init: ThreadInit, guard: () => void = () => undefined, onStopped: (reason: string) => void = () => undefined): Promise<PGliteThread> {
  const worker = spawn(init);
  const pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  let nextId = 1;
  let stopped: DatabaseThreadStopped | null = null;
  let closing = false;
  const stop = (reason: string) => {
    if (stopped) return;
    stopped = new DatabaseThreadStopped(reason);
    for (const p of pending.values()) p.reject(stopped);
    pending.clear();
    if (!closing) onStopped(reason);
  };

  const appliedMigrations = await new Promise<string[]>((resolve, reject) => {
    const failed = (err: Error) => reject(err);
    worker.once("error", failed);
    worker.once("exit", (code) => reject(new DatabaseThreadStopped(`exit code ${code} while opening`)));
    worker.once("message", (ready: ThreadReady) => {
      worker.off("error", failed);
      worker.removeAllListeners("exit");
      if (ready.ready) resolve(ready.appliedMigrations);
      else reject(rebuildError(ready.error));
    });
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });

  worker.on("message", (reply: ThreadReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(rebuildError(reply.error));
  });
  worker.on("error", (err) => stop(err.message));
  worker.on("exit", (code) => stop(`exit code ${code}`));

  /** the request path's statement texts the worker has been sent, by text */
  const statements = new Map<string, number>();
  type Op = ThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;
  /**
   * Sends one request and waits for its answer. Requests that read or write are checked against
   * the data folder first; ending a transaction and closing are not (they must always get through).
   */
  function call<T>(request: Op): Promise<T> {
    const refused = refusal(request.op !== "rollback" && request.op !== "end" && request.op !== "close");
    return refused ? Promise.reject(refused) : post<T>(request);
  }
  /** Why nothing can be sent now (the data folder lost, the thread stopped), if so. */
  function refusal(checkFolder: boolean): unknown {
    if (checkFolder) {
      try {
        guard();
      } catch (err) {
        return err;
      }
    }
    return stopped ?? undefined;
  }
  function post<T>(request: Op): Promise<T> {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        worker.postMessage({ ...request, id });
      } catch (err) {
        // a parameter that cannot be copied to another thread (a function, say): nothing was sent
        pending.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  const queries = (tx: number | undefined): ClientQueries => ({
    async query<T>(text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
      const parsers = options?.parsers ?? {};
      const rawTypes = Object.keys(parsers).map(Number);
      const rowMode = options?.rowMode ?? "object";
      const result = await call<Results<Record<string, unknown> | unknown[]>>({ op: "query", tx, text, params, rowMode, rawTypes });
      if (rawTypes.length > 0) {
        const columns = result.fields.map((f) => parsers[f.dataTypeID]);
        for (const row of result.rows) {
          result.fields.forEach((field, i) => {
            const parse = columns[i];
            if (!parse) return;
            if (Array.isArray(row)) row[i] = row[i] === null ? null : parse(row[i] as string);
            else row[field.name] = row[field.name] === null ? null : parse(row[field.name] as string);
          });
        }
      }
      return result as Results<T>;
    },
    exec: (text: string) => call<Results[]>({ op: "exec", tx, text }),
  });

  const client: RemoteClient = {
    ...queries(undefined),
    async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      const txId = await call<number>({ op: "begin" });
      let closed = false;
      const tx: Transaction = {
        ...queries(txId),
        sql: () => Promise.reject(new Error("tagged-template queries are not offered across threads")),
        listen: () => Promise.reject(new Error("LISTEN is not offered across threads")),
        // Prisma's adapter calls rollback() without awaiting it: a failure must not go unhandled.
        // The transaction's end, which always follows, reports what matters.
        async rollback() {
          closed = true;
          await call({ op: "rollback", tx: txId }).catch(() => undefined);
        },
        get closed() {
          return closed;
        },
      };
      let result: T;
      try {
        result = await work(tx);
      } catch (err) {
        await call({ op: "end", tx: txId, commit: false }).catch(() => undefined);
        throw err;
      }
      await call({ op: "end", tx: txId, commit: true });
      return result;
    },
  };

  return {
    sql: {
      kind: "pglite",
      query<R extends Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<R[]> {
        const refused = refusal(true);
        if (refused) return Promise.reject(refused);
        const known = statements.get(text);
        if (known !== undefined) return post<R[]>({ op: "sql", statement: known, params });
        const statement = statements.size + 1;
        statements.set(text, statement);
        return post<R[]>({ op: "sql", statement, text, params });
      },
    },
    client,
    appliedMigrations,
    async close({ checkpoint }) {
      closing = true;
      try {
        if (checkpoint && !stopped) await call({ op: "close" });
      } finally {
        stop("closed");
        await worker.terminate();
      }
    },
  };
}
