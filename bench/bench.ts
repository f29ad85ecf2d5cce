// The benchmark, phase by phase: the pure core; the bot under the main load with its baseline
// under the same load; the bot at 50 users with no think time (throughput); the same load at
// other concurrencies; and the bot with 10,000 screenings already in its database. Each load
// phase gets a fresh process under test, a fresh load generator process, a fresh Slack stand-in
// (in this process) and (for the bot) a fresh embedded database in a temp folder, removed after.
import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startFakeSlackApi, type FakeSlackApi } from "../src/sandbox/slack-api.js";
import { ACTION, BLOCK, CALLBACK } from "../src/slack/ids.js";
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from "../src/store/migrate.js";
import type { Breakdown } from "./breakdown.js";
import { BotProcess } from "./bot-process.js";
import { buildBot, type BotCommand } from "./build.js";
import { LoadProcess, ServerProcess, type ServerLogSummary } from "./children.js";
import { measureCore, type CoreResult } from "./core.js";
import type { FlowIds, LatencySamples, LoadOptions, LoadResult, PlannedScreening, RecordedScript, StepKind } from "./driver.js";
import { APPROVERS, BENCH_SECRETS, COMPLIANCE_CHANNEL, type DatabaseTarget, type ServerKind } from "./protocol.js";
import { escalatingScenarios, loadScenarios, type BenchScenario } from "./scenarios.js";
import { round, summarize, type LatencySummary } from "./stats.js";

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
  /** unmeasured screenings per user at the start of each load (the opening burst, JIT warm-up) */
  warmUp: number;
  /** the throughput phase: this many users with no think time (the main run when it is that) */
  throughputUsers: number;
  /** measured screenings of the throughput phase */
  throughputScreenings: number;
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

/** Issue 13's targets for the load (the pure core's have their own). */
export const TARGETS = {
  pageSubmissionP99Ms: 150,
  slashToFirstPageP99Ms: 500,
  finalToEscalationP99Ms: 500,
  decisionToChatUpdateP99Ms: 500,
  cpuPerRequestVsBaseline: 3,
  peakRssBytes: 400 * 1024 * 1024,
  throughputRequestsPerSecond: 150,
} as const;

export interface PhaseResult {
  kind: ServerKind;
  name: string;
  concurrency: number;
  thinkMs: number;
  /** measured screenings planned, and completed */
  screenings: number;
  completed: number;
  /** unmeasured screenings before the measured ones (the opening burst), and after them (keeping the load up until the last measured one ends; cut short then) */
  warmUpScreenings: number;
  fillerScreenings: number;
  /** failed screenings (any) + expired trigger ids + errors the server logged + failed deliveries */
  errors: number;
  /** of the failed screenings and expired trigger ids, those of warm-up and filler screenings (and the recording) */
  unmeasuredErrors: number;
  expiredTriggers: number;
  errorSamples: string[];
  serverLog: ServerLogSummary;
  /** HTTP requests to the app answered in the measurement window */
  requests: number;
  requestsPerSecond: number;
  /** the measurement window: first measured screening's start to the last one's end */
  wallMs: number;
  /** the whole load, warm-up and fillers included */
  totalMs: number;
  /** screenings (any) completed in the window, per minute */
  screeningsPerMinute: number;
  /** HTTP requests one screening makes (mean over the measured ones) */
  requestsPerScreening: number;
  latencies: Record<LatencyKey, LatencySummary>;
  startMs: number;
  peakRssBytes: number;
  /** CPU time (user + system) of the app's process in the window */
  serverCpuMs: number;
  /** serverCpuMs / requests */
  cpuPerRequestMs: number;
  /** CPU time of the load generator's process and of the stand-in's (this one), over the whole load */
  driverCpuMs: number;
  standInCpuMs: number;
  /** Web API calls the app made, by method, per screening (all calls of the load once deliveries settled, per HTTP request, times requests per screening) */
  webApiCallsPerScreening: Record<string, number>;
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
  options: {
    database: "embedded" | "server";
    concurrency: number;
    screenings: number;
    levels: number[];
    seed: number;
    seededScreenings: number;
    thinkMs: number;
    pacedThinkMs: number;
    warmUp: number;
    throughputUsers: number;
    throughputScreenings: number;
    processBeforeResponse: boolean;
    quick: boolean;
  };
  scenarios: Array<{ name: string; tier: string; approvals: number; pages: number }>;
  core: CoreResult;
  /** the use cases one at a time, no HTTP, no contention (bench/breakdown.ts) */
  breakdown: Breakdown;
  /** the bot's first start on an empty data folder, until /healthz answers (null: a quick run reused one); how it made the folder, as it logged it */
  firstStart: { ms: number; maxRssBytes: number; newDataFolder: string } | null;
  main: PhaseResult;
  baseline: PhaseResult | null;
  /** bot p50/p95/p99 divided by the baseline's, per latency */
  ratios: Record<LatencyKey, { p50: number; p95: number; p99: number } | null>;
  /** bot CPU per request divided by the baseline's */
  cpuPerRequestRatio: number | null;
  /** Web API calls per request of each kind, as recorded from the bot and replayed by the baseline (mean over the recorded screenings; null without a baseline) */
  callsPerStep: Record<StepKind, Record<string, number>> | null;
  /** the bot at `throughputUsers` users with no think time (the main run itself when it is that) */
  throughput: PhaseResult;
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

const IDS: FlowIds = {
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

/** Requester ids unique per phase and screening, shaped like Slack user ids. */
function requesterId(phase: string, i: number): string {
  return `UB${phase}${i.toString(36).toUpperCase().padStart(5, "0")}`;
}

/** The scenarios in turn; the baseline's command names the scenario it replays. */
function plan(kind: ServerKind, phase: string, scenarios: readonly BenchScenario[], count: number): PlannedScreening[] {
  return Array.from({ length: count }, (_, i) => {
    const scenario = i % scenarios.length;
    const s = scenarios[scenario];
    if (!s) throw new Error("no scenarios");
    return { requester: requesterId(phase, i), scenario, input: s.input, approvals: s.approvals, ...(kind === "baseline" ? { commandText: `new ${scenario}` } : {}) };
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

/**
 * Waits until the app has made no Web API call for `quietMs` (what the last requests set off:
 * deliveries, DMs), at most `timeoutMs`. Whatever the bot still had to send after that is found
 * in its database once it has stopped (pending deliveries count as errors).
 */
async function quiet(api: FakeSlackApi, quietMs = 1_000, timeoutMs = 60_000): Promise<void> {
  let last = performance.now();
  const unsubscribe = api.subscribe((event) => {
    if (event.kind === "call") last = performance.now();
  });
  try {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() - last < quietMs && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  } finally {
    unsubscribe();
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
  /** bot: first record one screening per scenario (unmeasured) for the baseline to replay */
  record?: boolean;
  /** baseline: what to replay */
  scripts?: RecordedScript[];
  cpuProfileDir?: string | undefined;
}

/**
 * Runs one load on a load generator process against the app, with the stand-in here: the app's
 * CPU time is read as the measurement window opens and closes, and the Web API calls it makes in
 * the window counted by method.
 */
async function measuredLoad(
  api: FakeSlackApi,
  appCpuMs: () => Promise<number>,
  driver: LoadProcess,
  appBaseUrl: string,
  screenings: PlannedScreening[],
  options: Omit<LoadOptions, "onProgress" | "onWindow">,
  onProgress?: (done: number, total: number) => void,
): Promise<{ load: LoadResult; serverCpuMs: number; standInCpuMs: number; calls: Map<string, number>; stopCounting: () => void }> {
  // Every call of the load (warm-up and fillers too): the caller stops counting once deliveries have settled.
  const calls = new Map<string, number>();
  const unsubscribe = api.subscribe((event) => {
    if (event.kind === "call") calls.set(event.call.method, (calls.get(event.call.method) ?? 0) + 1);
  });
  // One question at a time to the server: the window's two CPU readings are chained.
  let readings: Promise<number[]> = Promise.resolve([]);
  const readCpu = () => {
    readings = readings.then(async (list) => [...list, await appCpuMs()]);
  };
  const cpu0 = process.cpuUsage();
  try {
    const load = await driver.run(
      api,
      { appBaseUrl, signingSecret: BENCH_SECRETS.signingSecret, ids: IDS, plan: screenings, options },
      {
        onWindow: () => readCpu(),
        ...(onProgress ? { onProgress } : {}),
      },
    );
    const cpu = process.cpuUsage(cpu0);
    const [start = 0, end = start] = await readings;
    return { load, serverCpuMs: end - start, standInCpuMs: (cpu.user + cpu.system) / 1000, calls, stopCounting: unsubscribe };
  } catch (err) {
    unsubscribe();
    throw err;
  }
}

async function runPhase(
  spec: PhaseSpec,
  scenarios: readonly BenchScenario[],
  opts: BenchOptions & { botCommand: BotCommand },
  emptyDatabase: string | undefined,
): Promise<{ result: PhaseResult; scripts: RecordedScript[] }> {
  const log = opts.log;
  const isBot = spec.kind === "bot";
  const onServer = isBot && opts.databaseUrl !== undefined;
  // The bot's working folder: it keeps its embedded database in ./data there, as `npm start` does.
  const workDir = isBot ? await mkdtemp(join(tmpdir(), "dd-bench-")) : undefined;
  const dataDir = workDir && !onServer ? join(workDir, "data") : undefined;
  // The bot starts on an existing (created and migrated) data folder, as it does after its first start.
  if (dataDir && emptyDatabase) await cp(emptyDatabase, dataDir, { recursive: true });
  // On a server: a new, empty database of its own, which the bot migrates as it starts.
  const serverDb = onServer && opts.databaseUrl ? await createServerDatabase(opts.databaseUrl, spec.tag) : undefined;
  const target: DatabaseTarget | undefined = dataDir ? { dataDir } : serverDb ? { databaseUrl: serverDb.url } : undefined;
  let api: FakeSlackApi | undefined;
  let bot: BotProcess | undefined;
  let baseline: ServerProcess | undefined;
  let driver: LoadProcess | undefined;
  try {
    api = await startFakeSlackApi();
    const slackApiUrl = api.url;
    driver = new LoadProcess();
    const startBotProcess = (profile: boolean) =>
      BotProcess.start({ command: opts.botCommand, workDir: workDir ?? tmpdir(), slackApiUrl, rulesDir: opts.rulesDir, databaseUrl: serverDb?.url, cpuProfileDir: profile ? spec.cpuProfileDir : undefined });
    const thinkMs = spec.thinkMs ?? opts.thinkMs;

    let seeding: PhaseResult["seeding"];
    if (isBot && target && spec.seed && spec.seed > 0) {
      // A few screenings driven for real, then copied in bulk by another process while the bot is stopped.
      const templates = spec.templates ?? scenarios.length;
      const templateBot = await startBotProcess(false);
      try {
        const warm = await driver.run(api, {
          appBaseUrl: `http://127.0.0.1:${templateBot.port}`,
          signingSecret: BENCH_SECRETS.signingSecret,
          ids: IDS,
          plan: plan(spec.kind, `${spec.tag}T`, scenarios, templates),
          options: { concurrency: Math.min(2, templates), thinkMs: 0, warmUp: 0, sustain: false },
        });
        // Only finished screenings are copied; a late views.open (an error when measured) does not matter here.
        if (warm.completed < templates) throw new Error(`template screenings failed: ${warm.errorSamples.join("; ")}`);
        await quiet(api);
      } finally {
        await templateBot.stop().catch(() => templateBot.kill());
      }
      const have = (await ServerProcess.inspect(target)).screenings;
      log(`[${spec.name}] seeding ${spec.seed - have} screenings (copies of ${have} driven ones)…`);
      seeding = await ServerProcess.seed(target, spec.seed - have);
      log(
        `[${spec.name}] seeded ${seeding.added} screenings and ${seeding.auditEvents} audit events in ${(seeding.ms / 1000).toFixed(1)} s ` +
          `(bulk SQL ${(seeding.sqlMs / 1000).toFixed(1)} s, audit chain ${(seeding.auditMs / 1000).toFixed(1)} s)`,
      );
    }

    // The bot's database before it starts for the measured load (it is stopped: PGlite is one process's).
    const before = target ? await ServerProcess.inspect(target) : undefined;
    const dirBefore = dataDir ? await dirBytes(dataDir) : 0;
    const app: { port: number; startMs: number; pid: number | undefined; log: ServerLogSummary; cpuMs: () => Promise<number> } = isBot
      ? await startBotProcess(true).then((b) => {
          bot = b;
          return { port: b.port, startMs: b.startMs, pid: b.pid, log: b.log, cpuMs: () => Promise.resolve(b.cpuMs()) };
        })
      : await ServerProcess.startBaseline({ slackApiUrl, scripts: spec.scripts ?? [], processBeforeResponse: opts.processBeforeResponse }).then((b) => {
          baseline = b;
          return { port: b.port, startMs: b.startMs, pid: b.pid, log: b.log, cpuMs: () => b.cpuMs() };
        });
    const baseUrl = `http://127.0.0.1:${app.port}`;
    log(
      `[${spec.name}] ${isBot ? "bot (node dist/main.js)" : "baseline"} up on port ${app.port} in ${Math.round(app.startMs)} ms (pid ${app.pid}; load generator pid ${driver.pid}; stand-in pid ${process.pid})`,
    );

    // Unmeasured, unhurried: one screening per scenario the load uses, request by request with
    // the Web API calls each caused, for the baseline to replay.
    let scripts: RecordedScript[] = [];
    let recordingErrors: string[] = [];
    let recordingErrorCount = 0;
    if (spec.record) {
      const count = Math.min(scenarios.length, spec.screenings);
      log(`[${spec.name}] recording ${count} screenings (one per scenario) for the baseline…`);
      const recorded = await driver.run(api, {
        appBaseUrl: baseUrl,
        signingSecret: BENCH_SECRETS.signingSecret,
        ids: IDS,
        plan: plan(spec.kind, `${spec.tag}R`, scenarios, count),
        options: { concurrency: Math.min(2, count), thinkMs: 0, warmUp: 0, sustain: false, record: true },
      });
      scripts = recorded.scripts;
      recordingErrors = recorded.errorSamples.map((e) => `recording: ${e}`);
      recordingErrorCount = recorded.errors;
      await quiet(api);
    }

    const warmUp = opts.warmUp * spec.concurrency;
    log(`[${spec.name}] ${spec.screenings} measured screenings after ${warmUp} warm-up, ${spec.concurrency} users, think time ${thinkMs} ms…`);
    let lastReport = Date.now();
    const { load, serverCpuMs, standInCpuMs, calls, stopCounting } = await measuredLoad(
      api,
      app.cpuMs,
      driver,
      baseUrl,
      plan(spec.kind, spec.tag, scenarios, spec.screenings),
      { concurrency: spec.concurrency, thinkMs, warmUp, sustain: true },
      (done, total) => {
        if (Date.now() - lastReport > 15_000) {
          lastReport = Date.now();
          log(`[${spec.name}]   ${done}/${total}`);
        }
      },
    );
    // What the last requests set off (deliveries; the baseline's last DMs) is part of the load.
    await quiet(api, isBot ? 1_000 : 500);
    stopCounting();
    let peakRssBytes: number;
    const stopProblems: string[] = [];
    let exitedBadly = false;
    if (bot) {
      const stopped = await bot.stop();
      peakRssBytes = stopped.memory.peakRssBytes;
      if (stopped.code !== 0) {
        exitedBadly = true;
        stopProblems.push(`the bot exited with ${stopped.code ?? stopped.signal} on SIGTERM`);
      }
    } else {
      peakRssBytes = (await (baseline as ServerProcess | undefined)?.stop())?.maxRssBytes ?? 0;
    }
    bot = undefined;
    baseline = undefined;
    const after = target ? await ServerProcess.inspect(target) : undefined;
    const dirAfter = dataDir ? await dirBytes(dataDir) : 0;
    // Deliveries still waiting once the bot has stopped were never sent: errors, like failed ones.
    const undelivered = (after?.pendingDeliveries ?? 0) + (after?.failedDeliveries ?? 0);
    if ((after?.failedDeliveries ?? 0) > 0) stopProblems.push(`${after?.failedDeliveries} failed deliveries`);
    if ((after?.pendingDeliveries ?? 0) > 0) stopProblems.push(`${after?.pendingDeliveries} deliveries never sent (pending when the bot stopped)`);
    const latencies = Object.fromEntries(LATENCIES.map((l) => [l.key, summarize(load.samples[l.key])])) as Record<LatencyKey, LatencySummary>;
    const windowS = Math.max(load.wallMs, 1) / 1000;
    const perScreening = (n: number) => (load.requestsTotal > 0 ? round((n / load.requestsTotal) * load.requestsPerScreening, 2) : 0);
    const result: PhaseResult = {
      kind: spec.kind,
      name: spec.name,
      concurrency: spec.concurrency,
      thinkMs,
      screenings: spec.screenings,
      completed: load.completed,
      warmUpScreenings: load.warmUpRun,
      fillerScreenings: load.fillersRun,
      errors: load.errors + recordingErrorCount + app.log.errors + undelivered + (exitedBadly ? 1 : 0),
      unmeasuredErrors: load.unmeasuredErrors + recordingErrorCount,
      expiredTriggers: load.expiredTriggers,
      errorSamples: [...recordingErrors, ...load.errorSamples, ...app.log.samples.filter((l) => l.includes('"error"')), ...stopProblems],
      serverLog: app.log,
      requests: load.requests,
      requestsPerSecond: round(load.requests / windowS, 1),
      wallMs: Math.round(load.wallMs),
      totalMs: Math.round(load.totalMs),
      screeningsPerMinute: round((load.completedInWindow / windowS) * 60, 1),
      requestsPerScreening: round(load.requestsPerScreening, 2),
      latencies,
      startMs: Math.round(app.startMs),
      peakRssBytes,
      serverCpuMs: Math.round(serverCpuMs),
      cpuPerRequestMs: load.requests > 0 ? round(serverCpuMs / load.requests, 2) : 0,
      driverCpuMs: Math.round(load.driverCpuMs),
      standInCpuMs: Math.round(standInCpuMs),
      webApiCallsPerScreening: Object.fromEntries([...calls.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([method, n]) => [method, perScreening(n)])),
      ...(seeding ? { seeding } : {}),
    };
    if (before && after) {
      const added = Math.max(1, after.screenings - before.screenings);
      result.db = {
        screeningsBefore: before.screenings,
        screeningsAfter: after.screenings,
        pgBytesBefore: before.dbBytes,
        pgBytesAfter: after.dbBytes,
        dirBytesBefore: dirBefore,
        dirBytesAfter: dirAfter,
        pgBytesPer1000: Math.round(((after.dbBytes - before.dbBytes) / added) * 1000),
        dirBytesPer1000: Math.round(((dirAfter - dirBefore) / added) * 1000),
      };
    }
    log(
      `[${spec.name}] done: ${load.completed}/${spec.screenings} measured (+${load.warmUpRun} warm-up, ${load.fillersRun} fillers) in a ${windowS.toFixed(1)} s window, ${result.errors} errors, ` +
        `${result.requestsPerSecond} requests/s, CPU ${result.cpuPerRequestMs} ms/request, page p99 ${latencies.pageSubmission.p99} ms, first page p99 ${latencies.slashToFirstPage.p99} ms, peak RSS ${Math.round(peakRssBytes / 1048576)} MB`,
    );
    return { result, scripts };
  } finally {
    (bot as BotProcess | undefined)?.kill();
    (baseline as ServerProcess | undefined)?.kill();
    await driver?.stop();
    await api?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
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

/** Per kind of request, the mean number of Web API calls of each method the recorded screenings made. */
function callsPerStep(scripts: readonly RecordedScript[]): Record<StepKind, Record<string, number>> {
  const kinds: StepKind[] = ["slash", "page", "review", "button", "decision"];
  return Object.fromEntries(
    kinds.map((kind) => {
      const steps = scripts.flatMap((s) => s.steps.filter((st) => st.kind === kind));
      const counts = new Map<string, number>();
      for (const st of steps) for (const c of st.calls) counts.set(c.method, (counts.get(c.method) ?? 0) + 1);
      return [kind, Object.fromEntries([...counts.entries()].map(([m, n]) => [m, round(n / Math.max(1, steps.length), 2)]))];
    }),
  ) as Record<StepKind, Record<string, number>>;
}

function ratio(bot: LatencySummary, base: LatencySummary): { p50: number; p95: number; p99: number } | null {
  if (bot.n === 0 || base.n === 0) return null;
  const r = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
  return { p50: r(bot.p50, base.p50), p95: r(bot.p95, base.p95), p99: r(bot.p99, base.p99) };
}

function checkTargets(r: Omit<BenchResult, "targets" | "durationMs">): TargetCheck[] {
  const m = r.main;
  const t = r.throughput;
  const l = m.latencies;
  const phases = [m, ...r.growth, t, ...(r.seeded ? [r.seeded] : [])];
  const peakRss = Math.max(...phases.map((p) => p.peakRssBytes));
  const mbs = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
  const at = `${m.concurrency} users, ${m.thinkMs === 0 ? "no think time" : `${(m.thinkMs / 1000).toFixed(m.thinkMs % 1000 === 0 ? 0 : 1)} s think time`}`;
  const p99 = (name: string, s: LatencySummary, limit: number): TargetCheck => ({ name: `${name} p99 (${at})`, target: `< ${limit} ms`, actual: s.n === 0 ? "no samples" : `${s.p99} ms`, met: s.n > 0 && s.p99 < limit });
  const b = r.baseline;
  const cpu: TargetCheck = {
    name: `bot CPU per request vs the baseline's (${at})`,
    target: `≤ ${TARGETS.cpuPerRequestVsBaseline}×`,
    actual: b && r.cpuPerRequestRatio !== null ? `${m.cpuPerRequestMs} ms vs ${b.cpuPerRequestMs} ms = ${r.cpuPerRequestRatio}×` : "no baseline",
    met: r.cpuPerRequestRatio !== null && r.cpuPerRequestRatio <= TARGETS.cpuPerRequestVsBaseline,
  };
  return [
    p99("page submission", l.pageSubmission, TARGETS.pageSubmissionP99Ms),
    p99("slash command → first page shown", l.slashToFirstPage, TARGETS.slashToFirstPageP99Ms),
    p99("final submission → escalation posted", l.finalToEscalationPosted, TARGETS.finalToEscalationP99Ms),
    p99("decision → chat.update", l.decisionToChatUpdate, TARGETS.decisionToChatUpdateP99Ms),
    cpu,
    { name: "peak RSS of the bot (any phase)", target: `< ${mbs(TARGETS.peakRssBytes)}`, actual: mbs(peakRss), met: peakRss < TARGETS.peakRssBytes },
    ...(r.firstStart
      ? [
          {
            name: "peak RSS of the bot's first start on an empty data folder",
            target: `< ${mbs(TARGETS.peakRssBytes)}`,
            actual: `${mbs(r.firstStart.maxRssBytes)} (${r.firstStart.newDataFolder})`,
            met: r.firstStart.maxRssBytes < TARGETS.peakRssBytes,
          },
        ]
      : []),
    { name: "errors (all phases)", target: "0", actual: String(r.totalErrors), met: r.totalErrors === 0 },
    {
      name: `throughput, ${t.concurrency} users with no think time (HTTP requests to the bot per second)`,
      target: `≥ ${TARGETS.throughputRequestsPerSecond} requests/s`,
      actual: `${t.requestsPerSecond} requests/s`,
      met: t.requestsPerSecond >= TARGETS.throughputRequestsPerSecond,
    },
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
  const botCommand = await buildBot();
  log(`[build] npm run build; the bot runs as npm start does: node ${[...botCommand.nodeFlags, "dist/main.js"].join(" ")}`);
  log(`[breakdown] ${breakdown.rows.map((r) => `${r.step.trim()} ${r.msPerCall} ms`).join(", ")}`);

  const withBot = { ...opts, botCommand };
  const prepared = opts.databaseUrl ? { dir: undefined, firstStart: null, cleanup: async () => undefined } : await emptyDatabase(withBot);
  try {
    return await phases(withBot, core, breakdown, scenarios, prepared.dir, prepared.firstStart, t0);
  } finally {
    await prepared.cleanup();
  }
}

/**
 * A created and migrated, empty data folder that each bot phase copies. A full run creates it
 * (and measures that first start); a quick run reuses one kept in the temp folder, keyed by the
 * PGlite version and the migrations, because a first start costs seconds.
 */
async function emptyDatabase(opts: BenchOptions & { botCommand: BotCommand }): Promise<{ dir: string; firstStart: BenchResult["firstStart"]; cleanup: () => Promise<void> }> {
  // The bot's real first start (`node dist/main.js` on an empty folder: from the build's prebuilt
  // empty database, or PGlite's initdb without one), measured until /healthz answers, then
  // stopped; its ./data is what each phase copies.
  const create = async (dir: string) => {
    const workDir = await mkdtemp(join(tmpdir(), "dd-bench-first-"));
    const api = await startFakeSlackApi();
    try {
      const bot = await BotProcess.start({ command: opts.botCommand, workDir, slackApiUrl: api.url, rulesDir: opts.rulesDir, timeoutMs: 180_000 });
      const stopped = await bot.stop();
      if (stopped.code !== 0) throw new Error(`the bot's first start ended with ${stopped.code ?? stopped.signal}: ${bot.log.samples.join(" | ")}`);
      const firstStart = { ms: Math.round(bot.startMs), maxRssBytes: stopped.memory.peakRssBytes, newDataFolder: bot.newDataFolder ?? "not said" };
      opts.log(`[first start] node dist/main.js on an empty data folder (${firstStart.newDataFolder}) healthy in ${firstStart.ms} ms, peak RSS ${Math.round(firstStart.maxRssBytes / 1048576)} MB`);
      await cp(join(workDir, "data"), dir, { recursive: true });
      return firstStart;
    } finally {
      await api.close();
      await rm(workDir, { recursive: true, force: true });
    }
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
  opts: BenchOptions & { botCommand: BotCommand },
  core: CoreResult,
  breakdown: Breakdown,
  scenarios: BenchScenario[],
  emptyDatabase: string | undefined,
  firstStart: BenchResult["firstStart"],
  t0: number,
): Promise<BenchResult> {
  const run = (spec: PhaseSpec) => runPhase(spec, scenarios, opts, emptyDatabase);
  // The main run also records one screening per scenario: what the baseline replays.
  const mainRun = await run({ kind: "bot", name: "bot", tag: "M", concurrency: opts.concurrency, screenings: opts.screenings, record: opts.baseline, cpuProfileDir: opts.cpuProfileDir });
  const main = mainRun.result;
  if (opts.baseline) opts.log(`[baseline] replays ${mainRun.scripts.length} recorded screenings (of ${scenarios.length} scenarios)`);
  const baseline = opts.baseline
    ? (await run({ kind: "baseline", name: "baseline", tag: "B", concurrency: opts.concurrency, screenings: opts.screenings, scripts: mainRun.scripts })).result
    : null;

  const throughput =
    main.concurrency === opts.throughputUsers && main.thinkMs === 0
      ? main
      : (await run({ kind: "bot", name: "throughput", tag: "T", concurrency: opts.throughputUsers, screenings: opts.throughputScreenings, thinkMs: 0 })).result;

  const growth: PhaseResult[] = [];
  for (const level of opts.levels) {
    if (level === opts.concurrency) {
      growth.push(main);
      continue;
    }
    if (level === throughput.concurrency && opts.thinkMs === 0) {
      growth.push(throughput);
      continue;
    }
    growth.push((await run({ kind: "bot", name: `growth ${level}`, tag: `G${level.toString(36).toUpperCase()}`, concurrency: level, screenings: opts.levelScreenings(level) })).result);
  }

  // At human pace (skipped when the main run already is).
  if (opts.pacedThinkMs > 0 && opts.pacedThinkMs !== opts.thinkMs) {
    growth.push((await run({ kind: "bot", name: "paced", tag: "P", concurrency: opts.concurrency, screenings: opts.concurrency, thinkMs: opts.pacedThinkMs })).result);
  }

  const seeded =
    opts.seed > 0
      ? (
          await run({
            kind: "bot",
            name: "seeded",
            tag: "S",
            concurrency: opts.concurrency,
            screenings: opts.seededScreenings,
            seed: opts.seed,
            templates: Math.min(scenarios.length, Math.max(2, Math.ceil(opts.seed / 1000))),
          })
        ).result
      : null;

  const ratios = Object.fromEntries(LATENCIES.map((l) => [l.key, baseline ? ratio(main.latencies[l.key], baseline.latencies[l.key]) : null])) as BenchResult["ratios"];
  const cpuPerRequestRatio = baseline && baseline.cpuPerRequestMs > 0 ? round(main.cpuPerRequestMs / baseline.cpuPerRequestMs, 2) : null;
  const all = [...new Set([main, ...(baseline ? [baseline] : []), throughput, ...growth, ...(seeded ? [seeded] : [])])];
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
      throughputUsers: opts.throughputUsers,
      throughputScreenings: opts.throughputScreenings,
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
    cpuPerRequestRatio,
    callsPerStep: opts.baseline ? callsPerStep(mainRun.scripts) : null,
    throughput,
    growth,
    seeded,
    totalErrors: all.reduce((sum, p) => sum + p.errors, 0),
  };
  return { ...partial, targets: checkTargets(partial), durationMs: Date.now() - t0 };
}
