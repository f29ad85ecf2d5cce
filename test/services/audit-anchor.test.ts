// The audit trail's head published outside the database: once per UTC day whichever instances
// try (the day is claimed in the database), again after a failed post, never for an empty
// trail; posted by the running bot to the compliance channel with the head as metadata; and
// read back in every form it may be saved in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBot } from "../../src/bot.js";
import { RedactingLogger } from "../../src/log.js";
import { startFakeSlackApi, type FakeSlackApi } from "../../src/sandbox/slack-api.js";
import {
  ANCHOR_EVENT_TYPE,
  anchorLine,
  anchorMessage,
  parsePublishedHeads,
  publishDailyAnchor,
  startDailyAnchor,
  type AnchorMetadata,
  type DailyAnchorDeps,
} from "../../src/services/audit-anchor.js";
import { appendAudit } from "../../src/store/aggregate.js";
import { auditChainHead } from "../../src/store/audit.js";
import type { Database } from "../../src/store/database.js";
import { COMPLIANCE, testConfig } from "../e2e/support/harness.js";
import { sharedDatabase } from "../reliability/support/instances.js";

let shared: Awaited<ReturnType<typeof sharedDatabase>>;
let one: Database;
let two: Database;
beforeAll(async () => {
  shared = await sharedDatabase(2);
  [one, two] = shared.handles as [Database, Database];
});
afterAll(async () => {
  await shared?.close();
});

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function recorder(): { published: Array<{ text: string; metadata: AnchorMetadata }>; publish: DailyAnchorDeps["publish"] } {
  const published: Array<{ text: string; metadata: AnchorMetadata }> = [];
  return {
    published,
    publish: async (text, metadata) => {
      published.push({ text, metadata });
    },
  };
}

const DAY1 = new Date("2001-02-01T00:30:00.000Z");
const DAY1_LATER = new Date("2001-02-01T23:59:59.000Z");
const DAY2 = new Date("2001-02-02T00:00:01.000Z");

describe("the daily publication", () => {
  it("publishes nothing, and claims nothing, while the trail is empty", async () => {
    const r = recorder();
    expect(await publishDailyAnchor({ sql: one.sql, publish: r.publish, now: () => DAY1, log: quiet })).toEqual({ outcome: "empty", day: "2001-02-01" });
    expect(r.published).toEqual([]);
  });

  it("is published once a day, by one of two instances trying at the same moment", async () => {
    for (let i = 0; i < 3; i++) await appendAudit(one.sql, [{ screeningId: null, actorId: "U1", type: "anchor.test", data: { i } }], new Date());
    const head = await auditChainHead(one.sql);
    const a = recorder();
    const b = recorder();
    const outcomes = await Promise.all([
      publishDailyAnchor({ sql: one.sql, publish: a.publish, now: () => DAY1, log: quiet }),
      publishDailyAnchor({ sql: two.sql, publish: b.publish, now: () => DAY1, log: quiet }),
    ]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["claimed", "published"]);
    const posts = [...a.published, ...b.published];
    expect(posts).toHaveLength(1);
    expect(posts[0]?.metadata).toEqual({
      event_type: ANCHOR_EVENT_TYPE,
      event_payload: { seq: head?.seq.toString(), hash: head?.hash, events: 3, at: DAY1.toISOString() },
    });
    expect(posts[0]?.text.startsWith(`audit-head seq=${head?.seq} hash=${head?.hash} events=3 at=2001-02-01T00:30:00.000Z `)).toBe(true);

    // later the same day, from either: nothing more; the next day: once more
    expect((await publishDailyAnchor({ sql: two.sql, publish: b.publish, now: () => DAY1_LATER, log: quiet })).outcome).toBe("claimed");
    const next = await Promise.all([
      publishDailyAnchor({ sql: one.sql, publish: a.publish, now: () => DAY2, log: quiet }),
      publishDailyAnchor({ sql: two.sql, publish: b.publish, now: () => DAY2, log: quiet }),
    ]);
    expect(next.map((o) => o.outcome).sort()).toEqual(["claimed", "published"]);
    expect(a.published.length + b.published.length).toBe(2);
  });

  it("gives the day back when the post fails, so a later attempt publishes it", async () => {
    const day = new Date("2001-02-03T08:00:00.000Z");
    const failing = async () => {
      throw new Error("slack down");
    };
    await expect(publishDailyAnchor({ sql: one.sql, publish: failing, now: () => day, log: quiet })).rejects.toThrow("slack down");
    const r = recorder();
    expect((await publishDailyAnchor({ sql: two.sql, publish: r.publish, now: () => day, log: quiet })).outcome).toBe("published");
    expect(r.published).toHaveLength(1);
  });

  it("runs on a timer in each instance, still once per day, and stops", async () => {
    const day = new Date("2001-02-04T01:00:00.000Z");
    const a = recorder();
    const b = recorder();
    const warnings: string[] = [];
    const log = { ...quiet, warn: (m: string) => void warnings.push(m) };
    const jobs = [
      startDailyAnchor({ sql: one.sql, publish: a.publish, now: () => day, log, firstDelayMs: 5, intervalMs: 20 }),
      startDailyAnchor({ sql: two.sql, publish: b.publish, now: () => day, log, firstDelayMs: 5, intervalMs: 20 }),
    ];
    try {
      const deadline = Date.now() + 5_000;
      while (a.published.length + b.published.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await Promise.all(jobs.map((j) => j.stop()));
    }
    expect(a.published.length + b.published.length).toBe(1);
    expect(warnings).toEqual([]);
    // a failing attempt is logged, never thrown
    const failing = startDailyAnchor({
      sql: one.sql,
      publish: async () => {
        throw new Error("slack down");
      },
      now: () => new Date("2001-02-05T01:00:00.000Z"),
      log,
      firstDelayMs: 60_000,
    });
    expect(await failing.runOnce()).toBeUndefined();
    await failing.stop();
    expect(warnings).toEqual(["could not publish the audit trail's head; trying again later"]);
  });
});

describe("the running bot", () => {
  let api: FakeSlackApi;
  beforeAll(async () => {
    api = await startFakeSlackApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it("posts the head to the compliance channel, with the head as message metadata", async () => {
    const logs: string[] = [];
    const bot = await startBot(testConfig(api.url), new RedactingLogger((l) => logs.push(l)), {
      database: one,
      processBeforeResponse: true,
      auditAnchor: { firstDelayMs: 10, intervalMs: 60_000 },
    });
    try {
      const call = await api.waitFor("chat.postMessage", (args) => JSON.stringify(args).includes(ANCHOR_EVENT_TYPE), 10_000);
      const head = await auditChainHead(one.sql);
      const args = call.args as { channel?: string; text?: string; metadata?: AnchorMetadata };
      expect(args.channel).toBe(COMPLIANCE);
      expect(args.text?.startsWith(`audit-head seq=${head?.seq} hash=${head?.hash} events=${head?.events} at=`)).toBe(true);
      expect(args.metadata?.event_payload).toMatchObject({ seq: head?.seq.toString(), hash: head?.hash, events: head?.events });
      expect(parsePublishedHeads(args.text ?? "", "message").heads).toEqual([{ seq: head?.seq, hash: head?.hash, source: "message:1" }]);
    } finally {
      // stop() waits for the attempt in flight
      await bot.stop();
    }
    expect(logs.filter((l) => l.includes('"msg":"audit trail head published"'))).toHaveLength(1);
  });
});

describe("reading published heads back", () => {
  const hash = (c: string) => c.repeat(64);
  const anchor = { seq: 42n, hash: hash("a"), events: 40, at: new Date("2001-02-01T00:00:00.000Z") };

  it("reads the posted line, JSON heads, message metadata, comments and blank lines", () => {
    const text = [
      "# saved from #export-compliance",
      anchorMessage(anchor).text,
      "",
      `{"seq": 43, "hash": "${hash("b")}"}`,
      `{"seq": "44", "hash": "${hash("c")}", "events": 44}`,
      JSON.stringify(anchorMessage({ ...anchor, seq: 45n, hash: hash("d") }).metadata),
      JSON.stringify({ type: "message", text: "…", metadata: anchorMessage({ ...anchor, seq: 46n, hash: hash("e") }).metadata }),
    ].join("\n");
    const { heads, problems } = parsePublishedHeads(text, "heads.txt");
    expect(problems).toEqual([]);
    expect(heads).toEqual([
      { seq: 42n, hash: hash("a"), source: "heads.txt:2" },
      { seq: 43n, hash: hash("b"), source: "heads.txt:4" },
      { seq: 44n, hash: hash("c"), source: "heads.txt:5" },
      { seq: 45n, hash: hash("d"), source: "heads.txt:6" },
      { seq: 46n, hash: hash("e"), source: "heads.txt:7" },
    ]);
    expect(anchorLine(anchor)).toBe(`audit-head seq=42 hash=${hash("a")} events=40 at=2001-02-01T00:00:00.000Z`);
  });

  it("reads a JSON array, and a channel's history keeping only the bot's heads", () => {
    expect(parsePublishedHeads(JSON.stringify([{ seq: 1, hash: hash("1") }, { seq: 2, hash: hash("2") }]), "a.json").heads.map((h) => h.seq)).toEqual([1n, 2n]);
    const history = {
      ok: true,
      messages: [
        { type: "message", text: "DD-2026-0001 escalated" },
        { type: "message", text: anchorMessage(anchor).text, metadata: anchorMessage(anchor).metadata },
        { type: "message", text: "thread chatter mentioning seq=1 hash=…" },
      ],
    };
    expect(parsePublishedHeads(JSON.stringify(history), "history.json")).toEqual({ heads: [{ seq: 42n, hash: hash("a"), source: "history.json: item 2" }], problems: [] });
  });

  it("names every line it cannot read, rather than skipping it", () => {
    const { problems } = parsePublishedHeads(
      [`seq=1 hash=${hash("a")}`, "seq=2 hash=abc", `{"seq": -1, "hash": "${hash("a")}"}`, `{"seq": 3, "hash": "${hash("A")}"}`, "hello"].join("\n"),
      "h.txt",
    );
    expect(problems).toEqual([
      'h.txt:2: not a published head (expected "seq=<number> hash=<64 hex characters>", as the bot posts it, or JSON {"seq": …, "hash": "…"})',
      'h.txt:3: "seq" must be the event\'s sequence number (a whole number from 1)',
      'h.txt:4: "hash" must be 64 lowercase hexadecimal characters (sha256)',
      'h.txt:5: not a published head (expected "seq=<number> hash=<64 hex characters>", as the bot posts it, or JSON {"seq": …, "hash": "…"})',
    ]);
  });
});
