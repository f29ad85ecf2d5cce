// Re-screening prompts that new reference data sends, end to end (the real bot restarted on the
// same database, as an operator deploys): a new restricted-party list set prompts the requester
// of an approved screening whose parties it newly matches, and nobody else; a new rule-set
// version prompts the requester of a decided screening its rules put in a higher tier, and tells
// compliance in the thread of an open one; each once, however often the bot restarts.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeMessage } from "../../src/sandbox/fake-workspace.js";
import { START_RESCREENING_LABEL } from "../../src/slack/blocks/rescreening.js";
import { ACTION, BLOCK } from "../../src/slack/ids.js";
import type { Database } from "../../src/store/database.js";
import { createTestDatabase } from "../support/db.js";
import { APPROVERS, COMPLIANCE, startE2E, type E2E } from "./support/harness.js";
import { completeScreening, scenario } from "./support/scenarios.js";

const APPROVER = APPROVERS[0] ?? "";
const text = (m: { blocks?: unknown[] } | undefined) => JSON.stringify(m?.blocks ?? []);
const prompts = (e2e: E2E, userId: string, reference: string): FakeMessage[] =>
  e2e.api.dms(userId).filter((m) => text(m).includes(reference) && text(m).includes(START_RESCREENING_LABEL));

async function approve(e2e: E2E, reference: string): Promise<void> {
  const row = await e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference }, include: { escalation: true } });
  const message = e2e.api.messages(COMPLIANCE).find((m) => text(m).includes(reference));
  const approver = e2e.person(APPROVER);
  await approver.clickMessageButton(COMPLIANCE, message?.ts ?? "", ACTION.decide.approve, row.escalation?.id ?? "");
  await approver.submit({ [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: "Standard clauses." } } });
  await e2e.settle();
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dd-rescreening-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a new restricted-party list set", () => {
  it("prompts the requester of an approved screening whose parties it newly matches, and nobody else", async () => {
    const db = await createTestDatabase();
    try {
      const sample = JSON.parse(await readFile("test/fixtures/lists/csl-sample.json", "utf8")) as { results: Array<{ id: string }> };
      const without = join(dir, "csl-a.json");
      await writeFile(without, JSON.stringify({ ...sample, results: sample.results.filter((e) => e.id !== "ex-el-0011") }));
      const drone = scenario("medium_drone_border_authority").answers;

      const first = await startE2E({ database: db, env: { SCREENING_LISTS: without } });
      let matched = "";
      let clean = "";
      try {
        matched = await completeScreening(first.person("ULISTS1"), { ...drone, end_user_name: "Kestrava Aerospace Research Institute" });
        clean = await completeScreening(first.person("ULISTS2"), drone);
        await first.settle();
        await approve(first, matched);
        await approve(first, clean);
      } finally {
        await first.close();
      }

      const second = await startE2E({ database: db, env: { SCREENING_LISTS: "test/fixtures/lists/csl-sample.json" } });
      try {
        await second.settle();
        const sent = prompts(second, "ULISTS1", matched);
        expect(sent).toHaveLength(1);
        expect(text(sent[0])).toContain("The restricted-party lists have been updated since");
        // the requester is not told which party or list (compliance resolves potential matches)
        expect(text(sent[0])).not.toContain("Kestrava");
        expect(prompts(second, "ULISTS2", clean)).toEqual([]);
      } finally {
        await second.close();
      }
      // the same lists again: nothing new
      const third = await startE2E({ database: db, env: { SCREENING_LISTS: "test/fixtures/lists/csl-sample.json" } });
      try {
        await third.settle();
        expect(prompts(third, "ULISTS1", matched)).toEqual([]);
        expect(await db.prisma.delivery.count({ where: { kind: "review_prompt" } })).toBe(1);
      } finally {
        await third.close();
      }
    } finally {
      await db.close();
    }
  });
});

describe("a new rule-set version", () => {
  let db: Database;
  let stricter: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    // the shipped rules with lower tier thresholds: what scored low (4) is medium now, medium (31) high
    stricter = join(dir, "rules");
    await cp("rules", stricter, { recursive: true });
    const model = await readFile(join(stricter, "risk-model.yml"), "utf8");
    const edited = model.replace("    min_score: 30\n", "    min_score: 3\n").replace("    min_score: 60\n", "    min_score: 25\n");
    expect(edited).not.toBe(model);
    await writeFile(join(stricter, "risk-model.yml"), edited);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("prompts the requester of a decided screening now in a higher tier, tells compliance about an open one, once", async () => {
    const first = await startE2E({ database: db });
    let cleared = "";
    let open = "";
    try {
      cleared = await completeScreening(first.person("URULES1"), scenario("low_thermal_camera_private_factory").answers);
      open = await completeScreening(first.person("URULES2"), scenario("medium_drone_border_authority").answers);
      await first.settle();
      expect((await db.prisma.screening.findUniqueOrThrow({ where: { reference: cleared } })).status).toBe("cleared");
    } finally {
      await first.close();
    }

    const second = await startE2E({ database: db, env: { RULES_DIR: stricter } });
    try {
      await second.settle();
      const sent = prompts(second, "URULES1", cleared);
      expect(sent).toHaveLength(1);
      expect(text(sent[0])).toContain("The screening rules have changed since");
      expect(text(sent[0])).toContain("its answers reach the tier *Medium risk*");
      const thread = second.api.calls.filter((c) => c.method === "chat.postMessage" && c.args.channel === COMPLIANCE && c.args.thread_ts !== undefined);
      const note = thread.map((c) => JSON.stringify(c.args)).filter((a) => a.includes(open) && a.includes("The screening rules changed after"));
      expect(note).toHaveLength(1);
      expect(note[0]).toContain("would reach the tier *High risk* (it is *Medium risk* now)");
    } finally {
      await second.close();
    }

    const third = await startE2E({ database: db, env: { RULES_DIR: stricter } });
    try {
      await third.settle();
      expect(prompts(third, "URULES1", cleared)).toEqual([]);
      expect(await db.prisma.delivery.count({ where: { kind: "review_prompt" } })).toBe(2);
    } finally {
      await third.close();
    }
  });
});
