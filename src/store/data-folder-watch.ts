// Notices the embedded database's folder going away while the bot runs: deleted, moved, or
// swapped for another one. PGlite writes by path, so from then on its writes would fail, land
// nowhere, or (a new folder at the old path) land in someone else's database. The folder is
// known by its lock file and its pglite folder, each by identity (device and inode) as they were
// when this process took the lock: either gone or replaced means the folder is lost, for good
// (a folder put back is not trusted until a restart opens it again). Both are held open while
// watched, so their inode numbers cannot be given to a new file or folder at the same path
// (file systems reuse a freed inode at once).
import { closeSync, fstatSync, openSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { LOCK_FILE } from "./data-lock.js";

/** What happened to the data folder, for the operator. */
export interface DataFolderLost {
  dataDir: string;
  /** "removed": the lock file or pglite folder is gone (deleted, or the folder moved); "replaced": another file is there now */
  what: "removed" | "replaced";
  /** which path showed it */
  path: string;
  /** one line: what happened and what to do */
  message: string;
}

/**
 * Thrown before any statement once the data folder is lost: nothing is read or written. Its
 * message is for the operator's log; the person who asked is told that nothing was saved.
 */
export class DataFolderGone extends Error {
  constructor(readonly lost: DataFolderLost) {
    super(
      `The embedded database's data folder ${lost.dataDir} was ${lost.what === "removed" ? "removed or moved" : "replaced"} while the bot was running: ` +
        "nothing can be read or saved until it is restored and the bot restarted.",
    );
    this.name = "DataFolderGone";
  }
}

export interface DataFolderWatch {
  /** true while the folder is the one opened; stats at most once per `cacheMs` */
  intact(): boolean;
  /** throws DataFolderGone once the folder is lost (the Sql and Prisma paths call it before each statement) */
  guard(): void;
  /** set once the folder is lost */
  readonly lost: DataFolderLost | undefined;
  /** `listener` is told once, when the loss is first seen (at once if it already was); returns a remover */
  onLost(listener: (lost: DataFolderLost) => void): () => void;
  /** checks every `intervalMs` (an unref'd timer) so a loss is noticed without a request; returns stop */
  poll(intervalMs?: number): () => void;
  /** stops every poll and lets go of the folder (the database's close() calls it) */
  stop(): void;
}

interface Identity {
  dev: bigint;
  ino: bigint;
}

export interface DataFolderWatchOptions {
  /** how long one check's answer is reused (default 250 ms) */
  cacheMs?: number;
  /** clock in ms (tests) */
  now?: () => number;
}

/** Starts watching a data folder whose lock this process holds now (call right after locking). */
export function watchDataFolder(dataDir: string, opts: DataFolderWatchOptions = {}): DataFolderWatch {
  const cacheMs = opts.cacheMs ?? 250;
  const now = opts.now ?? (() => performance.now());
  const paths = [resolve(dataDir, LOCK_FILE), resolve(join(dataDir, "pglite"))];
  const held: number[] = [];
  const expected = paths.map((p) => {
    let fd: number | undefined;
    try {
      fd = openSync(p, "r");
    } catch {
      // A folder cannot be opened on every platform (Windows); then only its stat is kept.
      const id = identityOf(p);
      if (!id) {
        release();
        throw new Error(`watchDataFolder: ${p} does not exist`);
      }
      return id;
    }
    held.push(fd);
    const s = fstatSync(fd, { bigint: true });
    return { dev: s.dev, ino: s.ino };
  });
  function release(): void {
    for (const fd of held.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  }
  let lost: DataFolderLost | undefined;
  let checkedAt = -Infinity;
  const listeners = new Set<(lost: DataFolderLost) => void>();
  const timers = new Set<NodeJS.Timeout>();

  function check(force: boolean): boolean {
    if (lost) return false;
    const t = now();
    if (!force && t - checkedAt < cacheMs) return true;
    checkedAt = t;
    for (const [i, path] of paths.entries()) {
      const id = identityOf(path);
      const want = expected[i];
      if (id && want && id.dev === want.dev && id.ino === want.ino) continue;
      markLost(id ? "replaced" : "removed", path);
      return false;
    }
    return true;
  }

  function markLost(what: DataFolderLost["what"], path: string): void {
    const message =
      what === "removed"
        ? `The data folder ${dataDir} was removed or moved while the bot was running (${path} is gone). ` +
          "Nothing can be saved: every request is refused and /healthz answers 503. Put the folder back (or restore it from a backup) and restart the bot."
        : `The data folder ${dataDir} was replaced while the bot was running (${path} is not the one this process opened). ` +
          "Nothing can be saved: every request is refused and /healthz answers 503. Put the original folder back (or restore it from a backup) and restart the bot.";
    lost = { dataDir, what, path, message };
    for (const timer of timers) clearInterval(timer);
    timers.clear();
    const told = [...listeners];
    listeners.clear();
    for (const listener of told) tell(listener, lost);
  }

  return {
    intact: () => check(false),
    guard() {
      if (!check(false) && lost) throw new DataFolderGone(lost);
    },
    get lost() {
      return lost;
    },
    onLost(listener) {
      if (lost) {
        tell(listener, lost);
        return () => undefined;
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    poll(intervalMs = 2_000) {
      if (lost) return () => undefined;
      const timer = setInterval(() => check(true), intervalMs);
      timer.unref();
      timers.add(timer);
      return () => {
        clearInterval(timer);
        timers.delete(timer);
      };
    },
    stop() {
      for (const timer of timers) clearInterval(timer);
      timers.clear();
      listeners.clear();
      release();
    },
  };
}

function identityOf(path: string): Identity | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return { dev: s.dev, ino: s.ino };
  } catch {
    // ENOENT (gone) or ENOTDIR (a file where the folder was); EACCES alike: it is not ours to use.
    return undefined;
  }
}

function tell(listener: (lost: DataFolderLost) => void, lost: DataFolderLost): void {
  try {
    listener(lost);
  } catch {
    // A listener's failure (a log sink) must not turn a check into a thrown error elsewhere.
  }
}
