// The real bot as a child process (`node --import tsx src/main.ts`), exactly as an operator
// starts it: configuration from the environment, the embedded database in ./data of its
// working directory, Slack's Web API at SLACK_API_URL (the test's fake). The test kills it with
// SIGKILL wherever it likes and starts it again on the same folder.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SlackRequestSender } from "../../../src/sandbox/slack-requests.js";
import { waitUntil } from "./instances.js";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const TSX_LOADER = pathToFileURL(join(REPO, "node_modules", "tsx", "dist", "loader.mjs")).href;

export interface BotProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  sender: SlackRequestSender;
  /** everything the process wrote to stdout and stderr so far */
  output(): string;
  /** SIGKILL, then waits until the process is gone */
  kill(): Promise<void>;
  /** resolves with the exit code (or signal) once the process ended */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function freePort(): Promise<number> {
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

export async function startBotProcess(opts: { cwd: string; env: Record<string, string>; signingSecret: string; startTimeoutMs?: number }): Promise<BotProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", TSX_LOADER, join(REPO, "src", "main.ts")], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", ...opts.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));
  const baseUrl = `http://127.0.0.1:${port}`;
  const proc: BotProcess = {
    child,
    port,
    baseUrl,
    sender: new SlackRequestSender(baseUrl, opts.signingSecret),
    output: () => out,
    exited,
    async kill() {
      if (!gone) child.kill("SIGKILL");
      await exited;
    },
  };
  try {
    await waitUntil(
      async () => {
        if (gone) throw new Error(`the bot exited before it was healthy:\n${out}`);
        return fetch(`${baseUrl}/healthz`).then(
          (r) => r.status === 200,
          () => false,
        );
      },
      opts.startTimeoutMs ?? 45_000,
      "the bot process to answer /healthz",
      50,
    );
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return proc;
}
