// Production runs the compiled bot: `npm run build` compiles src/ into dist/, and
// `node dist/main.js` (what `npm start` runs after building) must find everything it reads from
// disk relative to itself (prisma/migrations, the sandbox page's files) and start on an empty
// data folder, from the empty database the build prepared (no initdb). Without Slack
// credentials it runs the local sandbox, as on a fresh machine.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../bench/bot-process.js";
import { startCommand, withBuildLock } from "../../bench/build.js";
import { LOCK_FILE } from "../../src/store/data-lock.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("the compiled bot (npm run build, node dist/main.js)", () => {
  let workDir: string | undefined;
  let bot: ChildProcess | undefined;

  afterAll(async () => {
    if (bot && bot.exitCode === null && bot.signalCode === null) bot.kill("SIGKILL");
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  // Under the build lock shared with the bench (bench/build.ts), which builds and runs dist/ too.
  it("builds, starts the sandbox on an empty data folder, answers /healthz and the page, and stops on SIGTERM, also one sent while it is starting", () => withBuildLock(async () => {
    const build = await run("npm", ["run", "-s", "build"], REPO, 120_000);
    expect(build.code, `npm run build failed:\n${build.output}`).toBe(0);
    expect(existsSync(join(REPO, "dist", "main.js"))).toBe(true);
    expect(existsSync(join(REPO, "dist", "sandbox", "web", "index.html"))).toBe(true);

    workDir = await mkdtemp(join(tmpdir(), "dd-build-"));
    const port = await freePort();
    // As `npm start` runs it, node flags included (package.json's start script).
    const command = await startCommand();
    expect(command.entry).toBe(join(REPO, "dist", "main.js"));
    const first = startCompiled(command, workDir, port);
    const child = first.child;
    bot = child;
    const exited = first.exited;

    // The first start on an empty folder runs PGlite's initdb and every migration.
    await waitUntil(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the bot exited before it was healthy:\n${first.output}`);
        return fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status === 200,
          () => false,
        );
      },
      90_000,
      () => `GET /healthz to answer 200; output so far:\n${first.output}`,
    );
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { ok?: unknown; database?: unknown };
    expect(health).toMatchObject({ ok: true, database: "ok" });
    expect(existsSync(join(workDir, "data", "pglite", "PG_VERSION"))).toBe(true);
    // The build wrote the empty database a new folder starts from: no initdb on the first start.
    expect(existsSync(join(REPO, "dist", "empty-database.tar.gz"))).toBe(true);
    expect(first.output).toContain("created from the build's empty database");

    // The sandbox page is served from dist/sandbox/web, copied there by the build.
    await waitUntil(() => /Open (http:\/\/127\.0\.0\.1:\d+\/)/.test(first.output), 10_000, () => `the sandbox to print its URL; output:\n${first.output}`);
    const pageUrl = /Open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(first.output)?.[1] ?? "";
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);

    child.kill("SIGTERM");
    const exit = await Promise.race([exited, new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 15_000))]);
    expect(exit, `did not stop within 15 s of SIGTERM:\n${first.output}`).toEqual({ code: 0, signal: null });

    // A SIGTERM while the bot is still starting (its data folder just locked, the database not yet
    // open) is heard: the start finishes, then the bot stops as usual and releases the folder.
    const early = join(workDir, "early");
    await mkdir(early, { recursive: true });
    const starting = startCompiled(command, early, await freePort());
    const second = starting.child;
    bot = second;
    const secondExited = starting.exited;
    const lockFile = join(early, "data", LOCK_FILE);
    await waitUntil(
      () => {
        if (second.exitCode !== null || second.signalCode !== null) throw new Error(`the bot exited before it locked its data folder:\n${starting.output}`);
        return existsSync(lockFile);
      },
      60_000,
      () => `the data folder to be locked; output so far:\n${starting.output}`,
      5,
    );
    second.kill("SIGTERM");
    const secondExit = await Promise.race([secondExited, new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 30_000))]);
    expect(secondExit, `a SIGTERM during start-up:\n${starting.output}`).toEqual({ code: 0, signal: null });
    expect(starting.output).toMatch(/"msg":"stopping","signal":"SIGTERM"/);
    expect(existsSync(lockFile), "the data folder's lock released").toBe(false);
  }), 600_000);
});

/**
 * `node [the start script's flags] dist/main.js` in `cwd` with only what an operator would set:
 * no Slack credentials (so the sandbox), no DATABASE_URL (so the embedded database in ./data).
 */
function startCompiled(command: { nodeFlags: string[]; entry: string }, cwd: string, port: number) {
  const child = spawn(process.execPath, [...command.nodeFlags, command.entry], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", PORT: String(port), RULES_DIR: join(REPO, "rules") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString("utf8")));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    get output() {
      return output;
    },
  };
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (output += d.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: () => string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
