// `npm run audit:anchor` and `npm run audit:verify -- --heads FILE`, spawned as a person runs
// them, on an embedded database in a temp folder: the head is printed (and posted when Slack is
// configured); saved, it is checked against the trail; a trail rewritten with consistent hashes
// (plain verification passes) is caught; a file that cannot be read checks nothing.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSlackApi, type FakeSlackApi } from "../../src/sandbox/slack-api.js";
import { appendAudit } from "../../src/store/aggregate.js";
import { auditHash } from "../../src/store/audit.js";
import { openDatabase } from "../../src/store/database.js";
import { JsonObjectSchema } from "../../src/store/json.js";
import { lines, runCli } from "./run-cli.js";

const ANCHOR = "src/cli/audit-anchor.ts";
const VERIFY = "src/cli/audit-verify.ts";
const HEAD_LINE = /^audit-head seq=(\d+) hash=([0-9a-f]{64}) events=(\d+) at=\d{4}-\d\d-\d\dT[\d:.]+Z$/;

let dir: string;
let dataDir: string;
let api: FakeSlackApi;
/** no Slack and no server from the surrounding environment */
let env: Record<string, string | undefined>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dd-audit-heads-"));
  dataDir = join(dir, "data");
  env = { DATA_DIR: dataDir, DATABASE_URL: undefined, SLACK_BOT_TOKEN: undefined, COMPLIANCE_CHANNEL_ID: undefined, SLACK_API_URL: undefined };
  api = await startFakeSlackApi();
});
afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function withDatabase<T>(work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

async function append(from: number, to: number): Promise<void> {
  await withDatabase(async (db) => {
    for (let i = from; i <= to; i++) await appendAudit(db.sql, [{ screeningId: null, actorId: "UCLI", type: "cli.test", data: { i } }], new Date());
  });
}

describe("audit:anchor and audit:verify --heads", () => {
  let early = "";
  let posted = "";

  it("audit:anchor says when there is nothing to anchor", async () => {
    const run = await runCli(ANCHOR, [], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("the audit trail is empty: nothing to anchor\n");
  }, 120_000);

  it("audit:anchor prints the head, and says it was not posted without Slack", async () => {
    await append(1, 3);
    const run = await runCli(ANCHOR, [], env);
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout)).toEqual([expect.stringMatching(HEAD_LINE)]);
    expect(run.stdout).toMatch(/ events=3 /);
    expect(run.stderr).toBe("not posted: SLACK_BOT_TOKEN and COMPLIANCE_CHANNEL_ID not set; keep the line above yourself\n");
    early = run.stdout.trim();
  }, 120_000);

  it("audit:anchor posts the head to the compliance channel when Slack is configured", async () => {
    await append(4, 6);
    const run = await runCli(ANCHOR, [], { ...env, SLACK_BOT_TOKEN: "xoxb-cli-test-0000", COMPLIANCE_CHANNEL_ID: "C0AUDIT", SLACK_API_URL: api.url });
    expect(run.code, run.stderr).toBe(0);
    const [line, said] = lines(run.stdout);
    expect(line).toMatch(HEAD_LINE);
    expect(said).toBe("posted to the compliance channel C0AUDIT");
    const messages = api.messages("C0AUDIT");
    expect(messages).toHaveLength(1);
    posted = messages[0]?.text ?? "";
    expect(posted.startsWith(`${line} `)).toBe(true);
    const call = api.calls.find((c) => c.method === "chat.postMessage");
    expect(call?.args).toMatchObject({ channel: "C0AUDIT", metadata: { event_type: "dd_audit_chain_head", event_payload: { events: 6 } } });
    expect(run.stdout + run.stderr).not.toContain("xoxb-cli-test-0000");
  }, 120_000);

  it("audit:verify --heads finds every published head in the trail", async () => {
    await append(7, 8);
    const file = join(dir, "heads.txt");
    // as saved from the channel: the message as posted, and the line printed earlier
    await writeFile(file, `# heads published so far\n${early}\n${posted}\n`);
    const run = await runCli(VERIFY, ["--heads", file], env);
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout)).toEqual(["audit trail intact: 8 events, every hash and link checked", expect.stringMatching(/^published heads: all 2 are in the trail \(newest: seq \d+\)$/)]);
  }, 120_000);

  it("catches a trail rewritten with consistent hashes, which plain verification passes", async () => {
    const postedSeq = BigInt(HEAD_LINE.exec(posted.split(" · ")[0] ?? "")?.[1] ?? "0");
    // an administrator edits the fifth event and recomputes every hash from it on
    await withDatabase(async (db) => {
      const rows = await db.prisma.auditEvent.findMany({ orderBy: { seq: "asc" } });
      const fifth = rows[4];
      if (!fifth) throw new Error("no fifth event");
      await db.prisma.$executeRawUnsafe(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`);
      let prevHash = fifth.prevHash;
      for (const row of rows.slice(4)) {
        const data = row.seq === fifth.seq ? { i: 5, edited: true } : JsonObjectSchema.parse(row.data);
        const hash = auditHash({ ...row, prevHash, data });
        await db.prisma.$executeRawUnsafe(`UPDATE audit_events SET data = $1::jsonb, prev_hash = $2, hash = $3 WHERE seq = $4`, JSON.stringify(data), prevHash, hash, row.seq);
        prevHash = hash;
      }
      await db.prisma.$executeRawUnsafe(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`);
    });

    const plain = await runCli(VERIFY, [], env);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe("audit trail intact: 8 events, every hash and link checked\n");

    const file = join(dir, "heads.txt");
    const run = await runCli(VERIFY, [`--heads=${file}`], env);
    expect(run.code, run.stderr).toBe(1);
    const out = lines(run.stdout);
    expect(out[0]).toBe("audit trail intact: 8 events, every hash and link checked");
    expect(out[1]).toBe("published heads: 1 of 2 NOT in the trail as published:");
    expect(out[2]).toMatch(new RegExp(`^  seq ${postedSeq} hash [0-9a-f]{64} \\(${escape(file)}:3\\): the trail's event seq ${postedSeq} has hash [0-9a-f]{64} instead: rewritten at or before it$`));
    expect(out[3]).toMatch(/^The trail was rewritten or cut short since these heads were published; it matches what was published up to seq \d+\.$/);
  }, 120_000);

  it("checks nothing when the heads file cannot be read, naming each problem", async () => {
    const file = join(dir, "bad.txt");
    await writeFile(file, `${early}\nseq=12 hash=not-a-hash\n`);
    const run = await runCli(VERIFY, ["--heads", file, "--heads", join(dir, "absent.txt")], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr)).toEqual([
      "audit:verify: the published heads could not be read; nothing was checked:",
      `  ${file}:2: not a published head (expected "seq=<number> hash=<64 hex characters>", as the bot posts it, or JSON {"seq": …, "hash": "…"})`,
      `  ${join(dir, "absent.txt")}: cannot be read (ENOENT)`,
    ]);
    const usage = await runCli(VERIFY, ["--heads"], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage: npm run audit:verify [-- --heads FILE]...");
  }, 120_000);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
