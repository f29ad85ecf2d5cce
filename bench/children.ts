// Parent side of the process under test: fork bench/server.ts (through tsx), ask it things over
// IPC one at a time, and keep an eye on what it logs (warnings and errors are counted: a
// listener error or a failed delivery is a bench error even when every request looked fine).
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Breakdown } from "./breakdown.js";
import type { ChildMessage, ParentMessage, ProcessStats, ServerKind, StartRequest } from "./protocol.js";

const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));

export interface ServerLogSummary {
  warnings: number;
  errors: number;
  /** the first few warning and error lines, for the report */
  samples: string[];
}

export class ServerProcess {
  private readonly child: ChildProcess;
  private waiting: ((m: ChildMessage) => void) | null = null;
  private exited: Promise<number | null>;
  private stderrTail = "";
  private partialLine = "";
  readonly log: ServerLogSummary = { warnings: 0, errors: 0, samples: [] };
  port = 0;
  startMs = 0;

  private constructor(
    readonly kind: ServerKind,
    opts: { cpuProfileDir?: string | undefined },
  ) {
    const execArgv = ["--import", "tsx", ...(opts.cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", opts.cpuProfileDir] : [])];
    this.child = fork(SERVER, [], { execArgv, stdio: ["ignore", "ignore", "pipe", "ipc"], env: { ...process.env, NODE_ENV: "production" } });
    this.child.on("message", (m: unknown) => this.deliver(m as ChildMessage));
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (chunk: string) => this.readLog(chunk));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  static async start(req: Omit<StartRequest, "type">, opts: { cpuProfileDir?: string | undefined } = {}): Promise<ServerProcess> {
    const server = new ServerProcess(req.kind, opts);
    const ready = await server.ask({ type: "start", ...req }, 120_000);
    if (ready.type !== "ready") throw new Error(`the ${req.kind} did not start: ${JSON.stringify(ready)}`);
    server.port = ready.port;
    server.startMs = ready.startMs;
    return server;
  }

  /** Creates and migrates an embedded database in `dataDir` in a process of its own (PGlite's initdb). */
  static async initDatabase(dataDir: string): Promise<{ ms: number; stats: ProcessStats }> {
    const server = new ServerProcess("bot", {});
    try {
      const m = await server.ask({ type: "init", dataDir }, 180_000);
      if (m.type !== "initialised") throw new Error(`could not create the database: ${JSON.stringify(m)}`);
      await server.exited;
      return m;
    } finally {
      server.kill();
    }
  }

  /** The use-case breakdown (bench/breakdown.ts), in a process of its own. */
  static async breakdown(rulesDir: string, screenings: number): Promise<Breakdown> {
    const server = new ServerProcess("bot", {});
    try {
      const m = await server.ask({ type: "breakdown", rulesDir, screenings }, 600_000);
      if (m.type !== "breakdown") throw new Error(`the breakdown failed: ${JSON.stringify(m)}`);
      await server.exited;
      return m.breakdown;
    } finally {
      server.kill();
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async stats(): Promise<ProcessStats> {
    const m = await this.ask({ type: "stats" });
    if (m.type !== "stats") throw new Error(`unexpected answer to stats: ${JSON.stringify(m)}`);
    return m.stats;
  }

  async seed(count: number): Promise<{ added: number; auditEvents: number; ms: number; sqlMs: number; auditMs: number }> {
    const m = await this.ask({ type: "seed", count }, 900_000);
    if (m.type !== "seeded") throw new Error(`seeding failed: ${m.type === "error" ? m.message : JSON.stringify(m)}`);
    return m;
  }

  /** Stops the server and returns its last stats (peak RSS, CPU time, database size). */
  async stop(): Promise<ProcessStats> {
    const m = await this.ask({ type: "stop" }, 60_000);
    const code = await Promise.race([this.exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 15_000).unref())]);
    if (code === "timeout") this.child.kill("SIGKILL");
    if (m.type !== "stopped") throw new Error(`the ${this.kind} did not stop cleanly: ${JSON.stringify(m)}`);
    return m.stats;
  }

  /** For failures: make sure the child is gone. */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }

  private ask(message: ParentMessage, timeoutMs = 30_000): Promise<ChildMessage> {
    if (this.waiting) throw new Error("one question at a time");
    const answer = new Promise<ChildMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new Error(`the ${this.kind} did not answer ${message.type} within ${timeoutMs} ms; last log: ${this.log.samples.slice(-3).join(" | ")}`));
      }, timeoutMs);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        this.waiting = null;
        reject(new Error(`the ${this.kind} exited (${code}) before answering ${message.type}: ${this.stderrTail.slice(-2000)}`));
      };
      this.child.once("exit", onExit);
      this.waiting = (m) => {
        clearTimeout(timer);
        this.child.off("exit", onExit);
        this.waiting = null;
        if (m.type === "error") reject(new Error(`the ${this.kind} failed: ${m.message}`));
        else resolve(m);
      };
    });
    this.child.send(message);
    return answer;
  }

  private deliver(m: ChildMessage): void {
    // Answers come one per question; one arriving after its question timed out is dropped.
    this.waiting?.(m);
  }

  private readLog(chunk: string): void {
    this.stderrTail = (this.stderrTail + chunk).slice(-20_000);
    const lines = (this.partialLine + chunk).split("\n");
    this.partialLine = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      let level = "";
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed && typeof parsed === "object" && "level" in parsed) level = String(parsed.level);
      } catch {
        level = /error/i.test(line) ? "error" : "";
      }
      if (level === "warn") this.log.warnings++;
      if (level === "error") this.log.errors++;
      if ((level === "warn" || level === "error") && this.log.samples.length < 10) this.log.samples.push(line.slice(0, 400));
    }
  }
}
