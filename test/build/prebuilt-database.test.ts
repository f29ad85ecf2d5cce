// The first start on an empty data folder without initdb (store/prebuilt-database.ts): the build
// writes an empty, migrated database as a tarball with a key; a new folder starts from it only
// while the key matches PGlite's version and the migrations.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMBEDDED_START_PARAMS, openDatabase } from "../../src/store/database.js";
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from "../../src/store/migrate.js";
import { buildPrebuiltDatabase, prebuiltDatabase, prebuiltKey, unpackPrebuilt } from "../../src/store/prebuilt-database.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dd-prebuilt-"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the prebuilt empty database", () => {
  it("is built once, then up to date, and a new data folder starts from it with every migration applied", async () => {
    expect(await buildPrebuiltDatabase(EMBEDDED_START_PARAMS, dir)).toBe("built");
    expect(await buildPrebuiltDatabase(EMBEDDED_START_PARAMS, dir)).toBe("up to date");
    expect((await readFile(join(dir, "empty-database.key"), "utf8")).trim()).toBe(await prebuiltKey());

    expect(await prebuiltDatabase(dir)).toBe(join(dir, "empty-database.tar.gz"));

    // the bot's own open of a new data folder
    const dataDir = join(dir, "data");
    const db = await openDatabase({ dataDir, prebuiltDir: dir });
    try {
      expect(db.createdFrom).toBe("prebuilt");
      // applied at build time, to what is now this folder's content
      expect(db.appliedMigrations).toEqual((await readMigrations(DEFAULT_MIGRATIONS_DIR)).map((m) => m.name));
      expect(await db.prisma.screening.count()).toBe(0);
    } finally {
      await db.close();
    }
    // on disk an ordinary data folder now: opened again, nothing is created
    const again = await openDatabase({ dataDir, prebuiltDir: dir });
    expect(again.createdFrom).toBeUndefined();
    expect(again.appliedMigrations).toEqual([]);
    await again.close();
  });

  it("unpacks to exactly what tar itself extracts, and a damaged tarball leaves the folder empty for initdb", async () => {
    const tarball = join(dir, "empty-database.tar.gz");
    const ours = join(dir, "unpacked-ours");
    const theirs = join(dir, "unpacked-tar");
    await mkdir(ours);
    await mkdir(theirs);
    await unpackPrebuilt(tarball, ours);
    execFileSync("tar", ["-xzf", tarball, "-C", theirs], { stdio: "ignore" });
    expect(await listing(ours)).toEqual(await listing(theirs));
    expect((await listing(ours)).length).toBeGreaterThan(100);

    // cut short: refused, and nothing half-unpacked is left
    const damaged = join(dir, "damaged.tar.gz");
    const whole = await readFile(tarball);
    await writeFile(damaged, whole.subarray(0, Math.floor(whole.length / 2)));
    const into = join(dir, "unpacked-damaged");
    await mkdir(into);
    await expect(unpackPrebuilt(damaged, into)).rejects.toThrow();
    expect(await readdir(into)).toEqual([]);

    // the bot's open on such a build: the folder is made by initdb instead, and works
    const build = join(dir, "damaged-build");
    await mkdir(build);
    await cp(join(dir, "empty-database.key"), join(build, "empty-database.key"));
    await cp(damaged, join(build, "empty-database.tar.gz"));
    const db = await openDatabase({ dataDir: join(dir, "data-damaged"), prebuiltDir: build });
    try {
      expect(db.createdFrom).toBe("initdb");
      expect(await db.prisma.screening.count()).toBe(0);
    } finally {
      await db.close();
    }
  });

  it("is not used when its key does not match (another PGlite, changed migrations), nor when it is missing", async () => {
    await writeFile(join(dir, "empty-database.key"), "0".repeat(64));
    expect(await prebuiltDatabase(dir)).toBeUndefined();

    // a migration added since the build changes the key
    const migrations = join(dir, "migrations");
    await cp(DEFAULT_MIGRATIONS_DIR, migrations, { recursive: true });
    await mkdir(join(migrations, "29991231000000_later"));
    await writeFile(join(migrations, "29991231000000_later", "migration.sql"), "SELECT 1;\n");
    expect(await prebuiltKey(migrations)).not.toBe(await prebuiltKey());
    await writeFile(join(dir, "empty-database.key"), `${await prebuiltKey()}\n`);
    expect(await prebuiltDatabase(dir, migrations)).toBeUndefined();
    expect(await prebuiltDatabase(dir)).toBe(join(dir, "empty-database.tar.gz"));

    await rm(join(dir, "empty-database.tar.gz"));
    expect(await prebuiltDatabase(dir)).toBeUndefined();

    // without a current one, a new folder is created by initdb, as before
    const db = await openDatabase({ dataDir: join(dir, "data-initdb"), prebuiltDir: dir });
    try {
      expect(db.createdFrom).toBe("initdb");
      expect(await db.prisma.screening.count()).toBe(0);
    } finally {
      await db.close();
    }
  });
});

/** Every file and folder under `root`, with each file's size and a digest of its content. */
async function listing(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { recursive: true })) {
    const path = join(root, entry);
    const info = await stat(path);
    out.push(info.isDirectory() ? `${entry}/` : `${entry} ${info.size} ${createHash("sha1").update(await readFile(path)).digest("hex")}`);
  }
  return out.sort();
}
