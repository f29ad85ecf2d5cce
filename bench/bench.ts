// The benchmark, phase by phase: the pure core; the bot under the main load with its baseline
// under the same load; the same load at other concurrencies; and the bot with 10,000
// screenings already in its database. Each load phase gets a fresh process under test, a fresh
// Slack stand-in and (for the bot) a fresh embedded database in a temp folder, removed after.
import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startFakeSlackApi, type FakeSlackApi } from "../src/sandbox/slack-api.js";
import { ACTION, BLOCK, CALLBACK } from "../src/slack/ids.js";
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from "../src/store/migrate.js";
import { BASELINE } from "./baseline-app.js";
import type { Breakdown } from "./breakdown.js";
import { ServerProcess, type ServerLogSummary } from "./children.js";
import { measureCore, type CoreResult } from "./core.js";
import { runLoad, type FlowIds, type LatencySamples, type LoadResult, type PlannedScreening } from "./driver.js";
import { APPROVERS, BENCH_SECRETS, COMPLIANCE_CHANNEL, type ProcessStats, type ServerKind } from "./protocol.js";
import { escalatingScenarios, loadScenarios, type BenchScenario } from "./scenarios.js";
import { summarize, type LatencySummary } from "./stats.js";

export interface BenchOptions {
  concurrency: number;
  screenings: number;
  /** concurrencies of the growth table; the main concurrency reuses the main run */
  levels: number[];
  /** screenings per growth level: max(levelMin, level × levelFactor), at most levelMax */
  levelScreenings: (level: number) => number;
  /** screenings already in the database for the seeded run (0: skip it) */
  seed: number;
  /** screenings measured on top of the seeded database */
  seededScreenings: number;
  baseline: boolean;
  thinkMs: number;
  rulesDir: string;
  processBeforeResponse: boolean;
  scoringMs: number;
  /** also run the main concurrency at human pace: this pause between a person's steps, one screening each (0: skip) */
  pacedThinkMs: number;
  /** screenings run one at a time, unmeasured, before each measured load */
  warmUp: number;
  /** screenings the use-case breakdown times */
  breakdownScreenings: number;
  /** write a CPU profile of the bot during the main run into this folder */
  cpuProfileDir?: string | undefined;
  quick: boolean;
  /** an admin URL of a PostgreSQL server: each bot phase runs on a database of its own there, dropped after (unset: embedded PGlite) */
  databaseUrl?: string | undefined;
  log: (line: string) => void;
  /** set by runBench */
  loadAverageAtStart?: number;
}

export const LATENCIES = [
  { key: "slashToViewsOpen", label: "slash command → views.open" },
  { key: "slashToFirstPage", label: "slash command → first page shown" },
  { key: "pageSubmission", label: "page submission → HTTP response" },
  { key: "finalSubmission", label: "final submission → HTTP response" },
  { key: "finalToEscalationPosted", label: "final submission → escalation posted" },
  { key: "decisionButtonToViewsOpen", label: "decision button → views.open" },
  { key: "decisionToChatUpdate", label: "decision → chat.update" },
] as const satisfies ReadonlyArray<{ key: keyof LatencySamples; label: string }>;

export type LatencyKey = (typeof LATENCIES)[number]["key"];

export interface PhaseResult {
  kind: ServerKind;
  concurrency: number;
  thinkMs: number;
  screenings: number;
  completed: number;
  /** failed screenings + expired trigger ids + errors the server logged + failed deliveries */
  errors: number;
  expiredTriggers: number;
  errorSamples: string[];
  serverLog: ServerLogSummary;
  requests: number;
  wallMs: number;
  screeningsPerMinute: number;
  latencies: Record<LatencyKey, LatencySummary>;
  startMs: number;
  peakRssBytes: number;
  serverCpuMs: number;
  driverCpuMs: number;
  /** bot only */
  db?: {
    screeningsBefore: number;
    screeningsAfter: number;
    pgBytesBefore: number;
    pgBytesAfter: number;
    dirBytesBefore: number;
    dirBytesAfter: number;
    pgBytesPer1000: number;
    dirBytesPer1000: number;
  };
  seeding?: { added: number; auditEvents: number; ms: number; sqlMs: number; auditMs: number };
}

export interface BenchResult {
  startedAt: string;
  machine: {
    cores: number;
    availableParallelism: number;
    cpuModel: string;
    totalMemBytes: number;
    freeMemBytes: number;
    node: string;
    platform: string;
    /** 1-minute load average when the bench started and when it ended: other work on the machine skews every number */
    loadAverage: { start: number; end: number };
  };
  options: { database: "embedded" | "server"; concurrency: number; screenings: number; levels: number[]; seed: number; seededScreenings: number; thinkMs: number; pacedThinkMs: number; warmUp: number; processBeforeResponse: boolean; quick: boolean };
  scenarios: Array<{ name: string; tier: string; approvals: number; pages: number }>;
  core: CoreResult;
  /** the use cases one at a time, no HTTP, no contention (bench/breakdown.ts) */
  breakdown: Breakdown;
  /** the bot's first start on an empty data folder: PGlite's initdb plus migrations, in a process of its own (null: a quick run reused one) */
  firstStart: { ms: number; maxRssBytes: number } | null;
  main: PhaseResult;
  baseline: PhaseResult | null;
  /** bot p50/p95/p99 divided by the baseline's, per latency */
  ratios: Record<LatencyKey, { p50: number; p95: number; p99: number } | null>;
  growth: PhaseResult[];
  seeded: PhaseResult | null;
  totalErrors: number;
  targets: TargetCheck[];
  durationMs: number;
}

export interface TargetCheck {
  name: string;
  target: string;
  actual: string;
  met: boolean;
}

const BOT_IDS: FlowIds = {
  command: "/screening",
  page: CALLBACK.page,
  loading: CALLBACK.loading,
  review: CALLBACK.review,
  decision: CALLBACK.decision,
  approveAction: ACTION.decide.approve,
  complianceChannel: COMPLIANCE_CHANNEL,
  approvers: APPROVERS,
  rationaleBlock: BLOCK.rationale,
};

const BASELINE_IDS: FlowIds = {
  command: BASELINE.command,
  page: BASELINE.page,
  review: BASELINE.review,
  decision: BASELINE.decision,
  approveAction: BASELINE.approveAction,
  complianceChannel: COMPLIANCE_CHANNEL,
  approvers: APPROVERS,
  rationaleBlock: "decision_rationale",
};

const BASELINE_INPUT = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`static_${i + 1}`, i % 2 === 0 ? "yes" : "no"]));

/** Requester ids unique per phase and screening, shaped like Slack user ids. */
function requesterId(phase: string, i: number): string {
  return `UB${phase}${i.toString(36).toUpperCase().padStart(5, "0")}`;
}

function plan(kind: ServerKind, phase: string, scenarios: readonly BenchScenario[], count: number): PlannedScreening[] {
  return Array.from({ length: count }, (_, i) => {
    const s = scenarios[i % scenarios.length];
    if (!s) throw new Error("no scenarios");
    return { requester: requesterId(phase, i), input: kind === "bot" ? s.input : BASELINE_INPUT, approvals: s.approvals, pages: s.pages };
  });
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await dirBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

async function settleDeliveries(server: ServerProcess, timeoutMs = 60_000): Promise<ProcessStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await server.stats();
    if ((s.pendingDeliveries ?? 0) === 0 || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface PhaseSpec {
  kind: ServerKind;
  name: string;
  tag: string;
  concurrency: number;
  screenings: number;
  /** default: opts.thinkMs */
  thinkMs?: number;
  /** bot: run these first (not measured), then seed the database up to `seed` screenings */
  templates?: number;
  seed?: number;
  cpuProfileDir?: string | undefined;
}

async function runPhase(spec: PhaseSpec, scenarios: readonly BenchScenario[], opts: BenchOptions, emptyDatabase: string | undefined): Promise<PhaseResult> {
  const log = opts.log;
  const onServer = spec.kind === "bot" && opts.databaseUrl !== undefined;
  const dataDir = spec.kind === "bot" && !onServer ? await mkdtemp(join(tmpdir(), "dd-bench-")) : undefined;
  // The bot starts on an existing (created and migrated) data folder, as it does after its first start.
  if (dataDir && emptyDatabase) await cp(emptyDatabase, dataDir, { recursive: true });
  // On a server: a new, empty database of its own, which the bot migrates as it starts.
  const serverDb = onServer && opts.databaseUrl ? await createServerDatabase(opts.databaseUrl, spec.tag) : undefined;
  let api: FakeSlackApi | undefined;
  let server: ServerProcess | undefined;
  try {
    api = await startFakeSlackApi();
    server = await ServerProcess.start(
      {
        kind: spec.kind,
        slackApiUrl: api.url,
        ...(dataDir ? { dataDir } : {}),
        ...(serverDb ? { databaseUrl: serverDb.url } : {}),
        rulesDir: opts.rulesDir,
        processBeforeResponse: opts.processBeforeResponse,
      },
      { cpuProfileDir: spec.cpuProfileDir },
    );
    const baseUrl = `http://127.0.0.1:${server.port}`;
    const ids = spec.kind === "bot" ? BOT_IDS : BASELINE_IDS;
    log(`[${spec.name}] ${spec.kind} up on port ${server.port} in ${Math.round(server.startMs)} ms`);

    let seeding: PhaseResult["seeding"];
    if (spec.kind === "bot" && spec.seed && spec.seed > 0) {
      const templates = spec.templates ?? scenarios.length;
      const warm = await runLoad(api, baseUrl, BENCH_SECRETS.signingSecret, ids, plan(spec.kind, `${spec.tag}T`, scenarios, templates), { concurrency: Math.min(2, templates), thinkMs: 0 });
      // Only finished screenings are copied; a late views.open (an error when measured) does not matter here.
      if (warm.completed < templates) throw new Error(`template screenings failed: ${warm.errorSamples.join("; ")}`);
      await settleDeliveries(server);
      const have = (await server.stats()).screenings ?? 0;
      log(`[${spec.name}] seeding ${spec.seed - have} screenings (copies of ${have} driven ones)…`);
      seeding = await server.seed(spec.seed - have);
      log(
        `[${spec.name}] seeded ${seeding.added} screenings and ${seeding.auditEvents} audit events in ${(seeding.ms / 1000).toFixed(1)} s ` +
          `(bulk SQL ${(seeding.sqlMs / 1000).toFixed(1)} s, audit chain ${(seeding.auditMs / 1000).toFixed(1)} s)`,
      );
    }

    // A few screenings one at a time first, not measured: a long-running bot is past its JIT
    // warm-up. (A seeded run's template screenings already did that.)
    if (opts.warmUp > 0 && !seeding) {
      const warm = await runLoad(api, baseUrl, BENCH_SECRETS.signingSecret, ids, plan(spec.kind, `${spec.tag}W`, scenarios, opts.warmUp), { concurrency: 1, fixedPages: spec.kind === "baseline" });
      if (warm.completed === 0) throw new Error(`warm-up failed: ${warm.errorSamples.join("; ")}`);
      if (spec.kind === "bot") await settleDeliveries(server);
    }
    const before = await server.stats();
    const dirBefore = dataDir ? await dirBytes(dataDir) : 0;
    const cpuBefore = before.cpuUserMs + before.cpuSystemMs;
    log(`[${spec.name}] ${spec.screenings} screenings, ${spec.concurrency} concurrent…`);
    let lastReport = Date.now();
    const load: LoadResult = await runLoad(api, baseUrl, BENCH_SECRETS.signingSecret, ids, plan(spec.kind, spec.tag, scenarios, spec.screenings), {
      concurrency: spec.concurrency,
      thinkMs: spec.thinkMs ?? opts.thinkMs,
      fixedPages: spec.kind === "baseline",
      onProgress: (done, total) => {
        if (Date.now() - lastReport > 15_000) {
          lastReport = Date.now();
          log(`[${spec.name}]   ${done}/${total}`);
        }
      },
    });
    const after = spec.kind === "bot" ? await settleDeliveries(server) : await server.stats();
    const cpuAfter = after.cpuUserMs + after.cpuSystemMs;
    const final = await server.stop();
    const dirAfter = dataDir ? await dirBytes(dataDir) : 0;
    const done = Math.max(1, load.completed);
    const latencies = Object.fromEntries(LATENCIES.map((l) => [l.key, summarize(load.samples[l.key])])) as Record<LatencyKey, LatencySummary>;
    const result: PhaseResult = {
      kind: spec.kind,
      concurrency: spec.concurrency,
      thinkMs: spec.thinkMs ?? opts.thinkMs,
      screenings: spec.screenings,
      completed: load.completed,
      errors: load.errors + server.log.errors + (after.failedDeliveries ?? 0),
      expiredTriggers: load.expiredTriggers,
      errorSamples: [...load.errorSamples, ...server.log.samples.filter((l) => l.includes('"error"')), ...((after.failedDeliveries ?? 0) > 0 ? [`${after.failedDeliveries} failed deliveries`] : [])],
      serverLog: server.log,
      requests: load.requests,
      wallMs: Math.round(load.wallMs),
      screeningsPerMinute: Math.round((load.completed / load.wallMs) * 60_000 * 10) / 10,
      latencies,
      startMs: Math.round(server.startMs),
      peakRssBytes: final.maxRssBytes,
      serverCpuMs: Math.round(cpuAfter - cpuBefore),
      driverCpuMs: Math.round(load.driverCpuMs),
      ...(seeding ? { seeding } : {}),
    };
    if (spec.kind === "bot") {
      result.db = {
        screeningsBefore: before.screenings ?? 0,
        screeningsAfter: after.screenings ?? 0,
        pgBytesBefore: before.dbBytes ?? 0,
        pgBytesAfter: after.dbBytes ?? 0,
        dirBytesBefore: dirBefore,
        dirBytesAfter: dirAfter,
        pgBytesPer1000: Math.round((((after.dbBytes ?? 0) - (before.dbBytes ?? 0)) / done) * 1000),
        dirBytesPer1000: Math.round(((dirAfter - dirBefore) / done) * 1000),
      };
    }
    log(
      `[${spec.name}] done: ${load.completed}/${spec.screenings} in ${(load.wallMs / 1000).toFixed(1)} s, ${result.errors} errors, ` +
        `page p99 ${latencies.pageSubmission.p99} ms, slash p99 ${latencies.slashToViewsOpen.p99} ms`,
    );
    server = undefined;
    return result;
  } finally {
    server?.kill();
    await api?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await serverDb?.drop();
  }
}

/** A throwaway database on the server named by the admin URL, for one phase. */
async function createServerDatabase(adminUrl: string, tag: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `dd_bench_${process.pid}_${tag.toLowerCase()}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`DROP DATABASE IF EXISTS ${name}`);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined) };
}

function ratio(bot: LatencySummary, base: LatencySummary): { p50: number; p95: number; p99: number } | null {
  if (bot.n === 0 || base.n === 0) return null;
  const r = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
  return { p50: r(bot.p50, base.p50), p95: r(bot.p95, base.p95), p99: r(bot.p99, base.p99) };
}

function checkTargets(r: Omit<BenchResult, "targets" | "durationMs">): TargetCheck[] {
  const m = r.main;
  const slash = m.latencies.slashToViewsOpen;
  const page = m.latencies.pageSubmission;
  const slashRatio = r.ratios.slashToViewsOpen?.p99;
  const peakRss = Math.max(m.peakRssBytes, ...r.growth.map((g) => g.peakRssBytes), r.seeded?.peakRssBytes ?? 0);
  const mbs = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
  return [
    { name: "slash → views.open p99", target: "< 250 ms", actual: `${slash.p99} ms`, met: slash.n > 0 && slash.p99 < 250 },
    { name: "slash → views.open p99 vs baseline", target: "≤ 1.5×", actual: slashRatio === undefined ? "no baseline" : `${slashRatio}×`, met: slashRatio !== undefined && slashRatio <= 1.5 },
    { name: `page submission p99 at ${m.concurrency} users`, target: "< 300 ms (at 50 users)", actual: `${page.p99} ms`, met: page.n > 0 && page.p99 < 300 },
    { name: "errors (all phases)", target: "0", actual: String(r.totalErrors), met: r.totalErrors === 0 },
    { name: "peak RSS of the bot (any phase)", target: "< 600 MB", actual: mbs(peakRss), met: peakRss < 600 * 1024 * 1024 },
    { name: "scoring throughput", target: "> 20,000 /s", actual: `${r.core.scoringsPerSecond.toLocaleString("en-US")} /s`, met: r.core.scoringsPerSecond > 20_000 },
    { name: "rule set load (first, cold)", target: "< 300 ms", actual: `${r.core.rulesLoadFirstMs} ms`, met: r.core.rulesLoadFirstMs < 300 },
    {
      name: `party screening, ${r.core.partyScreening.names} names × ${r.core.partyScreening.entries.toLocaleString("en-US")} entries, p99`,
      target: "< 100 ms",
      actual: `${r.core.partyScreening.screenMs.p99} ms`,
      met: r.core.partyScreening.screenMs.p99 < 100,
    },
  ];
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const t0 = Date.now();
  const opts = { ...options, loadAverageAtStart: loadavg()[0] ?? 0 };
  const log = opts.log;
  log(`bench: ${cpus().length} cores, load average ${opts.loadAverageAtStart.toFixed(2)}, node ${process.version}; main load ${opts.screenings} screenings × ${opts.concurrency} concurrent`);

  const { ruleSet, ...core } = await measureCore(opts.rulesDir, { scoringMs: opts.scoringMs });
  log(`[core] rules load ${core.rulesLoadFirstMs} ms (warm ${core.rulesLoadWarmMs} ms), ${core.scoringsPerSecond} scorings/s`);
  const ps = core.partyScreening;
  log(`[core] party screening: index of ${ps.entries} entries built in ${ps.indexBuildMs} ms; ${ps.names} names screened in ${ps.screenMs.p50} ms (p99 ${ps.screenMs.p99} ms)`);
  const scenarios = escalatingScenarios(loadScenarios(ruleSet));
  const breakdown = await ServerProcess.breakdown(opts.rulesDir, opts.breakdownScreenings);
  log(`[breakdown] ${breakdown.rows.map((r) => `${r.step.trim()} ${r.msPerCall} ms`).join(", ")}`);

  const prepared = opts.databaseUrl ? { dir: undefined, firstStart: null, cleanup: async () => undefined } : await emptyDatabase(opts);
  try {
    return await phases(opts, core, breakdown, scenarios, prepared.dir, prepared.firstStart, t0);
  } finally {
    await prepared.cleanup();
  }
}

/**
 * A created and migrated, empty data folder that each bot phase copies. A full run creates it
 * (and measures that first start); a quick run reuses one kept in the temp folder, keyed by the
 * PGlite version and the migrations, because initdb costs seconds.
 */
async function emptyDatabase(opts: BenchOptions): Promise<{ dir: string; firstStart: BenchResult["firstStart"]; cleanup: () => Promise<void> }> {
  const create = async (dir: string) => {
    const init = await ServerProcess.initDatabase(dir);
    const firstStart = { ms: Math.round(init.ms), maxRssBytes: init.stats.maxRssBytes };
    opts.log(`[init] new embedded database (initdb + migrations) in ${firstStart.ms} ms, process peak RSS ${Math.round(firstStart.maxRssBytes / 1048576)} MB`);
    return firstStart;
  };
  if (!opts.quick) {
    const dir = await mkdtemp(join(tmpdir(), "dd-bench-empty-"));
    return { dir, firstStart: await create(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
  }
  const migrations = await readMigrations(DEFAULT_MIGRATIONS_DIR);
  const pglite = JSON.parse(await readFile(new URL("../node_modules/@electric-sql/pglite/package.json", import.meta.url), "utf8")) as { version?: string };
  const key = createHash("sha256")
    .update(JSON.stringify([pglite.version, migrations.map((m) => [m.name, m.checksum])]))
    .digest("hex")
    .slice(0, 16);
  const dir = join(tmpdir(), `dd-bench-empty-pglite-${key}`);
  const keep = async () => undefined;
  if (await stat(dir).then((s) => s.isDirectory(), () => false)) return { dir, firstStart: null, cleanup: keep };
  const partial = `${dir}.${process.pid}.partial`;
  await rm(partial, { recursive: true, force: true });
  const firstStart = await create(partial);
  // Renamed when complete: a concurrent run sees all of it or nothing.
  await rename(partial, dir).catch(() => rm(partial, { recursive: true, force: true }));
  return { dir, firstStart, cleanup: keep };
}

async function phases(
  opts: BenchOptions,
  core: CoreResult,
  breakdown: Breakdown,
  scenarios: BenchScenario[],
  emptyDatabase: string | undefined,
  firstStart: BenchResult["firstStart"],
  t0: number,
): Promise<BenchResult> {
  const log = opts.log;
  const main = await runPhase({ kind: "bot", name: "bot", tag: "M", concurrency: opts.concurrency, screenings: opts.screenings, cpuProfileDir: opts.cpuProfileDir }, scenarios, opts, emptyDatabase);
  const baseline = opts.baseline
    ? await runPhase({ kind: "baseline", name: "baseline", tag: "B", concurrency: opts.concurrency, screenings: opts.screenings }, scenarios, opts, emptyDatabase)
    : null;

  const growth: PhaseResult[] = [];
  for (const level of opts.levels) {
    if (level === opts.concurrency) {
      growth.push(main);
      continue;
    }
    growth.push(await runPhase({ kind: "bot", name: `growth ${level}`, tag: `G${level.toString(36).toUpperCase()}`, concurrency: level, screenings: opts.levelScreenings(level) }, scenarios, opts, emptyDatabase));
  }

  if (opts.pacedThinkMs > 0) {
    growth.push(
      await runPhase(
        { kind: "bot", name: "paced", tag: "P", concurrency: opts.concurrency, screenings: opts.concurrency, thinkMs: opts.pacedThinkMs },
        scenarios,
        opts,
        emptyDatabase,
      ),
    );
  }

  const seeded =
    opts.seed > 0
      ? await runPhase(
          { kind: "bot", name: "seeded", tag: "S", concurrency: opts.concurrency, screenings: opts.seededScreenings, seed: opts.seed, templates: Math.min(scenarios.length, Math.max(2, Math.ceil(opts.seed / 1000))) },
          scenarios,
          opts,
          emptyDatabase,
        )
      : null;

  const ratios = Object.fromEntries(LATENCIES.map((l) => [l.key, baseline ? ratio(main.latencies[l.key], baseline.latencies[l.key]) : null])) as BenchResult["ratios"];
  const phases = [main, ...(baseline ? [baseline] : []), ...growth.filter((g) => g !== main), ...(seeded ? [seeded] : [])];
  const partial = {
    startedAt: new Date(t0).toISOString(),
    machine: {
      cores: cpus().length,
      availableParallelism: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? "unknown",
      totalMemBytes: totalmem(),
      freeMemBytes: freemem(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadAverage: { start: Math.round((opts.loadAverageAtStart ?? loadavg()[0] ?? 0) * 100) / 100, end: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
    },
    options: {
      database: opts.databaseUrl ? ("server" as const) : ("embedded" as const),
      concurrency: opts.concurrency,
      screenings: opts.screenings,
      levels: opts.levels,
      seed: opts.seed,
      seededScreenings: opts.seededScreenings,
      thinkMs: opts.thinkMs,
      pacedThinkMs: opts.pacedThinkMs,
      warmUp: opts.warmUp,
      processBeforeResponse: opts.processBeforeResponse,
      quick: opts.quick,
    },
    scenarios: scenarios.map((s) => ({ name: s.name, tier: s.tier, approvals: s.approvals, pages: s.pages })),
    core,
    breakdown,
    firstStart,
    main,
    baseline,
    ratios,
    growth,
    seeded,
    totalErrors: phases.reduce((sum, p) => sum + p.errors, 0),
  };
  return { ...partial, targets: checkTargets(partial), durationMs: Date.now() - t0 };
}
