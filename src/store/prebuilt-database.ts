// The embedded database's first start without initdb. PGlite creates a new data folder by
// running PostgreSQL's initdb inside its WASM heap, which takes the process to about 800 MB of
// resident memory for a few seconds, twice what the bot needs afterwards. `npm run build` runs
// that once instead (cli/build-empty-database.ts): an empty database, migrated, dumped as a
// tarball beside the compiled code; the bot's first start on an empty folder unpacks it into
// the folder (unpackPrebuilt, streaming) and starts on it as on any existing folder.
//
// The tarball is used only when its key (PGlite's version and every migration's name and
// checksum) is the current one; otherwise, or without a build, the first start runs initdb as
// before. Migrations added since the build are applied on top either way.
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, writeFile, type FileHandle } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import { PGlite } from "@electric-sql/pglite";
import { DEFAULT_MIGRATIONS_DIR, migrate, pgliteConnection, readMigrations } from "./migrate.js";

/** repo/dist, from src/store (tests) and dist/store (production) alike */
export const PREBUILT_DIR = fileURLToPath(new URL("../../dist/", import.meta.url));
const TARBALL = "empty-database.tar.gz";
const KEY = "empty-database.key";

async function pgliteVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  // .../node_modules/@electric-sql/pglite/dist/index.cjs → its package.json
  const pkg = JSON.parse(await readFile(join(dirname(entry), "..", "package.json"), "utf8")) as { version?: unknown };
  return String(pkg.version);
}

/** What the tarball was built from: PGlite's version and the migrations. */
export async function prebuiltKey(migrationsDir = DEFAULT_MIGRATIONS_DIR): Promise<string> {
  const migrations = await readMigrations(migrationsDir);
  const content = JSON.stringify([await pgliteVersion(), migrations.map((m) => [m.name, m.checksum])]);
  return createHash("sha256").update(content).digest("hex");
}

/**
 * The prebuilt empty database's tarball for a new data folder, when there is one built from the
 * current PGlite and migrations; undefined otherwise (the first start then runs initdb).
 */
export async function prebuiltDatabase(dir = PREBUILT_DIR, migrationsDir = DEFAULT_MIGRATIONS_DIR): Promise<string | undefined> {
  const key = await readFile(join(dir, KEY), "utf8").catch(() => undefined);
  if (key === undefined || key.trim() !== (await prebuiltKey(migrationsDir))) return undefined;
  const tarball = join(dir, TARBALL);
  return existsSync(tarball) ? tarball : undefined;
}

/**
 * Unpacks the tarball into PGlite's (empty) folder, streaming: PGlite's own loadDataDir holds
 * the whole uncompressed database (about 40 MB, more in copies) in memory at once, which raised
 * the first start's peak resident memory by as much. The tarball is PGlite's dumpDataDir: ustar
 * entries of directories and regular files, named from the data folder's root. On any failure
 * the folder is emptied again and the error thrown (the caller falls back to initdb).
 */
export async function unpackPrebuilt(tarball: string, into: string): Promise<void> {
  try {
    await untar(createReadStream(tarball).pipe(createGunzip()), into);
  } catch (err) {
    // Emptied, not replaced: the data folder's watch knows the folder by its identity.
    for (const entry of await readdir(into).catch(() => [])) await rm(join(into, entry), { recursive: true, force: true });
    throw err;
  }
}

const BLOCK = 512;

async function untar(stream: AsyncIterable<Buffer>, into: string): Promise<void> {
  let pending: Buffer = Buffer.alloc(0);
  /** the file being written and the bytes of it still to come */
  let file: { fd: FileHandle; left: number; padding: number } | null = null;
  let skip = 0;
  let ended = false;
  const target = (name: string) => {
    const path = resolve(into, `.${name.startsWith("/") ? "" : "/"}${name}`);
    if (path !== into && !path.startsWith(`${into}${sep}`)) throw new Error(`prebuilt database: entry outside the folder: ${name}`);
    return path;
  };
  into = resolve(into);
  for await (const chunk of stream) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (file) {
        const take = Math.min(file.left, pending.length);
        if (take > 0) await file.fd.write(pending, 0, take);
        pending = pending.subarray(take);
        file.left -= take;
        if (file.left > 0) break;
        await file.fd.close();
        skip = file.padding;
        file = null;
      }
      if (skip > 0) {
        const take = Math.min(skip, pending.length);
        pending = pending.subarray(take);
        skip -= take;
        if (skip > 0) break;
      }
      if (ended || pending.length < BLOCK) break;
      const header = pending.subarray(0, BLOCK);
      pending = pending.subarray(BLOCK);
      if (header.every((b) => b === 0)) {
        ended = true;
        break;
      }
      const text = (from: number, length: number) => header.toString("utf8", from, from + length).replace(/\0.*$/s, "");
      const prefix = text(345, 155);
      const name = prefix ? `${prefix}/${text(0, 100)}` : text(0, 100);
      const size = parseInt(text(124, 12).trim() || "0", 8);
      const type = text(156, 1) || "0";
      if (!Number.isFinite(size) || size < 0) throw new Error(`prebuilt database: bad size for ${name}`);
      if (type === "5") {
        await mkdir(target(name), { recursive: true });
      } else if (type === "0") {
        const path = target(name);
        await mkdir(dirname(path), { recursive: true });
        file = { fd: await open(path, "wx", 0o600), left: size, padding: (BLOCK - (size % BLOCK)) % BLOCK };
      } else {
        throw new Error(`prebuilt database: unexpected entry type ${JSON.stringify(type)} for ${name}`);
      }
    }
  }
  if (file) {
    await file.fd.close();
    throw new Error("prebuilt database: the tarball ends inside a file");
  }
  if (!ended) throw new Error("prebuilt database: the tarball has no end marker");
}

/**
 * Builds the tarball into `dir` unless the one there is current. `startParams`: those the bot
 * starts PGlite with. The key is written last, so a build cut short leaves no key that matches.
 */
export async function buildPrebuiltDatabase(startParams: readonly string[], dir = PREBUILT_DIR, migrationsDir = DEFAULT_MIGRATIONS_DIR): Promise<"built" | "up to date"> {
  const key = await prebuiltKey(migrationsDir);
  const existing = await readFile(join(dir, KEY), "utf8").catch(() => undefined);
  const tarball = await readFile(join(dir, TARBALL)).catch(() => undefined);
  if (existing?.trim() === key && tarball) return "up to date";
  const pglite = new PGlite({ startParams: [...startParams] });
  try {
    await pglite.waitReady;
    await migrate(pgliteConnection(pglite), { migrationsDir });
    const dump = await pglite.dumpDataDir("gzip");
    const partial = join(dir, `${TARBALL}.${process.pid}.partial`);
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, join(dir, TARBALL));
  } finally {
    await pglite.close();
  }
  await writeFile(join(dir, KEY), `${key}\n`);
  return "built";
}
