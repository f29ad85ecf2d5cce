// A child process of the bench, started with child_process.fork (through tsx), for what is not
// the bot under test (that is `node dist/main.js`, bench/bot-process.ts):
//   - the bare Bolt baseline under load: its own process, so neither the load generator
//     (another child) nor the Slack stand-in (in the parent) shares its event loop or counts in
//     its memory and CPU time;
//   - the bench's database tools, run while the bot is stopped: what is in a phase's database
//     (screenings, deliveries, size) and seeding it with 10,000 screenings;
//   - the use-case breakdown on an in-memory database.
import { RedactingLogger } from "../src/log.js";
import { openDatabase, type Database } from "../src/store/database.js";
import { startBaseline } from "./baseline-app.js";
import { BENCH_SECRETS, type ChildMessage, type DatabaseFacts, type DatabaseTarget, type ParentMessage, type ProcessStats, type StartRequest } from "./protocol.js";
import { measureBreakdown } from "./breakdown.js";
import { loadRules } from "./core.js";
import { escalatingScenarios, loadScenarios } from "./scenarios.js";
import { seedScreenings } from "./seed.js";

let stopServer: (() => Promise<void>) | undefined;

function send(message: ChildMessage): void {
  process.send?.(message);
}

function stats(): ProcessStats {
  const cpu = process.cpuUsage();
  return {
    rssBytes: process.memoryUsage.rss(),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
  };
}

function open(target: DatabaseTarget): Promise<Database> {
  return target.databaseUrl ? openDatabase({ url: target.databaseUrl }) : openDatabase({ dataDir: target.dataDir });
}

async function facts(db: Database): Promise<DatabaseFacts> {
  const [size] = await db.prisma.$queryRawUnsafe<Array<{ bytes: bigint | number }>>(`SELECT pg_database_size(current_database()) AS bytes`);
  return {
    dbBytes: Number(size?.bytes ?? 0),
    screenings: await db.prisma.screening.count(),
    pendingDeliveries: await db.prisma.delivery.count({ where: { status: { in: ["pending", "sending"] } } }),
    failedDeliveries: await db.prisma.delivery.count({ where: { status: "failed" } }),
  };
}

async function start(req: StartRequest): Promise<number> {
  const log = new RedactingLogger((line) => process.stderr.write(`${line}\n`), "baseline");
  log.addSecrets(BENCH_SECRETS.botToken, BENCH_SECRETS.signingSecret);
  const baseline = await startBaseline({
    signingSecret: BENCH_SECRETS.signingSecret,
    token: BENCH_SECRETS.botToken,
    slackApiUrl: req.slackApiUrl,
    processBeforeResponse: req.processBeforeResponse,
    log,
    scripts: req.scripts,
  });
  stopServer = () => baseline.stop();
  return baseline.port;
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
        case "inspect": {
          const db = await open(message.target);
          try {
            send({ type: "facts", facts: await facts(db) });
          } finally {
            await db.close();
          }
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
        case "cpu": {
          const cpu = process.cpuUsage();
          send({ type: "cpu", cpuMs: (cpu.user + cpu.system) / 1000 });
          return;
        }
        case "seed": {
          const db = await open(message.target);
          try {
            const seeded = await seedScreenings(db.prisma, message.count);
            send({ type: "seeded", ...seeded });
          } finally {
            await db.close();
          }
          process.disconnect?.();
          return;
        }
        case "stop": {
          await stopServer?.();
          send({ type: "stopped", stats: stats() });
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
