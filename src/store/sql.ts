// The thin SQL layer the request path uses: one parameterised statement per call, straight to
// the driver (PGlite or a pg pool). Prisma stays the schema's source and migrations' tool, and
// serves the cold paths (CLI, list imports); the hot path avoids its per-query compilation,
// which cost about 2 ms of CPU per statement (see bench/README.md).
import type { PGlite } from "@electric-sql/pglite";
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
 * PGlite runs SQL synchronously on the event loop's thread: each statement first yields, so
 * HTTP requests and Slack calls keep moving between the statements of requests in flight.
 * PGlite's own parsers (json, timestamps, numbers) are used as they are: no per-query options.
 */
export function pgliteSql(pglite: PGlite, guard: () => void = () => undefined): Sql {
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    kind: "pglite",
    async query<R extends Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<R[]> {
      guard();
      await turn();
      const result = await pglite.query<R>(text, params as unknown[]);
      return result.rows;
    },
  };
}

export function postgresSql(pool: pg.Pool, guard: () => void = () => undefined): Sql {
  return {
    kind: "postgres",
    async query<R extends Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<R[]> {
      guard();
      const result = await pool.query<R>(text, params as unknown[]);
      return result.rows;
    },
  };
}
