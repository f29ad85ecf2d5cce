// Entry point: validate env → start the bot (or, without Slack credentials, the local
// sandbox) → stop gracefully on SIGINT/SIGTERM.
import { getHeapStatistics } from "node:v8";
import { startBot, StartupError, type RunningBot } from "./bot.js";
import { configWarnings, loadConfig } from "./config/env.js";
import { heapWarning } from "./config/heap.js";
import { RedactingLogger } from "./log.js";

async function main(): Promise<void> {
  const log = new RedactingLogger();
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`Configuration problems (nothing was started):\n${loaded.problems.map((p) => `  ${p}`).join("\n")}\n`);
    process.exit(2);
  }
  const config = loaded.config;
  for (const w of configWarnings(config)) log.warn(w);

  // Signals are heard from the start: a stop asked for while the bot is still starting (its
  // health endpoint can answer before start-up has finished) waits for the start to finish,
  // then stops it as any other, releasing the data folder.
  let bot: RunningBot | undefined;
  let stopping = false;
  let stopWhenStarted: string | undefined;
  const stop = async (signal: string) => {
    if (stopping) return;
    if (!bot) {
      if (!stopWhenStarted) log.info("stop requested while starting: stopping once started", { signal });
      stopWhenStarted ??= signal;
      return;
    }
    stopping = true;
    log.info("stopping", { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await bot.stop().catch((err: unknown) => log.error("error while stopping", { error: err instanceof Error ? err.message : String(err) }));
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  try {
    if (config.mode === "sandbox") {
      const { startSandbox } = await import("./sandbox/run.js");
      bot = await startSandbox(config, log, { reset: process.argv.includes("--reset") });
    } else {
      bot = await startBot(config, log);
    }
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`${err.lines.join("\n")}\n`);
    } else {
      process.stderr.write(`${log.redact(`Could not start: ${err instanceof Error ? err.message : String(err)}`)}\n`);
    }
    process.exit(1);
  }

  const heap = getHeapStatistics();
  const tight = heapWarning({ usedBytes: heap.used_heap_size, limitBytes: heap.heap_size_limit });
  if (tight) log.warn(tight);

  if (stopWhenStarted) await stop(stopWhenStarted);
}

void main();
