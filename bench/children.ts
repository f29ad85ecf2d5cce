// Parent side of the child processes:
//   - ServerProcess: fork bench/server.ts (through tsx) for the baseline under test or a database
//     tool, ask it things over IPC one at a time, and keep an eye on what it logs (LogWatch; the
//     bot under test, `node dist/main.js`, is bench/bot-process.ts);
//   - LoadProcess, the load generator: fork bench/load-child.ts, hand it a load to run, and serve
//     it the Slack Web API stand-in, which lives here, in the parent: the calls it waits for are
//     sent to it as the stand-in records them, stamped on the monotonic clock, and its questions
//     (response URLs, what Slack shows after a view submission, a message) are answered.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ApiCall, FakeSlackApi, Json } from "../src/sandbox/slack-api.js";
import type { Breakdown } from "./breakdown.js";
import { watchedResponse, watchKeys, type LoadResult, type RecordedCall, type ScriptQuery } from "./driver.js";
import {
  monotonicMs,
  type ChildMessage,
  type LoadChildMessage,
  type LoadParentMessage,
  type LoadRun,
  type ParentMessage,
  type DatabaseFacts,
  type DatabaseTarget,
  type ProcessStats,
  type StandInRequest,
  type StartRequest,
} from "./protocol.js";

const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));
const LOAD = fileURLToPath(new URL("./load-child.ts", import.meta.url));

export interface ServerLogSummary {
  warnings: number;
  errors: number;
  /** the first few warning and error lines, for the report */
  samples: string[];
}

/**
 * What an app under test writes to stderr: its JSON log lines, warnings and errors counted (a
 * listener error or a failed delivery is a bench error even when every request looked fine).
 */
export class LogWatch {
  readonly summary: ServerLogSummary = { warnings: 0, errors: 0, samples: [] };
  tail = "";
  private partialLine = "";

  read(chunk: string): void {
    this.tail = (this.tail + chunk).slice(-20_000);
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
      if (level === "warn") this.summary.warnings++;
      if (level === "error") this.summary.errors++;
      if ((level === "warn" || level === "error") && this.summary.samples.length < 10) this.summary.samples.push(line.slice(0, 400));
    }
  }
}

/** A forked bench/server.ts: the baseline under test, or one database tool run. */
export class ServerProcess {
  private readonly child: ChildProcess;
  private waiting: ((m: ChildMessage) => void) | null = null;
  private exited: Promise<number | null>;
  private readonly watch = new LogWatch();
  readonly log: ServerLogSummary = this.watch.summary;
  port = 0;
  startMs = 0;

  private constructor(readonly kind: "baseline" | "tool") {
    this.child = fork(SERVER, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "pipe", "ipc"], env: { ...process.env, NODE_ENV: "production" } });
    this.child.on("message", (m: unknown) => this.deliver(m as ChildMessage));
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (chunk: string) => this.watch.read(chunk));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  static async startBaseline(req: Omit<StartRequest, "type">): Promise<ServerProcess> {
    const server = new ServerProcess("baseline");
    const ready = await server.ask({ type: "start", ...req }, 120_000);
    if (ready.type !== "ready") throw new Error(`the baseline did not start: ${JSON.stringify(ready)}`);
    server.port = ready.port;
    server.startMs = ready.startMs;
    return server;
  }

  /** What is in a phase's database (the bot stopped, for an embedded one). */
  static async inspect(target: DatabaseTarget): Promise<DatabaseFacts> {
    const m = await ServerProcess.once({ type: "inspect", target }, 120_000);
    if (m.type !== "facts") throw new Error(`could not read the database: ${JSON.stringify(m)}`);
    return m.facts;
  }

  /** Adds `count` screenings copied from the finished ones (bench/seed.ts), the bot stopped. */
  static async seed(target: DatabaseTarget, count: number): Promise<{ added: number; auditEvents: number; ms: number; sqlMs: number; auditMs: number }> {
    const m = await ServerProcess.once({ type: "seed", target, count }, 900_000);
    if (m.type !== "seeded") throw new Error(`seeding failed: ${JSON.stringify(m)}`);
    return m;
  }

  /** The use-case breakdown (bench/breakdown.ts), in a process of its own. */
  static async breakdown(rulesDir: string, screenings: number): Promise<Breakdown> {
    const m = await ServerProcess.once({ type: "breakdown", rulesDir, screenings }, 600_000);
    if (m.type !== "breakdown") throw new Error(`the breakdown failed: ${JSON.stringify(m)}`);
    return m.breakdown;
  }

  private static async once(message: ParentMessage, timeoutMs: number): Promise<ChildMessage> {
    const tool = new ServerProcess("tool");
    try {
      const m = await tool.ask(message, timeoutMs);
      await tool.exited;
      return m;
    } finally {
      tool.kill();
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The process's CPU time so far (user + system). */
  async cpuMs(): Promise<number> {
    const m = await this.ask({ type: "cpu" });
    if (m.type !== "cpu") throw new Error(`unexpected answer to cpu: ${JSON.stringify(m)}`);
    return m.cpuMs;
  }

  /** Stops the baseline and returns its last stats (peak RSS, CPU time). */
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
        reject(new Error(`the ${this.kind} exited (${code}) before answering ${message.type}: ${this.watch.tail.slice(-2000)}`));
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
}

/** The load generator's process; the stand-in it drives against stays in this process. */
export class LoadProcess {
  private readonly child: ChildProcess;
  private stderrTail = "";
  private readonly exited: Promise<number | null>;

  constructor() {
    this.child = fork(LOAD, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "pipe", "ipc"], env: { ...process.env, NODE_ENV: "production" } });
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-20_000);
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Runs one load to its end; `hooks` hear about the measurement window and progress. */
  run(api: FakeSlackApi, load: LoadRun, hooks: { onWindow?: (edge: "start" | "end") => void; onProgress?: (done: number, total: number) => void } = {}): Promise<LoadResult> {
    const channel = load.ids.complianceChannel;
    const post = (m: LoadParentMessage) => {
      if (this.child.connected) this.child.send(m);
    };
    const unsubscribe = api.subscribe((event) => {
      if (event.kind !== "call") return;
      // Stamped here, as the stand-in records the call: IPC delivery time is not the app's.
      const at = monotonicMs();
      const call = event.call;
      stamps.set(call, at);
      const keys = watchKeys(call, channel);
      // Sent once the stand-in has answered the call (the listener runs before it does).
      if (keys.length > 0) queueMicrotask(() => post({ type: "call", call: { keys, at, method: call.method, response: watchedResponse(call) } }));
    });
    return new Promise<LoadResult>((resolve, reject) => {
      const onExit = (code: number | null) => {
        finish();
        reject(new Error(`the load generator exited (${code}) during the load: ${this.stderrTail.slice(-2000)}`));
      };
      const onMessage = (raw: unknown) => {
        const m = raw as LoadChildMessage;
        switch (m.type) {
          case "ask":
            answer(api, m.request).then(
              (value) => post({ type: "answer", id: m.id, ok: true, value }),
              (err: unknown) => post({ type: "answer", id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
            );
            return;
          case "window":
            hooks.onWindow?.(m.edge);
            return;
          case "progress":
            hooks.onProgress?.(m.done, m.total);
            return;
          case "done":
            finish();
            resolve(m.result);
            return;
          case "error":
            finish();
            reject(new Error(`the load generator failed: ${m.message}`));
            return;
        }
      };
      const finish = () => {
        unsubscribe();
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
      };
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
      post({ type: "run", run: load });
    });
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    const code = await Promise.race([this.exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 5_000).unref())]);
    if (code === "timeout") this.kill();
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

/** When the stand-in recorded each call (monotonicMs), for calls recorded while a load ran. */
const stamps = new WeakMap<ApiCall, number>();
const argsText = new WeakMap<ApiCall, string>();

async function answer(api: FakeSlackApi, request: StandInRequest): Promise<unknown> {
  switch (request.method) {
    case "responseUrl":
      return api.responseUrl(undefined, request.origin);
    case "applyResponseAction":
      return api.applyResponseAction(request.viewId, request.ack);
    case "message": {
      // The load reads the message's blocks and sends it back in a block_actions payload, which
      // leaves its thread replies out: they need not cross to the load generator.
      const message = api.message(request.channel, request.ts);
      return message && { ...message, replies: [] };
    }
    case "view":
      return api.view(request.id);
    case "settle":
      return settle(api, request.tokens, request.quietMs);
    case "script":
      return recordedCalls(api, request.query);
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether a call's arguments name one of the tokens (whole: "UB1" does not name "UB12"). */
function naming(tokens: readonly string[]): (call: ApiCall) => boolean {
  const pattern = new RegExp(`(?<![A-Za-z0-9.])(?:${tokens.map(escapeRegExp).join("|")})(?![A-Za-z0-9])`);
  return (call) => {
    let text = argsText.get(call);
    if (text === undefined) {
      text = JSON.stringify(call.args);
      argsText.set(call, text);
    }
    return pattern.test(text);
  };
}

/** Calls recorded at or after `since` (newest first), while a load ran. */
function* callsSince(api: FakeSlackApi, since: number): Generator<{ call: ApiCall; at: number }> {
  for (let i = api.calls.length - 1; i >= 0; i--) {
    const call = api.calls[i] as ApiCall;
    const at = stamps.get(call);
    if (at === undefined || at < since) return;
    yield { call, at };
  }
}

/** Resolves once no call naming one of `tokens` has been recorded for `quietMs` (at most 10 s). */
async function settle(api: FakeSlackApi, tokens: readonly string[], quietMs: number): Promise<void> {
  const named = naming(tokens);
  const started = monotonicMs();
  const deadline = started + 10_000;
  for (;;) {
    const now = monotonicMs();
    let last = started;
    for (const { call, at } of callsSince(api, now - quietMs)) {
      if (named(call)) {
        last = Math.max(last, at);
        break;
      }
    }
    if (now - last >= quietMs || now > deadline) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The calls of one recorded screening (their arguments name one of its tokens), each given to the last step sent before it. */
function recordedCalls(api: FakeSlackApi, q: ScriptQuery): RecordedCall[][] {
  const named = naming(q.tokens);
  const first = q.steps[0]?.sentAt ?? 0;
  const out: RecordedCall[][] = q.steps.map(() => []);
  const found = [...callsSince(api, first)].reverse().filter(({ call }) => named(call));
  for (const { call, at } of found) {
    let step = -1;
    for (let i = 0; i < q.steps.length; i++) if ((q.steps[i]?.sentAt ?? Infinity) <= at) step = i;
    const view = call.response?.view as { id?: unknown; hash?: unknown } | undefined;
    const ts = call.response?.ts;
    out[step]?.push({
      method: call.method,
      args: call.args,
      response: {
        ...(typeof view?.id === "string" ? { viewId: view.id } : {}),
        ...(typeof view?.hash === "string" ? { viewHash: view.hash } : {}),
        ...(typeof ts === "string" ? { ts } : {}),
      },
    });
  }
  return out;
}
