// The process under test, started by the bench with child_process.fork: either the real bot
// (startBot: rules, embedded PGlite in a temp folder, Bolt HTTP app, delivery worker), or the
// bare Bolt baseline. Its own process, so neither the load generator (another child) nor the
// Slack stand-in (in the parent) shares its event loop or counts in its memory and CPU time.
import { startBot, type RunningBot } from "../src/bot.js";
import { loadConfig } from "../src/config/env.js";
import { RedactingLogger } from "../src/log.js";
import { openDatabase, type Database } from "../src/store/database.js";
import { startBaseline } from "./baseline-app.js";
import { APPROVERS, BENCH_SECRETS, COMPLIANCE_CHANNEL, type ChildMessage, type ParentMessage, type ProcessStats, type StartRequest } from "./protocol.js";
import { measureBreakdown } from "./breakdown.js";
import { loadRules } from "./core.js";
import { escalatingScenarios, loadScenarios } from "./scenarios.js";
import { seedScreenings } from "./seed.js";

let db: Database | undefined;
let stopServer: (() => Promise<void>) | undefined;

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function stats(): Promise<ProcessStats> {
  const cpu = process.cpuUsage();
  const out: ProcessStats = {
    rssBytes: process.memoryUsage.rss(),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
  };
  if (db) {
    const [size] = await db.prisma.$queryRawUnsafe<Array<{ bytes: bigint | number }>>(`SELECT pg_database_size(current_database()) AS bytes`);
    out.dbBytes = Number(size?.bytes ?? 0);
    out.screenings = await db.prisma.screening.count();
    out.pendingDeliveries = await db.prisma.delivery.count({ where: { status: { in: ["pending", "sending"] } } });
    out.failedDeliveries = await db.prisma.delivery.count({ where: { status: "failed" } });
  }
  return out;
}

async function start(req: StartRequest): Promise<number> {
  const log = new RedactingLogger((line) => process.stderr.write(`${line}\n`), req.kind === "bot" ? "dd-bot" : "baseline");
  if (req.kind === "baseline") {
    log.addSecrets(BENCH_SECRETS.botToken, BENCH_SECRETS.signingSecret);
    const baseline = await startBaseline({
      signingSecret: BENCH_SECRETS.signingSecret,
      token: BENCH_SECRETS.botToken,
      slackApiUrl: req.slackApiUrl,
      processBeforeResponse: req.processBeforeResponse,
      log,
      scripts: req.scripts ?? [],
    });
    stopServer = () => baseline.stop();
    return baseline.port;
  }
  const loaded = loadConfig({
    SLACK_BOT_TOKEN: BENCH_SECRETS.botToken,
    SLACK_SIGNING_SECRET: BENCH_SECRETS.signingSecret,
    SLACK_API_URL: req.slackApiUrl,
    PORT: "0",
    COMPLIANCE_CHANNEL_ID: COMPLIANCE_CHANNEL,
    APPROVER_USER_IDS: APPROVERS.join(","),
    RULES_DIR: req.rulesDir,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  if (req.databaseUrl) db = await openDatabase({ url: req.databaseUrl });
  else if (req.dataDir) db = await openDatabase({ dataDir: req.dataDir });
  else throw new Error("the bot needs a data folder or a database URL");
  const bot: RunningBot = await startBot(loaded.config, log, { processBeforeResponse: req.processBeforeResponse, database: db });
  stopServer = () => bot.stop();
  if (bot.port === undefined) throw new Error("the bot did not report its port");
  return bot.port;
}

process.on("message", (raw: unknown) => {
  const message = raw as ParentMessage;
  void (async () => {
    try {
      switch (message.type) {
        case "start": {
          const t0 = performance.now();
          const port = await start(message);
          send({ type: "ready", port, startMs: performance.now() - t0 });
          return;
        }
        case "init": {
          // A new data folder: PGlite runs initdb, then the migrations run.
          const t0 = performance.now();
          const fresh = await openDatabase({ dataDir: message.dataDir });
          await fresh.close();
          send({ type: "initialised", ms: performance.now() - t0, stats: await stats() });
          process.disconnect?.();
          return;
        }
        case "breakdown": {
          const ruleSet = await loadRules(message.rulesDir);
          const breakdown = await measureBreakdown(ruleSet, escalatingScenarios(loadScenarios(ruleSet)), message.screenings);
          send({ type: "breakdown", breakdown });
          process.disconnect?.();
          return;
        }
        case "stats":
          send({ type: "stats", stats: await stats() });
          return;
        case "cpu": {
          const cpu = process.cpuUsage();
          send({ type: "cpu", cpuMs: (cpu.user + cpu.system) / 1000 });
          return;
        }
        case "seed": {
          if (!db) throw new Error("only the bot has a database to seed");
          const seeded = await seedScreenings(db.prisma, message.count);
          send({ type: "seeded", ...seeded });
          return;
        }
        case "stop": {
          await stopServer?.();
          const final = await stats();
          await db?.close();
          send({ type: "stopped", stats: final });
          process.disconnect?.();
          return;
        }
      }
    } catch (err) {
      send({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  })();
});

process.on("disconnect", () => {
  // The bench went away: do not linger.
  setTimeout(() => process.exit(0), 2_000).unref();
});
