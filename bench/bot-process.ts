// The bot under test, as production runs it: `node [the start script's flags] dist/main.js` in
// a working folder of its own (its embedded database in ./data there), configured by the
// environment only, as an operator would. Nothing of the bench runs inside it: its CPU time and
// memory are read from outside, from /proc (Linux), and its database is looked at by another
// process while it is stopped (bench/children.ts ToolProcess).
import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { LogWatch, type ServerLogSummary } from "./children.js";
import type { BotCommand } from "./build.js";
import { APPROVERS, BENCH_SECRETS, COMPLIANCE_CHANNEL } from "./protocol.js";

export interface BotStart {
  command: BotCommand;
  /** the working folder: the embedded database lives in its ./data */
  workDir: string;
  slackApiUrl: string;
  rulesDir: string;
  /** a PostgreSQL database instead of the embedded one */
  databaseUrl?: string | undefined;
  /** write a V8 CPU profile of the whole run (node --cpu-prof) into this folder */
  cpuProfileDir?: string | undefined;
  /** how long the start may take (a first start on an empty folder without a prebuilt database runs initdb) */
  timeoutMs?: number;
}

export interface BotMemory {
  rssBytes: number;
  /** the process's peak resident set so far (VmHWM) */
  peakRssBytes: number;
}

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export class BotProcess {
  private readonly watch = new LogWatch();
  readonly log: ServerLogSummary = this.watch.summary;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private lastMemory: BotMemory = { rssBytes: 0, peakRssBytes: 0 };

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly startedAt: number,
  ) {
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => this.watch.read(chunk));
    // stdout carries nothing the bench needs; keep the pipe drained.
    child.stdout?.resume();
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  /** Milliseconds from spawning node to the first 200 from /healthz. */
  startMs = 0;

  static async start(opts: BotStart): Promise<BotProcess> {
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "production",
      PORT: String(port),
      SLACK_BOT_TOKEN: BENCH_SECRETS.botToken,
      SLACK_SIGNING_SECRET: BENCH_SECRETS.signingSecret,
      SLACK_API_URL: opts.slackApiUrl,
      COMPLIANCE_CHANNEL_ID: COMPLIANCE_CHANNEL,
      APPROVER_USER_IDS: APPROVERS.join(","),
      RULES_DIR: resolve(opts.rulesDir),
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    };
    const profile = opts.cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", opts.cpuProfileDir] : [];
    const t0 = performance.now();
    const child = spawn(process.execPath, [...opts.command.nodeFlags, ...profile, opts.command.entry], { cwd: opts.workDir, env, stdio: ["ignore", "pipe", "pipe"] });
    const bot = new BotProcess(child, port, t0);
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the bot exited before it was healthy: ${bot.watch.tail.slice(-2000)}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) {
        bot.kill();
        throw new Error(`the bot was not healthy within ${opts.timeoutMs ?? 120_000} ms: ${bot.watch.tail.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    bot.startMs = performance.now() - t0;
    return bot;
  }

  /** How the bot said it made a new data folder ("bot started" log line), if it made one. */
  get newDataFolder(): string | undefined {
    return /"newDataFolder":"([^"]*)"/.exec(this.watch.tail)?.[1];
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** User + system CPU time so far, from /proc/PID/stat (clock ticks, 10 ms on Linux). */
  cpuMs(): number {
    const stat = readFileSync(`/proc/${this.child.pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the whole line, so 12 and 13 after the name.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks / TICKS_PER_SECOND) * 1000;
  }

  /** Resident memory now and at its peak, from /proc/PID/status. */
  memory(): BotMemory {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
      const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
      this.lastMemory = { rssBytes: kb("VmRSS"), peakRssBytes: kb("VmHWM") };
    } catch {
      // gone: the last reading stands
    }
    return this.lastMemory;
  }

  /** SIGTERM, as an operator stops it; the peak RSS is read just before. */
  async stop(timeoutMs = 15_000): Promise<{ memory: BotMemory; code: number | null; signal: NodeJS.Signals | null }> {
    const memory = this.memory();
    this.child.kill("SIGTERM");
    const exit = await Promise.race([this.exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs).unref())]);
    if (exit === "timeout") {
      this.kill();
      throw new Error(`the bot did not stop within ${timeoutMs} ms of SIGTERM: ${this.watch.tail.slice(-2000)}`);
    }
    return { memory, ...exit };
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
