// Idempotency keys: a request key is claimed once; a replay finds it taken.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/store/database.js";
import { claimRequestKey, requestSeen } from "../../src/store/requests.js";
import { createTestDatabase } from "../support/db.js";

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

const claim = (key: string) => db.prisma.$transaction((tx) => claimRequestKey(tx, key));

describe("claiming a request key", () => {
  it("gives true the first time, then false for the same key", async () => {
    expect(await claim("view:V1:h1")).toBe(true);
    expect(await claim("view:V1:h1")).toBe(false);
    expect(await db.prisma.processedRequest.count({ where: { key: "view:V1:h1" } })).toBe(1);
  });

  it("is per key: another key is still free, and requestSeen tells them apart", async () => {
    expect(await requestSeen(db.prisma, "view:V1:h2")).toBe(false);
    expect(await claim("view:V1:h2")).toBe(true);
    expect(await requestSeen(db.prisma, "view:V1:h2")).toBe(true);
    expect(await requestSeen(db.prisma, "view:V9:h9")).toBe(false);
  });

  it("is released when the transaction that claimed it rolls back", async () => {
    await expect(
      db.prisma.$transaction(async (tx) => {
        expect(await claimRequestKey(tx, "view:V2:h1")).toBe(true);
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await claim("view:V2:h1")).toBe(true);
    expect(await claim("view:V2:h1")).toBe(false);
  });
});
