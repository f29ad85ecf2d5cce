// The first start on an empty data folder without initdb (store/prebuilt-database.ts): the build
// writes an empty, migrated database as a tarball with a key; a new folder starts from it only
// while the key matches PGlite's version and the migrations.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMBEDDED_START_PARAMS, openDatabase } from "../../src/store/database.js";
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from "../../src/store/migrate.js";
import { buildPrebuiltDatabase, prebuiltDatabase, prebuiltKey } from "../../src/store/prebuilt-database.js";

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

    expect(await prebuiltDatabase(dir)).toBeInstanceOf(Blob);

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
    expect(await prebuiltDatabase(dir)).toBeInstanceOf(Blob);

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
