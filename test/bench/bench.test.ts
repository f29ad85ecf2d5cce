// `npm run bench` must not rot: run it in quick mode (2 users, 4 screenings, the main run as the
// throughput phase and growth table, and a run on a 40-screening seeded database) end to end, as
// a user would, and check that it prints every row of its table with no errors and writes JSON
// with every field: latencies, CPU per request of bot and baseline, the Web API calls the
// baseline replays, the statement counts of the breakdown, and issue 13's targets.
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
  if (run.code === 0 || run.code === 1) result = JSON.parse(await readFile(json, "utf8")) as BenchResult;
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("npm run bench -- --quick", () => {
  it("runs to the end with no errors in any phase of the bot", () => {
    // The bench exits 1 when any phase had an error. The bare baseline app (bench/baseline-app.ts)
    // now and then never gets a views.open of a load to the stand-in, more often on a loaded CI
    // machine (a harness fault under investigation, bench/README.md "Known issue"): that run is
    // still read, and only the bot's phases must be free of errors.
    expect(result, run.stderr.slice(-3000)).toBeDefined();
    for (const phase of [result.main, ...result.growth, result.seeded]) {
      expect(phase?.errors, JSON.stringify(phase?.errorSamples)).toBe(0);
    }
    expect(result.totalErrors).toBe(result.baseline?.errors ?? 0);
    // the baseline ran and measured something, whatever its flake cost it
    expect(result.baseline?.completed ?? 0).toBeGreaterThan(0);
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
    for (const line of [
      "throughput",
      "CPU per request (app process, measured window)",
      "CPU time (app / load generator / stand-in)",
      "Web API calls per screening (whole load)",
      "errors",
      "peak RSS",
      "database size per 1,000 screenings",
      "first start on an empty data folder",
      "rule set load",
      "scoring (pure core, shipped rules)",
      "party screening (10 names × 20,000 list entries)",
    ]) {
      expect(out).toContain(line);
    }
    expect(out).toMatch(/^CPU per request .* ms \(.* requests\), \d+\.\d\d× the baseline's .* ms \(/m);
    expect(out).toMatch(/^Web API calls per request, recorded from the bot and replayed by the baseline: \/screening → views\.open/m);
    expect(out).toContain("Where the time goes");
    for (const step of ["startScreening", "savePage", "submitScreening", "checkDecision", "decideEscalation"]) expect(out).toMatch(new RegExp(`^${step} .*\\d+\\.\\d\\d`, "m"));
    expect(out).toContain("How cost grows");
    expect(out).toMatch(/^2 \(main run, throughput\)/m);
    expect(out).toMatch(/^2 on 40 seeded/m);
    expect(out).toContain("Targets (issue 13");
    for (const target of [
      /\] page submission p99 \(2 users, no think time\): .*\(target < 150 ms\)/,
      /\] slash command → first page shown p99 .*\(target < 500 ms\)/,
      /\] final submission → escalation posted p99 .*\(target < 500 ms\)/,
      /\] decision → chat\.update p99 .*\(target < 500 ms\)/,
      /\] bot CPU per request vs the baseline's .* ms vs .* ms = .*× \(target ≤ 3×\)/,
      /\] peak RSS of the bot \(any phase\): .*\(target < 400 MB\)/,
      /\] errors \(all phases\): \d+ \(target 0\)/,
      /\] throughput, 2 users with no think time .*requests\/s \(target ≥ 150 requests\/s\)/,
    ]) {
      expect(out).toMatch(target);
    }
    expect(out.match(/^ {2}\[(met|MISSED)\] /gm)).toHaveLength(11);
  });

  it("writes JSON with every measurement", () => {
    expect(result.machine.cores).toBeGreaterThan(0);
    expect(result.options).toMatchObject({ concurrency: 2, screenings: 4, quick: true, processBeforeResponse: false });
    expect(result.main.completed).toBe(4);
    // the baseline's known flake can cost it a screening (bench/README.md, Known issue)
    expect(result.baseline?.completed).toBeGreaterThanOrEqual(2);
    for (const { key } of LATENCIES) {
      expect(result.main.latencies[key].n, key).toBeGreaterThan(0);
      expect(result.baseline?.latencies[key].n, key).toBeGreaterThan(0);
      expect(result.main.latencies[key].p99).toBeGreaterThanOrEqual(result.main.latencies[key].p50);
      expect(result.ratios[key]?.p99, key).toBeGreaterThan(0);
    }
    expect(result.main.screeningsPerMinute).toBeGreaterThan(0);
    // the measured window: warm-up (one screening per user) excluded, CPU per request of both apps
    expect(result.main.warmUpScreenings).toBe(2);
    for (const phase of [result.main, result.baseline]) {
      expect(phase?.requests).toBeGreaterThan(0);
      expect(phase?.requestsPerSecond).toBeGreaterThan(0);
      expect(phase?.serverCpuMs).toBeGreaterThan(0);
      expect(phase?.cpuPerRequestMs).toBeGreaterThan(0);
      expect(phase?.driverCpuMs).toBeGreaterThan(0);
      expect(phase?.webApiCallsPerScreening["views.open"]).toBeGreaterThan(0);
    }
    expect(result.cpuPerRequestRatio).toBeGreaterThan(0);
    expect(result.throughput).toEqual(result.main);
    // the baseline replays what the bot did per request
    expect(Object.keys(result.callsPerStep?.slash ?? {})).toContain("views.open");
    expect(Object.keys(result.callsPerStep?.review ?? {})).toContain("chat.postMessage");
    expect(Object.keys(result.callsPerStep?.decision ?? {})).toContain("chat.update");
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
    expect(result.targets).toHaveLength(11);
    // statements counted at PGlite, whichever path sent them
    for (const step of ["startScreening", "savePage", "submitScreening", "checkDecision", "decideEscalation"]) {
      expect(result.breakdown.rows.find((r) => r.step.startsWith(step))?.statementsPerCall, step).toBeGreaterThan(0);
    }
    expect(result.breakdown.rows.find((r) => r.step.includes("through db.sql"))?.statementsPerCall).toBe(1);
  });
});
