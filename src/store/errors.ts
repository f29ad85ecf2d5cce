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
