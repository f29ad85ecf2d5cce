// The layering the folders' READMEs state, for the database: Prisma (its generated client and
// its query API) is used inside src/store only; the other layers hold the store's own types.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

const OUTSIDE_STORE = ["src/domain", "src/services", "src/slack", "src/rules"].flatMap(sources);

describe("layering", () => {
  it("no file outside src/store imports Prisma's client", () => {
    const offenders = OUTSIDE_STORE.filter((f) => /from\s+["'][^"']*(generated\/prisma|@prisma\/)[^"']*["']/.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });

  it("no file outside src/store queries through Prisma's API", () => {
    const query = /\.(findUnique|findUniqueOrThrow|findFirst|findFirstOrThrow|findMany|create|createMany|update|updateMany|upsert|delete|deleteMany|count|aggregate|groupBy)\(\s*\{\s*(where|data|select|orderBy|include)\b|\$(queryRaw|executeRaw|queryRawUnsafe|executeRawUnsafe|transaction)\b/;
    const offenders = OUTSIDE_STORE.filter((f) => query.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });
});
