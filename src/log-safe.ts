// What every layer needs to log safely, with no imports from the rest of src/: the logger
// interface the use cases are handed, and an error described for a log line without the values
// it carried. A leaf: domain aside, any folder may import it.

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
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
