// npm run audit:verify [-- --heads FILE]... — walks the audit trail's hash chain and reports the
// first broken link; with --heads, also checks that the trail still holds every chain head
// published outside the database (src/services/audit-anchor.ts): a trail rewritten with
// consistent hashes passes the walk but not this.
// Exit 0: intact (and every head held). Exit 1: a row was edited, removed or inserted out of
// order, or a published head is not in the trail. Exit 2: could not check.
import { readFile } from "node:fs/promises";
import { parsePublishedHeads } from "../services/audit-anchor.js";
import { openCliDatabase, redact } from "./cli-database.js";
import { verifyAuditChain, type AuditVerification, type HeadCheck, type PublishedHead } from "../store/audit.js";

const USAGE = "usage: npm run audit:verify [-- --heads FILE]...   (FILE: chain heads as the bot publishes them; see the README, The audit trail's published heads)";

async function main(argv: string[]): Promise<number> {
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--heads" && argv[i + 1] !== undefined) files.push(argv[++i] ?? "");
    else if (arg.startsWith("--heads=") && arg.length > "--heads=".length) files.push(arg.slice("--heads=".length));
    else {
      process.stderr.write(`audit:verify: unexpected argument ${JSON.stringify(arg)}\n${USAGE}\n`);
      return 2;
    }
  }
  let heads: PublishedHead[] | undefined;
  if (files.length > 0) {
    heads = [];
    const problems: string[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (err) {
        problems.push(`${file}: cannot be read (${err instanceof Error && "code" in err ? String(err.code) : "error"})`);
        continue;
      }
      const parsed = parsePublishedHeads(text, file);
      heads.push(...parsed.heads);
      problems.push(...parsed.problems);
      if (parsed.heads.length === 0 && parsed.problems.length === 0) problems.push(`${file}: no published head in it`);
    }
    if (problems.length > 0) {
      process.stderr.write(`audit:verify: the published heads could not be read; nothing was checked:\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
      return 2;
    }
  }

  const db = await openCliDatabase("audit:verify", process.env, (line) => process.stderr.write(`${line}\n`));
  if (!db) return 2;
  try {
    const result = await verifyAuditChain(db.prisma, heads ? { heads } : {});
    process.stdout.write(report(result));
    return result.ok && (result.heads ?? []).every((h) => h.status === "found") ? 0 : 1;
  } finally {
    await db.close();
  }
}

/** What the walk found, in words. */
function report(result: AuditVerification): string {
  const lines: string[] = [];
  if (result.ok) {
    lines.push(`audit trail intact: ${result.count} events, every hash and link checked`);
  } else {
    lines.push(
      `audit trail BROKEN at event seq ${result.brokenAt.seq}: ${result.brokenAt.reason}`,
      `(${result.count} events checked before it; events from seq ${result.brokenAt.seq} on cannot be trusted)`,
    );
  }
  const heads = result.heads;
  if (heads) {
    const bad = heads.filter((h) => h.status !== "found");
    if (bad.length === 0) {
      const newest = heads.reduce<bigint | null>((max, h) => (max === null || h.seq > max ? h.seq : max), null);
      lines.push(`published heads: all ${heads.length} are in the trail${newest === null ? "" : ` (newest: seq ${newest})`}`);
    } else {
      lines.push(`published heads: ${bad.length} of ${heads.length} NOT in the trail as published:`);
      for (const h of bad) lines.push(`  ${headProblem(h)}`);
      const held = heads.filter((h) => h.status === "found").map((h) => h.seq);
      const lastGood = held.length > 0 ? held.reduce((a, b) => (b > a ? b : a)) : null;
      lines.push(
        lastGood === null
          ? "The trail was rewritten or cut short since these heads were published: none of it can be trusted against them."
          : `The trail was rewritten or cut short since these heads were published; it matches what was published up to seq ${lastGood}.`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

function headProblem(h: HeadCheck): string {
  const what = `seq ${h.seq} hash ${h.hash}${h.source ? ` (${h.source})` : ""}`;
  switch (h.status) {
    case "found":
      return `${what}: in the trail`;
    case "different":
      return `${what}: the trail's event seq ${h.seq} has hash ${h.actualHash} instead: rewritten at or before it`;
    case "missing":
      return h.lastSeq === null || h.seq > h.lastSeq
        ? `${what}: the trail ends ${h.lastSeq === null ? "empty" : `at seq ${h.lastSeq}`}: events were removed from its end`
        : `${what}: no event has this seq any more: removed`;
    case "unchecked":
      return `${what}: not checked, the chain breaks before it (seq ${h.brokenAt})`;
  }
}


main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:verify failed: ${redact(err instanceof Error ? err.message : String(err), process.env.DATABASE_URL)}\n`);
    process.exit(2);
  },
);
