// The embedded database keeps everything across a restart: open an empty data folder (which
// creates and migrates it), write, close, open the same folder again, read it all back.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEvent, verifyAuditChain } from "../../src/store/audit.js";
import { openDatabase } from "../../src/store/database.js";
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from "../../src/store/migrate.js";
import { answerHistory, createScreening, currentAnswers, ensureRuleSetVersion, saveAnswers } from "../../src/store/screenings.js";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "dd-restart-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

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
      const created = await first.prisma.$transaction(async (tx) => {
        const s = await createScreening(tx, { requesterId: "UREQ", teamId: "T1", ruleSetHash: "rules-v1", currentPage: "transaction" });
        await saveAnswers(tx, s.id, { item: "spyware", destination: "XA", functions: ["intercept"] }, "UREQ");
        await appendAuditEvent(tx, { screeningId: s.id, actorId: "UREQ", type: "screening.created", data: { reference: s.reference } });
        return s;
      });
      screeningId = created.id;
      reference = created.reference;
      await first.prisma.$transaction(async (tx) => {
        expect(await saveAnswers(tx, screeningId, { item: "spyware", destination: "XB" }, "UREQ")).toEqual(["destination"]);
        await appendAuditEvent(tx, { screeningId, actorId: "UREQ", type: "answers.saved", data: { changed: ["destination"] } });
      });
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

      expect(await currentAnswers(second.prisma, screeningId)).toEqual({ item: "spyware", destination: "XB", functions: ["intercept"] });
      const destination = await answerHistory(second.prisma, screeningId, "destination");
      expect(destination.map((a) => a.value)).toEqual(["XA", "XB"]);
      expect(destination[0]?.supersededAt).toBeInstanceOf(Date);
      expect(destination[1]?.supersededAt).toBeNull();

      expect(await verifyAuditChain(second.prisma)).toEqual({ ok: true, count: 2 });

      // numbering carries on where it stopped, and the chain keeps growing from its tail
      const next = await createScreening(second.prisma, { requesterId: "UREQ", ruleSetHash: "rules-v1", currentPage: null });
      expect(Number(next.reference.split("-")[2])).toBe(Number(reference.split("-")[2]) + 1);
      await appendAuditEvent(second.prisma, { screeningId: next.id, actorId: "UREQ", type: "screening.created", data: {} });
      expect(await verifyAuditChain(second.prisma)).toEqual({ ok: true, count: 3 });
    } finally {
      await second.close();
    }
  }, 120_000); // creating a PGlite data folder (initdb) takes seconds, more on a busy CI machine
});
