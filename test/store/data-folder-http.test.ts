// The embedded database's folder deleted while the bot runs, seen through the real HTTP app:
// /healthz turns 503, the page a person submits next is answered at once with "nothing was
// saved", and the log says once what happened and what to do.
import { STORAGE_GONE } from "../../src/services/context.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/store/database.js";
import { startE2E, type E2E } from "../e2e/support/harness.js";
import { ackOf, low, pageSubmission, sendSubmission } from "../reliability/support/flows.js";
import { waitUntil } from "../reliability/support/instances.js";

let root: string;
let dataDir: string;
let db: Database;
let e2e: E2E;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "dd-folder-http-"));
  dataDir = join(root, "data");
  db = await openDatabase({ dataDir });
  e2e = await startE2E({ database: db });
}, 120_000);
afterAll(async () => {
  await e2e?.close();
  await db?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

async function health(): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${e2e.baseUrl}/healthz`);
  return { status: res.status, body: await res.json() };
}

const LOST_LINE = "was removed or moved while the bot was running";

describe("the data folder deleted while the bot runs", () => {
  it("turns /healthz 503, answers a page with 'nothing was saved', and logs it once", async () => {
    const requester = e2e.person("UFOLDERGONE");
    await requester.command("new");
    expect(ackOf(await requester.submitPage(low.answers)).response_action).toBe("update");
    expect((await health()).status).toBe(200);
    const page = pageSubmission(e2e, requester, low.answers);

    await rm(dataDir, { recursive: true });

    await waitUntil(async () => (await health()).status === 503, 10_000, "/healthz to turn 503");
    expect(await health()).toEqual({ status: 503, body: { ok: false, database: "unavailable" } });

    const started = Date.now();
    const reply = await sendSubmission(e2e, page);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(reply.status).toBe(200);
    const ack = ackOf(reply);
    expect(ack.response_action).toBe("errors");
    const shown = Object.values(ack.errors ?? {});
    expect(shown).toHaveLength(1);
    // said as what it is (not "wait a minute": only the administrator can bring it back)
    expect(shown[0]).toBe(STORAGE_GONE);

    // a command too, and the loss is still said once
    const list = await requester.command("list");
    expect(JSON.stringify(list.json ?? {}) + JSON.stringify(e2e.api.responses)).toContain("Nothing was saved");
    // the operator's line, once
    const entries = e2e.logs.map((l) => JSON.parse(l) as { level?: string; msg?: string; kind?: string; error?: string });
    const said = entries.filter((e) => e.msg?.includes(LOST_LINE));
    expect(said).toHaveLength(1);
    expect(said[0]?.level).toBe("error");
    expect(said[0]?.msg).toBe(
      `The data folder ${dataDir} was removed or moved while the bot was running (${join(dataDir, "bot.lock")} is gone). ` +
        "Nothing can be saved: every request is refused and /healthz answers 503. Put the folder back (or restore it from a backup) and restart the bot.",
    );
    // the delivery worker stops rather than failing every second
    const passes = entries.filter((e) => e.msg === "delivery pass failed").length;
    await new Promise((r) => setTimeout(r, 300));
    expect(e2e.logs.map((l) => JSON.parse(l) as { msg?: string }).filter((e) => e.msg === "delivery pass failed").length).toBe(passes);
    expect(passes).toBeLessThanOrEqual(1);
    // nothing was written anywhere: the folder stays gone
    await expect(import("node:fs/promises").then((fs) => fs.stat(dataDir))).rejects.toThrow(/ENOENT/);
  }, 60_000);
});
