// Real bot processes, started the way production starts them (`node --import tsx src/main.ts`
// with the environment of the README), each in its own working directory, all on one
// PostgreSQL database. Their Slack is the project's Web API stand-in running in the test
// process, optionally behind a proxy that can make Slack slow for one instance.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";
import { SlackRequestSender } from "../../../src/sandbox/slack-requests.js";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
export const SIGNING_SECRET = "multiSigningSecret0123456789abcd";
export const BOT_TOKEN = "xoxb-multi-0000-fake";
export const COMPLIANCE = "C0COMPLIANCE";
export const APPROVERS = ["UAPPROVER1", "UAPPROVER2", "UAPPROVER3"] as const;

const TSX_LOADER = pathToFileURL(join(REPO, "node_modules/tsx/dist/loader.mjs")).href;
const MAIN = join(REPO, "src/main.ts");

const LogLine = z.looseObject({ level: z.string(), msg: z.string() });
export type LogLine = z.infer<typeof LogLine>;

export interface Instance {
  /** "A", "B", …: how tests and failure messages name it */
  readonly name: string;
  readonly port: number;
  readonly baseUrl: string;
  /** signs requests with the app's secret and posts them to this instance's /slack/events */
  readonly sender: SlackRequestSender;
  /** the process's structured log lines, oldest first */
  readonly logs: LogLine[];
  /** everything it wrote to stderr, for failure messages */
  output(): string;
  /** SIGTERM (the graceful stop), then waits for the exit; SIGKILL after 15 s */
  stop(): Promise<number | null>;
}

export interface InstanceOptions {
  databaseUrl: string;
  slackApiUrl: string;
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
// A crashed test run must not leave bot processes behind.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Starts one bot process and resolves once it listens and /healthz answers 200. */
export async function startInstance(name: string, opts: InstanceOptions): Promise<Instance> {
  const cwd = await mkdtemp(join(tmpdir(), `dd-multi-${name}-`));
  const child = spawn(process.execPath, ["--import", TSX_LOADER, MAIN], {
    cwd,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? cwd,
      TMPDIR: tmpdir(),
      TSX_TSCONFIG_PATH: join(REPO, "tsconfig.json"),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: opts.slackApiUrl,
      // 0: the operating system picks a free port; the bot logs the one it got.
      PORT: "0",
      DATABASE_URL: opts.databaseUrl,
      COMPLIANCE_CHANNEL_ID: COMPLIANCE,
      APPROVER_USER_IDS: APPROVERS.join(","),
      SLACK_REQUEST_BUDGET_MS: "30000",
      RULES_DIR: join(REPO, "rules"),
      ...opts.env,
    },
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => running.delete(child));

  const logs: LogLine[] = [];
  let stderr = "";
  let partial = "";
  let onLine: ((line: LogLine) => void) | null = null;
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr += chunk;
    partial += chunk;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const text of lines) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        continue;
      }
      const line = LogLine.safeParse(parsed);
      if (!line.success) continue;
      logs.push(line.data);
      onLine?.(line.data);
    }
  });

  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
        await rm(cwd, { recursive: true, force: true });
      }
    }
    await rm(cwd, { recursive: true, force: true });
    return child.exitCode;
  };

  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`instance ${name} did not start within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
      const started = (line: LogLine) => {
        if (line.msg !== "bot started") return;
        const p = z.number().int().positive().safeParse(line.port);
        clearTimeout(timer);
        if (p.success) resolve(p.data);
        else reject(new Error(`instance ${name} started without a port: ${JSON.stringify(line)}`));
      };
      for (const line of logs) started(line);
      onLine = started;
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`instance ${name} exited with ${code} before it started:\n${stderr}`));
      });
    });
    onLine = null;
    await waitForHealth(`http://127.0.0.1:${port}`, timeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }

  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    name,
    port,
    baseUrl,
    sender: new SlackRequestSender(baseUrl, SIGNING_SECRET),
    logs,
    output: () => stderr,
    stop,
  };
}

/** Starts several instances at the same moment; if one fails, the others are stopped. */
export async function startInstances(names: string[], opts: InstanceOptions | ((name: string) => InstanceOptions)): Promise<Instance[]> {
  const results = await Promise.allSettled(names.map((name) => startInstance(name, typeof opts === "function" ? opts(name) : opts)));
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(started.map((i) => i.stop()));
    throw failed.reason;
  }
  return started;
}

export async function waitForHealth(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${baseUrl}/healthz did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

/**
 * A proxy in front of the Slack stand-in that can hold chosen Web API methods for a while
 * before passing them on: Slack being slow for one instance.
 */
export interface SlackProxy {
  /** the SLACK_API_URL to give an instance */
  readonly url: string;
  /** delay, in ms, before each call to these methods is passed on (0 removes it) */
  slow(method: string, ms: number): void;
  close(): Promise<void>;
}

export async function startSlackProxy(targetBaseUrl: string): Promise<SlackProxy> {
  const delays = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const path = req.url ?? "/";
        const method = path.replace(/^\/api\//, "").replace(/\?.*$/, "");
        const delay = delays.get(method) ?? 0;
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
        try {
          const answer = await fetch(`${targetBaseUrl}${path}`, { method: req.method ?? "POST", headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined });
          const out: Record<string, string> = {};
          for (const k of ["content-type", "retry-after"]) {
            const v = answer.headers.get(k);
            if (v !== null) out[k] = v;
          }
          res.writeHead(answer.status, out);
          res.end(Buffer.from(await answer.arrayBuffer()));
        } catch {
          res.destroy();
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the Slack proxy is not listening on a TCP port");
  return {
    url: `http://127.0.0.1:${address.port}/api/`,
    slow(method, ms) {
      if (ms > 0) delays.set(method, ms);
      else delays.delete(method);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
