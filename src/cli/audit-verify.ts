// npm run audit:verify — walks the audit trail's hash chain and reports the first broken link.
// Exit 0: intact. Exit 1: a row was edited, removed or inserted out of order. Exit 2: could not check.
import { openDatabase } from "../store/database.js";
import { verifyAuditChain } from "../store/audit.js";

async function main(): Promise<number> {
  const url = process.env.DATABASE_URL?.trim() || undefined;
  let db;
  try {
    db = await openDatabase({ url, dataDir: process.env.DATA_DIR ?? "./data" });
  } catch (err) {
    process.stderr.write(`audit:verify: could not open the database: ${redact(err instanceof Error ? err.message : String(err))}\n`);
    return 2;
  }
  try {
    const result = await verifyAuditChain(db.prisma);
    if (result.ok) {
      process.stdout.write(`audit trail intact: ${result.count} events, every hash and link checked\n`);
      return 0;
    }
    process.stdout.write(
      `audit trail BROKEN at event seq ${result.brokenAt.seq}: ${result.brokenAt.reason}\n` +
        `(${result.count} events checked before it; events from seq ${result.brokenAt.seq} on cannot be trusted)\n`,
    );
    return 1;
  } finally {
    await db.close();
  }
}

function redact(s: string): string {
  return s.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/g, "$1[redacted]@");
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:verify failed: ${redact(err instanceof Error ? err.message : String(err))}\n`);
    process.exit(2);
  },
);
