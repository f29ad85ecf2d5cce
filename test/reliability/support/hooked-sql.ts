// The request path's SQL (src/store/sql.ts: one statement per call) seen through a hook that
// runs before every statement, and an optional one after it with how it ended: the tests use
// them to make the database fail at a chosen statement (outages, faults), to hold two requests
// at the same point (forced interleavings), and to see which statements a request ran. The
// counterpart of hooked-prisma.ts for the paths that no longer go through Prisma. Test-only; the
// product never wraps its Sql.
import type { PrismaClient } from "../../../src/generated/prisma/client.js";
import type { Database } from "../../../src/store/database.js";
import type { Sql } from "../../../src/store/sql.js";
import { hookPrisma, type PrismaHook } from "./hooked-prisma.js";

/**
 * What a statement is, from its text (src/store/aggregate.ts):
 * - "load": the aggregate read (loadAggregate);
 * - "commit": a use case's whole change to one screening, version-checked (commitAggregate);
 * - "create": a new screening with its reference and first audit event (createAggregate);
 * - "audit": audit events alone (appendAudit: refusals, access records);
 * - "read" / "write": anything else, by whether it writes.
 */
export type StatementKind = "load" | "commit" | "create" | "audit" | "read" | "write";

export interface SqlCall {
  text: string;
  params: readonly unknown[];
  kind: StatementKind;
  /** the tables the statement inserts into, updates or deletes from, in the order they appear */
  writes: readonly string[];
}

export type SqlBefore = (call: SqlCall) => Promise<void> | void;
export type SqlAfter = (call: SqlCall, outcome: { rows: readonly unknown[] } | { error: unknown }) => void;

export function hookSql(sql: Sql, before: SqlBefore, after?: SqlAfter): Sql {
  return {
    kind: sql.kind,
    async query<R extends Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<R[]> {
      const call: SqlCall = { text, params, kind: statementKind(text), writes: tablesWritten(text) };
      await before(call);
      let rows: R[];
      try {
        rows = await sql.query<R>(text, params);
      } catch (error) {
        after?.(call, { error });
        throw error;
      }
      after?.(call, { rows });
      return rows;
    },
  };
}

const NOT_TABLES = new Set(["set", "skip", "nowait", "of"]);

export function tablesWritten(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([a-z_][a-z0-9_]*)"?/gi)) {
    const table = m[1]!.toLowerCase();
    // "ON CONFLICT (…) DO UPDATE SET", "FOR UPDATE SKIP LOCKED", "FOR UPDATE OF x": not tables
    if (NOT_TABLES.has(table)) continue;
    if (!found.includes(table)) found.push(table);
  }
  return found;
}

export function statementKind(text: string): StatementKind {
  const writes = tablesWritten(text);
  if (writes.length === 0) return /\bjson_build_object\s*\(\s*'screening'/.test(text) ? "load" : "read";
  if (writes.includes("screenings") && /INSERT\s+INTO\s+screenings/i.test(text)) return "create";
  if (/UPDATE\s+screenings\b[\s\S]*\bversion\s*=\s*\$2/i.test(text)) return "commit";
  if (writes.length === 1 && writes[0] === "audit_events") return "audit";
  return "write";
}

/**
 * A database whose every statement, through Prisma and through the request path's SQL alike,
 * passes the hooks first (an outage must reach both). Without a hook for one of them, that one
 * is left as it is.
 */
export function hookDatabase(db: Database, hooks: { prisma?: PrismaHook; sql?: SqlBefore; sqlAfter?: SqlAfter }): Database {
  return {
    ...db,
    prisma: hooks.prisma ? (hookPrisma(db.prisma, hooks.prisma) as PrismaClient) : db.prisma,
    sql: hooks.sql || hooks.sqlAfter ? hookSql(db.sql, hooks.sql ?? (() => undefined), hooks.sqlAfter) : db.sql,
  };
}
