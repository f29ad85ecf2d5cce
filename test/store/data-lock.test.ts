// One process per embedded data folder: a second open on the same folder refuses with one line,
// a closed database frees it, and a lock left by a process that is gone is taken over.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataFolderInUse, LOCK_FILE, lockDataFolder } from "../../src/store/data-lock.js";
import { openDatabase } from "../../src/store/database.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "dd-lock-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  const pid = child.pid;
  await new Promise((resolve) => child.on("exit", resolve));
  if (pid === undefined) throw new Error("no pid");
  return pid;
}

describe("the embedded database's data folder", () => {
  it("refuses a second open with a one-line message naming the folder and the holder; after close a new open works", async () => {
    const first = await openDatabase({ dataDir });
    try {
      expect(await readFile(join(dataDir, LOCK_FILE), "utf8")).toBe(`${process.pid}\n`);
      const second = openDatabase({ dataDir });
      await expect(second).rejects.toThrow(DataFolderInUse);
      const message = await second.then(
        () => "",
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      expect(message).toBe(
        `The data folder ${dataDir} is in use by another process (pid ${process.pid}). Stop that process first: only one process at a time can use the embedded database.`,
      );
      expect(message).not.toContain("\n");
      expect(await first.ping()).toBe(true);
    } finally {
      await first.close();
    }
    expect(await readdir(dataDir)).toEqual(["pglite"]);
    const again = await openDatabase({ dataDir });
    try {
      expect(await again.ping()).toBe(true);
    } finally {
      await again.close();
    }
  });

  it("takes over a lock left by a process that is gone", async () => {
    await writeFile(join(dataDir, LOCK_FILE), `${await deadPid()}\n`);
    const db = await openDatabase({ dataDir });
    try {
      expect(await readFile(join(dataDir, LOCK_FILE), "utf8")).toBe(`${process.pid}\n`);
    } finally {
      await db.close();
    }
  });
});

describe("lockDataFolder", () => {
  it("refuses while a live process holds the lock, and never removes a lock it does not own", async () => {
    // this test's parent (the vitest runner) is alive and is not this process
    await writeFile(join(dataDir, LOCK_FILE), `${process.ppid}\n`);
    await expect(lockDataFolder(dataDir)).rejects.toThrow(`in use by another process (pid ${process.ppid})`);
    expect(await readFile(join(dataDir, LOCK_FILE), "utf8")).toBe(`${process.ppid}\n`);
  });

  it("takes over a lock with this process's pid that this process does not hold (a restarted container's pid 1)", async () => {
    await writeFile(join(dataDir, LOCK_FILE), `${process.pid}\n`);
    const lock = await lockDataFolder(dataDir);
    await expect(lockDataFolder(dataDir)).rejects.toThrow(DataFolderInUse);
    await lock.release();
    const again = await lockDataFolder(dataDir);
    await again.release();
    expect(await readdir(dataDir)).toEqual([]);
  });

  it("takes over an unreadable lock (a crash between creating and writing it)", async () => {
    await writeFile(join(dataDir, LOCK_FILE), "");
    const lock = await lockDataFolder(dataDir);
    await lock.release();
  });
});
