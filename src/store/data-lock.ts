// The embedded database's folder belongs to one process at a time: PGlite has no locking of its
// own, and two processes writing one data folder corrupt it. A lock file holds the owner's pid;
// a lock whose process is gone (a crash, a killed container) is taken over.
import { open, readFile, rm } from "node:fs/promises";
import { resolve } from "node:path";

export const LOCK_FILE = "bot.lock";

export interface DataLock {
  path: string;
  release(): Promise<void>;
  /**
   * Lets go of the lock without touching the file: for a folder removed or replaced while open
   * (data-folder-watch.ts), whose lock file is gone or another process's.
   */
  abandon(): void;
}

/** Thrown when another live process holds the folder; the message is one line for the operator. */
export class DataFolderInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`The data folder ${dataDir} is in use by another process (pid ${pid}). Stop that process first: only one process at a time can use the embedded database.`);
    this.name = "DataFolderInUse";
  }
}

// Locks this process holds: a lock file with our own pid that is not among them was left by an
// earlier process that had the same pid (containers start the bot as pid 1 every time).
const held = new Set<string>();

/** Takes the data folder's lock, or throws DataFolderInUse. The folder must exist. */
export async function lockDataFolder(dataDir: string): Promise<DataLock> {
  const path = resolve(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(path)) {
      held.add(path);
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          held.delete(path);
          // Only our own lock is removed (never one a later process took over).
          if ((await readPid(path)) === process.pid) await rm(path, { force: true });
        },
        abandon() {
          released = true;
          held.delete(path);
        },
      };
    }
    const owner = await readPid(path);
    if (owner !== undefined && isLive(owner, path)) throw new DataFolderInUse(dataDir, owner);
    // Stale (or unreadable: a crash between creating and writing it): take it over.
    await rm(path, { force: true });
  }
  const owner = await readPid(path);
  throw new DataFolderInUse(dataDir, owner ?? 0);
}

async function tryCreate(path: string): Promise<boolean> {
  let file;
  try {
    file = await open(path, "wx");
  } catch (err) {
    if (err instanceof Error && "code" in err && err.code === "EEXIST") return false;
    throw err;
  }
  try {
    await file.writeFile(`${process.pid}\n`);
  } finally {
    await file.close();
  }
  return true;
}

async function readPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isLive(pid: number, path: string): boolean {
  if (pid === process.pid) return held.has(path);
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return err instanceof Error && "code" in err && err.code === "EPERM";
  }
}
