// The request path's SQL layer: named prepared statements, planned once and reused, on the
// database the suite runs against.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/store/database.js";
import { statementName } from "../../src/store/sql.js";
import { createTestDatabase } from "../support/db.js";

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

describe("the request path's SQL", () => {
  it("prepares each statement once, by a name from its text, and reuses it", async () => {
    const text = "SELECT $1::int + 1 AS n";
    expect(await db.sql.query(text, [1])).toEqual([{ n: 2 }]);
    expect(await db.sql.query(text, [41])).toEqual([{ n: 42 }]);
    const names = await db.sql.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name = $1::text", [statementName(text)]);
    // on a server, the pool's other connections may not have it yet; the one that ran it does
    if (db.kind === "pglite") expect(names).toEqual([{ name: statementName(text) }]);
  });

  it("sends parameters as their types expect: text with quotes and backslashes, arrays, null, JSON", async () => {
    const rows = await db.sql.query<{ t: string; a: string[]; z: string | null; j: unknown }>(
      "SELECT $1::text AS t, $2::text[] AS a, $3::text AS z, $4::jsonb AS j",
      ['say "hi" \\ bye', ['a "b"', "c\\d", "", "e,f"], null, JSON.stringify({ k: ["v", 1] })],
    );
    expect(rows).toEqual([{ t: 'say "hi" \\ bye', a: ['a "b"', "c\\d", "", "e,f"], z: null, j: { k: ["v", 1] } }]);
  });

  it("reports a failing statement with its SQLSTATE and stays usable", async () => {
    await expect(db.sql.query("SELECT 1 / $1::int AS x", [0])).rejects.toMatchObject({ code: "22012" });
    expect(await db.sql.query("SELECT 1 / $1::int AS x", [1])).toEqual([{ x: 1 }]);
    await expect(db.sql.query("SELECT nope FROM nowhere", [])).rejects.toMatchObject({ code: "42P01" });
    expect(await db.sql.query("SELECT 2 AS y", [])).toEqual([{ y: 2 }]);
  });
});
