// `npm run bench` must not rot: run it in quick mode (2 users, 4 screenings, a growth table of
// the main run and a run on a 40-screening seeded database) end to end, as a user would, and check that it
// prints every row of its table with no errors and writes JSON with every field.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LATENCIES, type BenchResult } from "../../bench/bench.js";
import { runCli, type CliRun } from "../cli/run-cli.js";

let dir: string;
let run: CliRun;
let result: BenchResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dd-bench-test-"));
  const json = join(dir, "quick.json");
  run = await runCli("bench/run.ts", ["--quick", "--json", json]);
  if (run.code === 0) result = JSON.parse(await readFile(json, "utf8")) as BenchResult;
}, 170_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("npm run bench -- --quick", () => {
  it("exits 0 with no errors in any phase", () => {
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(result.totalErrors).toBe(0);
    for (const phase of [result.main, result.baseline, ...result.growth, result.seeded]) {
      expect(phase?.errors, JSON.stringify(phase?.errorSamples)).toBe(0);
    }
  });

  it("prints the table: machine and cores, every latency row with bot, baseline and ratio, totals, growth and targets", () => {
    const out = run.stdout;
    expect(out).toMatch(/Machine: \d+ cores/);
    for (const { label } of LATENCIES) {
      const row = out.split("\n").find((l) => l.startsWith(label));
      expect(row, label).toBeDefined();
      // n, bot p50/p95/p99, baseline p50/p95/p99, three ratios
      expect(row?.trim().split(/\s{2,}/).length, row).toBe(11);
      expect(row).toMatch(/\d+\.\d\d×/);
    }
    for (const line of ["throughput", "errors", "peak RSS", "database size per 1,000 screenings", "first start on an empty data folder", "rule set load", "scoring (pure core, shipped rules)", "party screening (10 names × 20,000 list entries)"]) {
      expect(out).toContain(line);
    }
    expect(out).toContain("Where the time goes");
    for (const step of ["startScreening", "savePage", "submitScreening", "decideEscalation"]) expect(out).toMatch(new RegExp(`^${step} .*\\d+\\.\\d\\d`, "m"));
    expect(out).toContain("How cost grows");
    expect(out).toMatch(/^2 \(main run\)/m);
    expect(out).toMatch(/^2 on 40 seeded/m);
    expect(out).toContain("Targets:");
    expect(out.match(/^ {2}\[(met|MISSED)\] /gm)).toHaveLength(8);
  });

  it("writes JSON with every measurement", () => {
    expect(result.machine.cores).toBeGreaterThan(0);
    expect(result.options).toMatchObject({ concurrency: 2, screenings: 4, quick: true, processBeforeResponse: false });
    expect(result.main.completed).toBe(4);
    expect(result.baseline?.completed).toBe(4);
    for (const { key } of LATENCIES) {
      expect(result.main.latencies[key].n, key).toBeGreaterThan(0);
      expect(result.baseline?.latencies[key].n, key).toBeGreaterThan(0);
      expect(result.main.latencies[key].p99).toBeGreaterThanOrEqual(result.main.latencies[key].p50);
      expect(result.ratios[key]?.p99, key).toBeGreaterThan(0);
    }
    expect(result.main.screeningsPerMinute).toBeGreaterThan(0);
    expect(result.main.peakRssBytes).toBeGreaterThan(0);
    expect(result.main.db?.pgBytesPer1000).toBeGreaterThan(0);
    expect(result.core.scoringsPerSecond).toBeGreaterThan(0);
    expect(result.core.rulesLoadFirstMs).toBeGreaterThan(0);
    expect(result.core.partyScreening).toMatchObject({ entries: 20_000, names: 10 });
    // the four names taken from the list are found, the six others not
    expect(result.core.partyScreening.matches).toBeGreaterThanOrEqual(4);
    // measured when the quick run had to create its empty database, else null
    if (result.firstStart) expect(result.firstStart.maxRssBytes).toBeGreaterThan(0);
    expect(result.growth.map((g) => g.concurrency)).toEqual([2]);
    expect(result.seeded?.seeding?.added).toBe(38);
    expect(result.seeded?.db?.screeningsBefore).toBe(40);
    expect(result.targets).toHaveLength(8);
    expect(result.breakdown.rows.find((r) => r.step.startsWith("savePage"))?.statementsPerCall).toBeGreaterThan(0);
  });
});
