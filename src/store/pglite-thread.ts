// The embedded database's own thread. PGlite is PostgreSQL compiled to WebAssembly and runs
// each statement synchronously on the thread that holds it: on the bot's main thread, every
// statement stopped HTTP parsing, Slack calls and view building for its duration (about 3.5 ms
// of CPU per request, a third of the bot's). Here, in a worker thread, PostgreSQL runs on the
// second core while the main thread keeps serving requests.
//
// This file is the worker's side: it opens PGlite on the data folder, migrates it, then runs
// what the main thread asks (pglite-remote.ts says what each message means). It holds no other
// state: the data folder's lock and watch stay with the main thread, which checks them before
// every request it sends.
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { messages, PGlite, type Transaction } from "@electric-sql/pglite";
import { migrateEmbedded } from "./migrate.js";
import type { ThreadError, ThreadInit, ThreadReady, ThreadReply, ThreadRequest } from "./pglite-remote.js";
import { pgliteSql } from "./sql.js";

interface OpenTransaction {
  tx: Transaction;
  /** the transaction's requests, one after another (a rollback completes before its end) */
  queue: Promise<unknown>;
  end(commit: boolean): void;
  settled: Promise<unknown>;
}

function serializeError(err: unknown): ThreadError {
  if (err instanceof messages.DatabaseError) {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(err)) {
      if (typeof value === "string" || typeof value === "number") fields[key] = value;
    }
    return { kind: "database", message: err.message, length: err.length, fields };
  }
  const code: unknown = err instanceof Error ? Reflect.get(err, "code") : undefined;
  return { kind: "other", message: err instanceof Error ? err.message : String(err), ...(typeof code === "string" ? { code } : {}) };
}

/** Statements before the first ANALYZE; the next comes when the count has grown fourfold (2k, 8k, 32k…), at most STATISTICS_GAP_MAX apart. */
const STATISTICS_FIRST = 2_000;
const STATISTICS_GAP_MAX = 256_000;

/**
 * PostgreSQL's autovacuum never runs in PGlite (a single process, no background workers), so the
 * planner would never get statistics about the tables: it keeps planning the prepared statements
 * as if the tables held a few rows, and as they grow the plans get slower. Under the bench's load
 * (200 people, about 600 screenings) the page save's commit statement took 4.2 ms to execute
 * without statistics and 1.7 ms with them. So the thread analyses the bot's tables itself: after
 * 2,000 statements, then at 8,000, 32,000 and 128,000, then every 256,000. It waits its turn like any
 * statement and holds the database while it runs (40–190 ms on the bench's database; the
 * system catalogues, which ANALYZE alone would include, took twice as long again), hence rarely.
 */
function statisticsUpkeep(pglite: PGlite): { counted(): void } {
  let statements = 0;
  let next = STATISTICS_FIRST;
  const analyse = async () => {
    const tables = await pglite.query<{ names: string | null }>("SELECT string_agg(quote_ident(tablename), ', ') AS names FROM pg_tables WHERE schemaname = 'public'");
    const names = tables.rows[0]?.names;
    if (names) await pglite.exec(`ANALYZE ${names}`);
  };
  return {
    counted() {
      if (++statements < next) return;
      next = statements + Math.min(statements * 3, STATISTICS_GAP_MAX);
      // Nothing to tell anyone if it fails (a lost data folder, say): the next request will.
      void analyse().catch(() => undefined);
    },
  };
}

async function serve(init: ThreadInit): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const pglite = new PGlite({ dataDir: init.dataDir, startParams: [...init.startParams] });
  let appliedMigrations: string[];
  try {
    appliedMigrations = await migrateEmbedded(pglite, { migrationsDir: init.migrationsDir });
  } catch (err) {
    port.postMessage({ ready: false, error: serializeError(err) } satisfies ThreadReady);
    return;
  }

  const sql = pgliteSql(pglite, undefined, { yieldFirst: false });
  const statistics = statisticsUpkeep(pglite);
  const statements = new Map<number, string>();
  const transactions = new Map<number, OpenTransaction>();
  let nextTransaction = 1;
  const reply = (message: ThreadReply) => port.postMessage(message);
  const answer = (id: number, work: () => Promise<unknown>) =>
    work().then(
      (value) => reply({ id, ok: true, value }),
      (err: unknown) => reply({ id, ok: false, error: serializeError(err) }),
    );
  const inTransaction = (id: number, txId: number, work: (tx: Transaction) => Promise<unknown>) => {
    const open = transactions.get(txId);
    if (!open) {
      reply({ id, ok: false, error: { kind: "other", message: `transaction ${txId} is not open` } });
      return;
    }
    open.queue = open.queue.then(() => answer(id, () => work(open.tx)));
  };

  port.on("message", (request: ThreadRequest) => {
    switch (request.op) {
      case "sql": {
        if (request.text !== undefined) statements.set(request.statement, request.text);
        const text = statements.get(request.statement);
        if (text === undefined) reply({ id: request.id, ok: false, error: { kind: "other", message: `statement ${request.statement} was never sent` } });
        else void answer(request.id, () => sql.query(text, request.params));
        statistics.counted();
        return;
      }
      case "query": {
        // The caller's own parsers (functions cannot cross threads) run on its side: the values
        // of those types come back as PostgreSQL's text.
        const raw = Object.fromEntries(request.rawTypes.map((type) => [type, (text: string) => text]));
        const run = (target: PGlite | Transaction) =>
          target.query(request.text, request.params, { rowMode: request.rowMode, parsers: raw }).then((r) => ({ rows: r.rows, fields: r.fields, affectedRows: r.affectedRows }));
        if (request.tx === undefined) void answer(request.id, () => run(pglite));
        else inTransaction(request.id, request.tx, run);
        statistics.counted();
        return;
      }
      case "exec": {
        const run = (target: PGlite | Transaction) => target.exec(request.text).then((results) => results.map((r) => ({ rows: r.rows, fields: r.fields, affectedRows: r.affectedRows })));
        if (request.tx === undefined) void answer(request.id, () => run(pglite));
        else inTransaction(request.id, request.tx, run);
        return;
      }
      case "begin": {
        const txId = nextTransaction++;
        let end: (commit: boolean) => void = () => undefined;
        const finished = new Promise<void>((resolve, reject) => {
          end = (commit) => (commit ? resolve() : reject(new Error("rolled back by the caller")));
        });
        let begun = false;
        const settled = pglite.transaction(async (tx) => {
          begun = true;
          transactions.set(txId, { tx, queue: Promise.resolve(), end, settled });
          reply({ id: request.id, ok: true, value: txId });
          await finished;
        });
        // BEGIN itself failed: the caller is still waiting for its transaction
        settled.catch((err: unknown) => {
          if (!begun) reply({ id: request.id, ok: false, error: serializeError(err) });
        });
        return;
      }
      case "rollback":
        inTransaction(request.id, request.tx, (tx) => tx.rollback());
        return;
      case "end": {
        const open = transactions.get(request.tx);
        if (!open) {
          reply({ id: request.id, ok: false, error: { kind: "other", message: `transaction ${request.tx} is not open` } });
          return;
        }
        void answer(request.id, async () => {
          await open.queue;
          transactions.delete(request.tx);
          open.end(request.commit);
          try {
            await open.settled;
          } catch (err) {
            // a rollback the caller asked for is not an error; a failed COMMIT is
            if (request.commit) throw err;
          }
        });
        return;
      }
      case "close":
        // Closing writes PostgreSQL's shutdown checkpoint; the main thread then ends the worker.
        void answer(request.id, () => pglite.close());
        return;
    }
  });
  port.postMessage({ ready: true, appliedMigrations } satisfies ThreadReady);
}

if (!isMainThread && (workerData as { pgliteThread?: ThreadInit } | null)?.pgliteThread) {
  void serve((workerData as { pgliteThread: ThreadInit }).pgliteThread);
}
