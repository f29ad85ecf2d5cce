// The bench measures the bot as production runs it: `node dist/main.js`, compiled by
// `npm run build`. buildBot() brings dist/ up to date first (tsc -b is incremental: seconds when
// nothing changed) and returns how `npm start` runs it, read from package.json's own "start"
// script (its node flags included), so the bench cannot drift from what deploys.
//
// Builds take a lock: test/build/start-from-dist.test.ts builds and runs dist/ too, and Vitest
// runs test files side by side; two builds at once would rewrite files the other is loading.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface BotCommand {
  /** node's own flags from the start script, e.g. heap limits */
  nodeFlags: string[];
  /** the entry point, absolute */
  entry: string;
}

/** How `npm start` runs the bot: `[exec] node [flags…] dist/main.js`, from package.json. */
export async function startCommand(): Promise<BotCommand> {
  const pkg = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  const script = pkg.scripts?.start ?? "";
  const words = script.trim().split(/\s+/);
  const at = words.indexOf("node");
  const entry = words[words.length - 1];
  if (at < 0 || entry === undefined || !entry.endsWith(".js")) throw new Error(`package.json's start script is not "node … ENTRY.js": ${script}`);
  return { nodeFlags: words.slice(at + 1, -1), entry: join(REPO, entry) };
}

/** `npm run build`, under the build lock. */
export async function buildBot(): Promise<BotCommand> {
  await withBuildLock(async () => {
    const out = await runNpm(["run", "-s", "build"]);
    if (out.code !== 0) throw new Error(`npm run build failed:\n${out.output}`);
  });
  return startCommand();
}

/**
 * Runs `fn` holding a lock shared by everything in this checkout that builds dist/ (a folder in
 * the temp folder, keyed by the checkout's path; a lock left by a dead process is taken over).
 */
export async function withBuildLock<T>(fn: () => Promise<T>, timeoutMs = 600_000): Promise<T> {
  const lock = join(tmpdir(), `dd-build-${createHash("sha256").update(REPO).digest("hex").slice(0, 12)}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (await heldByDeadProcess(lock)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`the build lock ${lock} was held for over ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function heldByDeadProcess(lock: string): Promise<boolean> {
  const pid = Number(await readFile(join(lock, "pid"), "utf8").catch(() => ""));
  if (!Number.isInteger(pid) || pid <= 0) {
    // Just created, pid not written yet; or written by a process that died between the two
    // steps: old enough means the latter.
    const made = await stat(lock).then((s) => s.mtimeMs, () => Date.now());
    return Date.now() - made > 30_000;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function runNpm(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (output += d.toString("utf8")));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}
