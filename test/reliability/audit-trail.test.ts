// Point 8, the audit trail: append-only events, each carrying the hash of the previous one.
// A real flow through the HTTP app writes the trail; the database refuses to update or delete
// it; no code in src/ even tries; and `npm run audit:verify`, run as an operator would on a
// database where one row was edited by hand, names that row (exit 1), or says the trail is
// intact (exit 0). On the embedded database the trail lives in a data folder on disk; with
// TEST_DATABASE_URL, in a database on the server.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditHash, GENESIS_HASH, verifyAuditChain } from "../../src/store/audit.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { databaseErrorOf } from "../../src/store/errors.js";
import { JsonObjectSchema } from "../../src/store/json.js";
import { startFakeSlackApi } from "../../src/sandbox/slack-api.js";
import { createEmptyServerDatabase } from "../support/db.js";
import { escalationMessage, high, low, openDecision, rationaleState, submitScreening } from "./support/flows.js";
import { REPO } from "./support/bot-process.js";
import { APPROVERS, printFigures, startInstance } from "./support/instances.js";

const run = promisify(execFile);

let dataDir = "";
let server: { url: string; drop(): Promise<void> } | null = null;
const figures = { auditEvents: 0, tamperedRowsReported: 0, tamperedRowsMissed: 0 };

/** Opens the trail's database (for PGlite: only while nothing else has it open). */
function open(): Promise<Database> {
  return server ? openDatabase({ url: server.url }) : openDatabase({ dataDir: join(dataDir, "data") });
}

async function auditVerify(): Promise<{ code: number; out: string }> {
  const env = { ...process.env, ...(server ? { DATABASE_URL: server.url } : { DATA_DIR: join(dataDir, "data"), DATABASE_URL: "" }) };
  try {
    const { stdout, stderr } = await run("npm", ["run", "--silent", "audit:verify"], { cwd: REPO, env, timeout: 60_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

/** What someone with database access would do: switch the guard off, change a row, switch it on. */
async function tamper(sql: string): Promise<void> {
  const db = await open();
  try {
    await db.prisma.$executeRawUnsafe("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update");
    await db.prisma.$executeRawUnsafe(sql);
    await db.prisma.$executeRawUnsafe("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update");
  } finally {
    await db.close();
  }
}

beforeAll(async () => {
  server = await createEmptyServerDatabase();
  dataDir = await mkdtemp(join(tmpdir(), "dd-audit-"));
  // a real history: screenings cleared and escalated, a decision, a refusal, through the HTTP app
  const api = await startFakeSlackApi();
  const db = await open();
  const bot = await startInstance({ api, database: db });
  try {
    await submitScreening(bot, bot.person("UAUDITLOW"), low.answers);
    const row = await submitScreening(bot, bot.person("UAUDITHIGH"), high.answers);
    const { escalationId, ts } = await escalationMessage(bot, row.id);
    const approver = await openDecision(bot, APPROVERS[0]!, ts, "approve", escalationId);
    await approver.submit(rationaleState("First approval."));
    await bot.person("UAUDITPEEK").command(`status ${row.reference}`);
    await bot.settle();
  } finally {
    await bot.close();
    await api.close();
    await db.close();
  }
}, 90_000);
afterAll(async () => {
  printFigures("audit trail", figures);
  await server?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("the audit trail", () => {
  it("chains every event to the one before it, from the genesis hash, and verifies", async () => {
    const db = await open();
    try {
      const rows = await db.prisma.auditEvent.findMany({ orderBy: { seq: "asc" } });
      figures.auditEvents = rows.length;
      // two screenings (2 and 5 pages), an escalation, a decision, a refusal and the deliveries
      expect(rows.length).toBeGreaterThan(12);
      for (const type of ["screening.created", "answers.saved", "screening.submitted", "screening.cleared", "escalation.opened", "decision.recorded", "access.refused"]) {
        expect(rows.some((r) => r.type === type)).toBe(true);
      }
      let prev = GENESIS_HASH;
      for (const row of rows) {
        expect(row.prevHash).toBe(prev);
        expect(auditHash({ ...row, data: JsonObjectSchema.parse(row.data) })).toBe(row.hash);
        prev = row.hash;
      }
      expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, count: rows.length });
    } finally {
      await db.close();
    }
  });

  it("cannot be updated or deleted: the database refuses", async () => {
    const db = await open();
    try {
      const first = await db.prisma.auditEvent.findFirstOrThrow({ orderBy: { seq: "asc" } });
      for (const attempt of [
        () => db.prisma.auditEvent.update({ where: { seq: first.seq }, data: { actorId: "UMALLORY" } }),
        () => db.prisma.auditEvent.delete({ where: { seq: first.seq } }),
        () => db.prisma.$executeRawUnsafe("UPDATE audit_events SET type = 'nothing.happened'"),
        () => db.prisma.$executeRawUnsafe("DELETE FROM audit_events"),
      ]) {
        const err = await attempt().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).not.toBeNull();
        expect(databaseErrorOf(err)?.code ?? "").toMatch(/^P0001$|^42501$/);
      }
      expect(await db.prisma.auditEvent.findUniqueOrThrow({ where: { seq: first.seq } })).toEqual(first);
    } finally {
      await db.close();
    }
  });

  it("no code in src/ updates or deletes audit rows", async () => {
    const offending: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const name of await readdir(dir)) {
        const path = join(dir, name);
        if (name === "generated") continue;
        if ((await stat(path)).isDirectory()) await walk(path);
        else if (/\.(ts|js|sql)$/.test(name)) {
          const text = await readFile(path, "utf8");
          const bad = /auditEvent\s*\.\s*(update|updateMany|upsert|delete|deleteMany)\b|UPDATE\s+"?audit_events"?|DELETE\s+FROM\s+"?audit_events"?|TRUNCATE[^;]*audit_events/i;
          if (bad.test(text)) offending.push(path);
        }
      }
    };
    await walk(join(REPO, "src"));
    expect(offending).toEqual([]);
  });

  it("npm run audit:verify says the untouched trail is intact (exit 0)", async () => {
    const { code, out } = await auditVerify();
    expect(out).toMatch(/audit trail intact: \d+ events/);
    expect(code).toBe(0);
  }, 60_000);

  it("npm run audit:verify names the row someone edited by hand (exit 1)", async () => {
    const db = await open();
    const target = await db.prisma.auditEvent.findFirstOrThrow({ where: { type: "decision.recorded" } });
    await db.close();
    await tamper(`UPDATE audit_events SET data = jsonb_set(data, '{outcome}', '"reject"') WHERE seq = ${target.seq}`);
    const { code, out } = await auditVerify();
    const reported = out.includes(`BROKEN at event seq ${target.seq}:`);
    figures[reported ? "tamperedRowsReported" : "tamperedRowsMissed"]++;
    expect(out).toContain(`BROKEN at event seq ${target.seq}: hash does not match the event's contents`);
    expect(code).toBe(1);
  }, 60_000);

  it("an edit that also rewrites the row's own hash is caught at the next row, which names it (same check, in process)", async () => {
    const db = await open();
    const rows = await db.prisma.auditEvent.findMany({ where: { type: "answers.saved" }, orderBy: { seq: "asc" }, take: 2 });
    const target = rows[0]!;
    const forgedData = { ...JsonObjectSchema.parse(target.data), changed: [] };
    const forgedHash = auditHash({ ...target, data: forgedData });
    await db.close();
    // first put the decision back as it was, so this is the only damage
    await tamper(`UPDATE audit_events SET data = jsonb_set(data, '{outcome}', '"approve"') WHERE type = 'decision.recorded'`);
    await tamper(`UPDATE audit_events SET data = '${JSON.stringify(forgedData)}'::jsonb, hash = '${forgedHash}' WHERE seq = ${target.seq}`);
    const check = await open();
    try {
      const next = (await check.prisma.auditEvent.findFirstOrThrow({ where: { seq: { gt: target.seq } }, orderBy: { seq: "asc" } })).seq;
      const result = await verifyAuditChain(check.prisma);
      expect(result).toMatchObject({ ok: false, brokenAt: { seq: next, reason: expect.stringContaining(`previous event (seq ${target.seq})`) } });
      figures[!result.ok && result.brokenAt.reason.includes(`seq ${target.seq}`) ? "tamperedRowsReported" : "tamperedRowsMissed"]++;
    } finally {
      await check.close();
    }
  }, 60_000);
});
