// The embedded database's first start without initdb. PGlite creates a new data folder by
// running PostgreSQL's initdb inside its WASM heap, which takes the process to about 800 MB of
// resident memory for a few seconds, twice what the bot needs afterwards. `npm run build` runs
// that once instead (cli/build-empty-database.ts): an empty database, migrated, dumped as a
// tarball beside the compiled code; the bot's first start on an empty folder unpacks it
// (PGlite's loadDataDir) and starts on it as on any existing folder.
//
// The tarball is used only when its key (PGlite's version and every migration's name and
// checksum) is the current one; otherwise, or without a build, the first start runs initdb as
// before. Migrations added since the build are applied on top either way.
import { createHash } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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
 * The prebuilt empty database for a new data folder, when there is one built from the current
 * PGlite and migrations; undefined otherwise (the first start then runs initdb).
 */
export async function prebuiltDatabase(dir = PREBUILT_DIR, migrationsDir = DEFAULT_MIGRATIONS_DIR): Promise<Blob | undefined> {
  const key = await readFile(join(dir, KEY), "utf8").catch(() => undefined);
  if (key === undefined || key.trim() !== (await prebuiltKey(migrationsDir))) return undefined;
  const tarball = await readFile(join(dir, TARBALL)).catch(() => undefined);
  return tarball ? new Blob([tarball]) : undefined;
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
