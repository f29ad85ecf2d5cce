// The thin SQL layer the request path uses: one parameterised statement per call, straight to
// the driver (PGlite or a pg pool). Prisma stays the schema's source and migrations' tool, and
// serves the cold paths (CLI, list imports); the hot path avoids its per-query compilation,
// which cost about 2 ms of CPU per statement (see bench/README.md).
import { createHash } from "node:crypto";
import { protocol, types, type PGlite } from "@electric-sql/pglite";
import type pg from "pg";

export interface Sql {
  readonly kind: "pglite" | "postgres";
  /** Runs one statement (atomic on its own) and returns its rows. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/** Counts statements: the bench's breakdown and the tests that hold the per-request budget use it. */
export function countingSql(inner: Sql): Sql & { readonly count: number; reset(): void } {
  let count = 0;
  return {
    kind: inner.kind,
    query(text, params) {
      count++;
      return inner.query(text, params);
    },
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
  };
}

/**
 * Every statement of the request path is a named prepared statement (its name from a hash of
 * its text), so PostgreSQL parses and plans it once per connection and then reuses the plan:
 * planning the commit's CTE cost about 7 ms of CPU on PGlite each time, executing it under 1 ms.
 * The statements are a fixed, small set of texts (src/store/aggregate.ts, deliveries.ts).
 */
export function statementName(text: string): string {
  return `dd_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
}

/**
 * PGlite runs SQL synchronously on the event loop's thread: each statement first yields, so
 * HTTP requests and Slack calls keep moving between the statements of requests in flight
 * (unless `yieldFirst` is false: in the database's own thread nothing else waits).
 *
 * PGlite's query() always prepares an unnamed statement (parse, plan, execute, every time). The
 * named statement is sent here with PGlite's own protocol serializer and result parsers, inside
 * the same two locks query() takes (no other query, and no open transaction of another caller,
 * can interleave). Those lock methods are internal to PGlite (pinned at 0.5.17 in package.json);
 * if a PGlite without them is ever installed, statements fall back to query() unprepared.
 */
export function pgliteSql(pglite: PGlite, guard: () => void = () => undefined, opts: { yieldFirst?: boolean } = {}): Sql {
  // In the database's own thread (pglite-thread.ts) there is nothing else to let through.
  const turn = opts.yieldFirst === false ? () => undefined : () => new Promise<void>((resolve) => setImmediate(resolve));
  const locks = pgliteLocks(pglite);
  const prepared = new Set<string>();
  const names = new Map<string, string>();
  return {
    kind: "pglite",
    async query<R extends Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<R[]> {
      guard();
      await turn();
      if (!locks) return (await pglite.query<R>(text, params as unknown[])).rows;
      let name = names.get(text);
      if (name === undefined) names.set(text, (name = statementName(text)));
      return locks.exclusive(() => runNamed<R>(pglite, prepared, name, text, params));
    },
  };
}

interface PGliteLocks {
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

function pgliteLocks(pglite: PGlite): PGliteLocks | null {
  const transaction: unknown = Reflect.get(pglite, "_runExclusiveTransaction");
  const query: unknown = Reflect.get(pglite, "_runExclusiveQuery");
  if (typeof transaction !== "function" || typeof query !== "function") return null;
  return {
    exclusive: <T>(work: () => Promise<T>) =>
      (transaction as (f: () => Promise<T>) => Promise<T>).call(pglite, () => (query as (f: () => Promise<T>) => Promise<T>).call(pglite, work)),
  };
}

async function runNamed<R extends Record<string, unknown>>(pglite: PGlite, prepared: Set<string>, name: string, text: string, params: readonly unknown[]): Promise<R[]> {
  const send = (message: Uint8Array) => pglite.execProtocolStream(message, { syncToFs: false });
  const messages: Array<{ name: string }> = [];
  try {
    if (!prepared.has(name)) {
      await send(protocol.serialize.parse({ name, text, types: [] }));
      prepared.add(name);
    }
    messages.push(...(await send(protocol.serialize.bind({ statement: name, values: params.map(textValue) }))));
    messages.push(...(await send(protocol.serialize.describe({ type: "P" }))));
    messages.push(...(await send(protocol.serialize.execute({}))));
  } finally {
    await send(protocol.serialize.sync());
  }
  await pglite.syncToFs();
  let fields: Array<{ name: string; dataTypeID: number }> = [];
  const rows: R[] = [];
  for (const message of messages) {
    if (message.name === "rowDescription") fields = (message as unknown as { fields: typeof fields }).fields;
    else if (message.name === "dataRow") {
      const values = (message as unknown as { fields: Array<string | null> }).fields;
      const row: Record<string, unknown> = {};
      fields.forEach((f, i) => {
        row[f.name] = types.parseType(values[i] ?? null, f.dataTypeID, pglite.parsers);
      });
      rows.push(row as R);
    }
  }
  return rows;
}

/** A parameter in PostgreSQL's text format (the statements cast every parameter to its type). */
function textValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "t" : "f";
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `{${value.map((v) => (v === null || v === undefined ? "NULL" : `"${String(v).replace(/["\\]/g, (c) => `\\${c}`)}"`)).join(",")}}`;
  return JSON.stringify(value);
}

export function postgresSql(pool: pg.Pool, guard: () => void = () => undefined): Sql {
  return {
    kind: "postgres",
    async query<R extends Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<R[]> {
      guard();
      // pg prepares a named statement once per connection of the pool and reuses it
      const result = await pool.query<R>({ name: statementName(text), text, values: params as unknown[] });
      return result.rows;
    },
  };
}
