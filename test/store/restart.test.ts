// The embedded database keeps everything across a restart: open an empty data folder (which
// creates and migrates it), write, close, open the same folder again, read it all back.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AggregateChange } from "../../src/domain/aggregate.js";
import { commitAggregate, createAggregate, loadAggregate } from "../../src/store/aggregate.js";
import { verifyAuditChain } from "../../src/store/audit.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from "../../src/store/migrate.js";
import { ensureRuleSetVersion } from "../../src/store/screenings.js";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "dd-restart-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** One change to a screening, as a use case commits it: read it, write the change (one statement each). */
async function change(db: Database, screeningId: string, what: AggregateChange, now: Date): Promise<void> {
  const loaded = await loadAggregate(db.sql, { screeningId });
  if (!loaded) throw new Error("no screening");
  expect((await commitAggregate(db.sql, { state: loaded.state, change: what, now })).committed).toBe(true);
}

describe("the embedded database across a restart", () => {
  it("keeps screenings, answers with their history, references and the audit trail", async () => {
    const first = await openDatabase({ dataDir });
    let screeningId: string;
    let reference: string;
    try {
      expect(first.kind).toBe("pglite");
      expect(first.appliedMigrations).toEqual((await readMigrations(DEFAULT_MIGRATIONS_DIR)).map((f) => f.name));
      expect((await readdir(dataDir)).sort()).toEqual(["bot.lock", "pglite"]);

      await ensureRuleSetVersion(first.prisma, { hash: "rules-v1", label: "shipped rules", content: { pages: ["transaction"] } });
      const t0 = Date.now();
      screeningId = randomUUID();
      const created = await createAggregate(first.sql, {
        id: screeningId,
        requesterId: "UREQ",
        teamId: "T1",
        ruleSetHash: "rules-v1",
        currentPage: "transaction",
        requestKey: "start:restart",
        now: new Date(t0),
        audit: { type: "screening.created", data: {} },
      });
      if (!created) throw new Error("not created");
      reference = created.reference;
      const saved = (changed: string[]) => [{ actorId: "UREQ", type: "answers.saved", data: { changed } }];
      await change(first, screeningId, { answers: { item: "spyware", destination: "XA", functions: ["intercept"] }, answeredBy: "UREQ", audit: saved(["item", "destination", "functions"]), deliveries: [] }, new Date(t0 + 1_000));
      await change(first, screeningId, { answers: { destination: "XB" }, answeredBy: "UREQ", audit: saved(["destination"]), deliveries: [] }, new Date(t0 + 2_000));
    } finally {
      await first.close();
    }
    expect(await first.ping(500)).toBe(false);

    const second = await openDatabase({ dataDir });
    try {
      expect(second.appliedMigrations).toEqual([]);
      expect(await second.ping()).toBe(true);

      const screening = await second.prisma.screening.findUniqueOrThrow({ where: { reference } });
      expect(screening).toMatchObject({ id: screeningId, requesterId: "UREQ", teamId: "T1", status: "draft", currentPage: "transaction", ruleSetHash: "rules-v1" });
      expect(await second.prisma.ruleSetVersion.findUnique({ where: { hash: "rules-v1" } })).toMatchObject({ label: "shipped rules", content: { pages: ["transaction"] } });

      const loaded = await loadAggregate(second.sql, { screeningId }, "start:restart");
      expect(loaded?.state.answers).toEqual({ item: "spyware", destination: "XB", functions: ["intercept"] });
      // the request key that started it is still taken: a replay after the restart writes nothing
      expect(loaded?.requestSeen).toBe(true);
      const start = { requesterId: "UREQ", teamId: null, ruleSetHash: "rules-v1", currentPage: null, audit: { type: "screening.created", data: {} } };
      expect(await createAggregate(second.sql, { ...start, id: randomUUID(), requestKey: "start:restart", now: new Date() })).toBeNull();
      const destination = await second.prisma.answer.findMany({ where: { screeningId, questionId: "destination" }, orderBy: { createdAt: "asc" } });
      expect(destination.map((a) => a.value)).toEqual(["XA", "XB"]);
      expect(destination[0]?.supersededAt).toBeInstanceOf(Date);
      expect(destination[1]?.supersededAt).toBeNull();

      expect(await verifyAuditChain(second.prisma)).toEqual({ ok: true, count: 3 });

      // numbering carries on where it stopped, and the chain keeps growing from its tail
      const next = await createAggregate(second.sql, { ...start, id: randomUUID(), now: new Date() });
      expect(Number(next?.reference.split("-")[2])).toBe(Number(reference.split("-")[2]) + 1);
      expect(await verifyAuditChain(second.prisma)).toEqual({ ok: true, count: 4 });
    } finally {
      await second.close();
    }
  }, 120_000); // creating a PGlite data folder (initdb) takes seconds, more on a busy CI machine
});
