// `npm run lists:import`, spawned on an embedded database in a temp folder: it imports a list
// set, says so when the files hold the set already in force, and on a malformed file prints
// every problem as file:line: problem, exits 1 and leaves the database as it was.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { countListSets, newestListSet } from "../../src/store/lists.js";
import { lines, runCli } from "./run-cli.js";

const SCRIPT = "src/cli/lists-import.ts";
const CSV = "test/fixtures/lists/csl-sample.csv";

let dir: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dd-lists-import-"));
  env = { DATA_DIR: join(dir, "data"), DATABASE_URL: undefined, SCREENING_LISTS: undefined };
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function inDatabase(): Promise<{ sets: number; entries: number; contentHash: string | undefined }> {
  const db = await openDatabase({ dataDir: join(dir, "data") });
  try {
    return { sets: await countListSets(db.prisma), entries: await db.prisma.screeningListEntry.count(), contentHash: (await newestListSet(db.prisma))?.contentHash };
  } finally {
    await db.close();
  }
}

describe("lists:import", () => {
  it("imports the files in SCREENING_LISTS as a list set, then finds nothing to change", async () => {
    const first = await runCli(SCRIPT, [], { ...env, SCREENING_LISTS: CSV });
    expect(first.code, first.stderr).toBe(0);
    expect(lines(first.stdout)).toEqual([
      expect.stringMatching(
        /^imported list set [0-9a-f]{12}: 30 entries from csl-sample\.csv \(Denied Persons List \(DPL\) - Bureau of Industry and Security: 1; Entity List \(EL\) - Bureau of Industry and Security: 14; .*\)$/,
      ),
      // a new set: open and recently approved screenings are screened again (none here)
      "screened 0 open or recently approved screenings again: no new potential match",
    ]);
    const again = await runCli(SCRIPT, [CSV], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^list set [0-9a-f]{12} is already in force \(imported .*\): nothing changed\n$/);
  }, 120_000);

  it("on a malformed file prints file:line: problem for each, exits 1 and changes nothing", async () => {
    const before = await inDatabase();
    expect(before.sets).toBe(1);
    const bad = join(dir, "bad.csv");
    await writeFile(bad, '_id,source,name\nq-1,Entity List (EL) - Bureau of Industry and Security,Zorblax Ltd\nq-2,Entity List (EL) - Bureau of Industry and Security\nq-3,"Entity List,Quelp\n');
    const run = await runCli(SCRIPT, [CSV, bad], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr)).toEqual([
      "lists:import: 1 problem; nothing imported:",
      `${bad}:4: a quoted field is never closed (a " is missing)`,
      expect.stringMatching(/^The list set in force stays: [0-9a-f]{12}, imported /),
    ]);
    await writeFile(bad, "_id,source,name\nq-1,Entity List (EL) - Bureau of Industry and Security,Zorblax Ltd\nq-2,Entity List (EL) - Bureau of Industry and Security\n");
    const second = await runCli(SCRIPT, [bad], env);
    expect(second.code).toBe(1);
    expect(lines(second.stderr).slice(0, 2)).toEqual(["lists:import: 1 problem; nothing imported:", `${bad}:3: expected 3 fields as in the header, got 2`]);
    expect(await inDatabase()).toEqual(before);
  }, 120_000);

  it("names a missing file, and says how to use it without files", async () => {
    const missing = join(dir, "nowhere.json");
    const run = await runCli(SCRIPT, [missing], env);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)[1]).toBe(`${missing}: no such file`);
    const none = await runCli(SCRIPT, [], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("which files? Name them, or set SCREENING_LISTS.");
  }, 120_000);
});
