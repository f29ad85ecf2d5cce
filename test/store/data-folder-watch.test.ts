// The embedded database's data folder removed, moved or replaced while the bot runs: noticed by
// the identity of its lock file and pglite folder, at most every 250 ms before a statement and
// every few seconds without one; from then on every statement is refused with DataFolderGone,
// ping says the database is down, and closing writes nothing into whatever folder is there now.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataFolderGone, watchDataFolder, type DataFolderLost } from "../../src/store/data-folder-watch.js";
import { LOCK_FILE } from "../../src/store/data-lock.js";
import { openDatabase } from "../../src/store/database.js";
import { createTestDatabase } from "../support/db.js";

let root: string;
let dataDir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "dd-folder-"));
  dataDir = join(root, "data");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A data folder as the bot leaves it: a lock file and a pglite folder. */
async function makeFolder(dir = dataDir): Promise<void> {
  await mkdir(join(dir, "pglite"), { recursive: true });
  await writeFile(join(dir, LOCK_FILE), `${process.pid}\n`);
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe("watching the data folder", () => {
  it("notices the lock file removed, at most once per cache period, and tells each listener once", async () => {
    await makeFolder();
    let t = 0;
    const watch = watchDataFolder(dataDir, { cacheMs: 250, now: () => t });
    const told: DataFolderLost[] = [];
    watch.onLost((lost) => told.push(lost));
    expect(watch.intact()).toBe(true);
    expect(() => watch.guard()).not.toThrow();

    await rm(join(dataDir, LOCK_FILE));
    t = 100;
    // within the cache period the last answer stands (a stat per statement would cost too much)
    expect(watch.intact()).toBe(true);
    t = 260;
    expect(watch.intact()).toBe(false);
    expect(watch.lost).toMatchObject({ dataDir, what: "removed", path: join(dataDir, LOCK_FILE) });
    const err = errorOf(() => watch.guard());
    expect(err).toBeInstanceOf(DataFolderGone);
    expect((err as Error).message).toBe(
      `The embedded database's data folder ${dataDir} was removed or moved while the bot was running: nothing can be read or saved until it is restored and the bot restarted.`,
    );
    // the loss is for good, even when the file comes back
    await writeFile(join(dataDir, LOCK_FILE), `${process.pid}\n`);
    t = 10_000;
    expect(watch.intact()).toBe(false);
    expect(told).toHaveLength(1);
    expect(told[0]?.message).toBe(
      `The data folder ${dataDir} was removed or moved while the bot was running (${join(dataDir, LOCK_FILE)} is gone). ` +
        "Nothing can be saved: every request is refused and /healthz answers 503. Put the folder back (or restore it from a backup) and restart the bot.",
    );
    // a listener that comes later hears of it at once
    const late: DataFolderLost[] = [];
    watch.onLost((lost) => late.push(lost));
    expect(late).toHaveLength(1);
    watch.stop();
  });

  it("notices the folder moved, its pglite folder removed, or the lock file replaced by another", async () => {
    await makeFolder();
    const moved = watchDataFolder(dataDir, { cacheMs: 0 });
    await rename(dataDir, join(root, "elsewhere"));
    expect(moved.intact()).toBe(false);
    expect(moved.lost?.what).toBe("removed");
    moved.stop();
    await rm(join(root, "elsewhere"), { recursive: true });

    await makeFolder();
    const pglite = watchDataFolder(dataDir, { cacheMs: 0 });
    await rm(join(dataDir, "pglite"), { recursive: true });
    expect(pglite.intact()).toBe(false);
    expect(pglite.lost).toMatchObject({ what: "removed", path: join(dataDir, "pglite") });
    pglite.stop();
    await rm(dataDir, { recursive: true });

    await makeFolder();
    const replaced = watchDataFolder(dataDir, { cacheMs: 0 });
    // another folder in its place: a restored backup, or another process's
    await rm(dataDir, { recursive: true });
    await makeFolder();
    expect(replaced.intact()).toBe(false);
    expect(replaced.lost?.what).toBe("replaced");
    expect(replaced.lost?.message).toContain("was replaced while the bot was running");
    replaced.stop();
  });

  it("notices the loss without any request, by checking every few seconds", async () => {
    await makeFolder();
    const watch = watchDataFolder(dataDir);
    const told: DataFolderLost[] = [];
    watch.onLost((lost) => told.push(lost));
    const stop = watch.poll(20);
    try {
      await rm(dataDir, { recursive: true });
      const deadline = Date.now() + 5_000;
      while (told.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100));
      expect(told).toHaveLength(1);
    } finally {
      stop();
      watch.stop();
    }
  });
});

describe("the embedded database with its folder gone", () => {
  it("refuses every statement on both paths, pings false, and closes without writing", async () => {
    const db = await openDatabase({ dataDir });
    try {
      expect(db.writable()).toBe(true);
      expect(await db.ping()).toBe(true);
      await db.sql.query(`INSERT INTO processed_requests (key) VALUES ('before')`);

      await rm(dataDir, { recursive: true });
      await new Promise((r) => setTimeout(r, 300));

      expect(db.writable()).toBe(false);
      expect(await db.ping()).toBe(false);
      await expect(db.sql.query(`INSERT INTO processed_requests (key) VALUES ('after')`)).rejects.toBeInstanceOf(DataFolderGone);
      await expect(db.prisma.processedRequest.create({ data: { key: "after" } })).rejects.toBeInstanceOf(DataFolderGone);
      await expect(db.prisma.$transaction(async (tx) => tx.processedRequest.create({ data: { key: "after" } }))).rejects.toBeInstanceOf(DataFolderGone);
      await expect(db.prisma.processedRequest.count()).rejects.toThrow(/data folder .* was removed or moved/);
    } finally {
      await db.close();
    }
    // closing did not bring the folder back (PGlite's shutdown checkpoint writes by path)
    expect(existsSync(dataDir)).toBe(false);
  });

  it("never writes into another folder put at its path, leaves that folder's lock alone, and opens again once restored", async () => {
    const db = await openDatabase({ dataDir });
    await db.sql.query(`INSERT INTO processed_requests (key) VALUES ('kept')`);
    let lost: DataFolderLost | undefined;
    const stop = db.watchDataFolder((l) => (lost = l), { intervalMs: 20 });
    try {
      await rename(dataDir, join(root, "moved-away"));
      await mkdir(join(dataDir, "pglite"), { recursive: true });
      await writeFile(join(dataDir, LOCK_FILE), "999999\n");
      const deadline = Date.now() + 5_000;
      while (!lost && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      // "removed" when a check fell between the move and the new folder, "replaced" after
      expect(["removed", "replaced"]).toContain(lost?.what);
      await expect(db.sql.query("SELECT 1")).rejects.toBeInstanceOf(DataFolderGone);
    } finally {
      stop();
      await db.close();
    }
    expect(await readdir(join(dataDir, "pglite"))).toEqual([]);
    expect(await readFile(join(dataDir, LOCK_FILE), "utf8")).toBe("999999\n");

    // restored, and opened again (a restart): everything saved before is there
    await rm(dataDir, { recursive: true });
    await rename(join(root, "moved-away"), dataDir);
    const again = await openDatabase({ dataDir });
    try {
      expect(again.writable()).toBe(true);
      expect(await again.sql.query(`SELECT key FROM processed_requests WHERE key = 'kept'`)).toEqual([{ key: "kept" }]);
    } finally {
      await again.close();
    }
  });

  it("a server or in-memory database has no folder to lose", async () => {
    const db = await createTestDatabase();
    try {
      expect(db.writable()).toBe(true);
      const stop = db.watchDataFolder(() => {
        throw new Error("never");
      });
      stop();
      expect(await db.ping()).toBe(true);
    } finally {
      await db.close();
    }
  });
});
