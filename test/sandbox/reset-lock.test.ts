// `npm start -- --reset` empties the sandbox's database; it must never do that under a sandbox
// or bot that is running on the same data folder.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.js";
import { RedactingLogger } from "../../src/log.js";
import { startSandbox } from "../../src/sandbox/run.js";
import { DataFolderInUse, lockDataFolder } from "../../src/store/data-lock.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("--reset", () => {
  it("refuses while another process holds the data folder, and deletes nothing", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "dd-reset-lock-"));
    dirs.push(dataDir);
    await mkdir(join(dataDir, "pglite"));
    await writeFile(join(dataDir, "pglite", "PG_VERSION"), "17");
    const held = await lockDataFolder(dataDir);
    try {
      const loaded = loadConfig({ PORT: "0", RULES_DIR: "rules" });
      if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
      const started = startSandbox(loaded.config, new RedactingLogger(() => {}), { reset: true, dataDir, webPort: 0, print: () => {} });
      await expect(started).rejects.toBeInstanceOf(DataFolderInUse);
      expect(existsSync(join(dataDir, "pglite", "PG_VERSION"))).toBe(true);
    } finally {
      await held.release();
    }
  });
});
