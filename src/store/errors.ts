// What PostgreSQL said, from whatever Prisma threw. Through the driver adapters, Prisma 6.19
// throws a bare DriverAdapterError for model queries and a P2010 PrismaClientKnownRequestError
// for raw ones, whose message through the PGlite adapter reads "Code: `N/A`. Message:
// `undefined`"; the SQLSTATE and text are only in the error's cause or meta.
import { z } from "zod";

export interface DatabaseErrorInfo {
  /** SQLSTATE, e.g. 23505 unique violation, 40001 serialization failure, P0001 raised by a trigger */
  code: string;
  message: string;
}

const Cause = z.object({ kind: z.literal("postgres"), code: z.string(), message: z.string() });
const Wrapped = z.object({ cause: Cause });
const Meta = z.object({ meta: z.object({ driverAdapterError: Wrapped }) });

export function databaseErrorOf(err: unknown): DatabaseErrorInfo | null {
  const direct = Wrapped.safeParse(err);
  if (direct.success) return { code: direct.data.cause.code, message: direct.data.cause.message };
  const raw = Meta.safeParse(err);
  if (raw.success) return { code: raw.data.meta.driverAdapterError.cause.code, message: raw.data.meta.driverAdapterError.cause.message };
  // Straight from the driver (src/store/sql.ts): pg's and PGlite's DatabaseError carry the SQLSTATE as `code`.
  if (err instanceof Error) {
    const code: unknown = Reflect.get(err, "code");
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return { code, message: err.message };
  }
  return null;
}

/**
 * An error in words fit for a log line: its kind, its code and what went wrong, never the values
 * it carried. Prisma prints the failed call with its arguments (a person's answers included)
 * between the first and the last line of its message, and PostgreSQL quotes offending values
 * ("invalid input syntax for type uuid: "…""), so only the last line is kept, with quoted
 * values masked; quoted identifiers such as constraint names stay.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return typeof err === "string" ? maskQuoted(err).slice(0, 300) : "a non-error value was thrown";
  const code = Reflect.get(err, "code");
  const label = `${err.name}${typeof code === "string" && /^[A-Za-z0-9_]{1,40}$/.test(code) ? ` ${code}` : ""}`;
  const lines = err.message.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  const what = err.name.startsWith("PrismaClient") ? (lines.at(-1) ?? "") : lines.join(" ");
  return `${label}: ${maskQuoted(what)}`.slice(0, 300);
}

function maskQuoted(text: string): string {
  return text.replace(/"[^"\n]*"/g, (quoted) => (/^"[a-z_][a-z0-9_.]*"$/.test(quoted) ? quoted : '"…"'));
}
