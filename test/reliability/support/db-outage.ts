// Database outages for the tests, on whichever database this run uses:
// - a PostgreSQL server (TEST_DATABASE_URL): the bot connects through a TCP proxy the test
//   controls; "down" drops every open connection and refuses new ones, as a stopped server
//   does ("stalled" accepts connections and never answers, as a network partition does); the
//   server itself, shared with other tests, is never touched;
// - embedded PGlite, which lives inside the process and cannot go away on its own: every query
//   fails while "down", with the error a dropped connection gives, through Prisma and through
//   the request path's SQL alike, and ping() says so.
import { createServer, connect, type Server, type Socket } from "node:net";
import type { Database } from "../../../src/store/database.js";
import { openDatabase } from "../../../src/store/database.js";
import { createEmptyServerDatabase, createTestDatabase } from "../../support/db.js";
import { hookDatabase } from "./hooked-sql.js";

export type OutageKind = "refused" | "stalled";

export interface OutageDatabase {
  kind: "postgres" | "pglite";
  /** the database the bot uses (through the proxy, or wrapped) */
  database: Database;
  /** the same database, reachable whatever the outage (for the test's own checks) */
  direct: Database;
  down(kind?: OutageKind): void;
  up(): void;
  close(): Promise<void>;
}

export async function outageDatabase(): Promise<OutageDatabase> {
  const server = await createEmptyServerDatabase();
  return server ? serverOutage(server) : embeddedOutage();
}

async function serverOutage(server: { url: string; drop(): Promise<void> }): Promise<OutageDatabase> {
  const target = new URL(server.url);
  const proxy = await startProxy(target.hostname, Number(target.port || 5432));
  const proxied = new URL(server.url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(proxy.port);
  const database = await openDatabase({ url: proxied.toString() });
  const direct = await openDatabase({ url: server.url });
  return {
    kind: "postgres",
    database,
    direct,
    down: (kind = "refused") => proxy.down(kind),
    up: () => proxy.up(),
    async close() {
      proxy.up();
      await database.close().catch(() => undefined);
      await direct.close().catch(() => undefined);
      await proxy.close();
      await server.drop();
    },
  };
}

async function embeddedOutage(): Promise<OutageDatabase> {
  const db = await createTestDatabase();
  let state: OutageKind | null = null;
  const unavailable = async () => {
    if (state === "refused") throw connectionTerminated();
    if (state === "stalled") await new Promise((_, reject) => setTimeout(() => reject(connectionTerminated()), 30_000));
  };
  // Both ways into the database: Prisma (cold paths, queries, the outbox) and the request path's SQL.
  const database: Database = {
    ...hookDatabase(db, { prisma: unavailable, sql: unavailable }),
    ping: async (timeoutMs) => (state ? false : db.ping(timeoutMs)),
    close: async () => undefined,
  };
  return {
    kind: "pglite",
    database,
    direct: db,
    down: (kind = "refused") => {
      state = kind;
    },
    up: () => {
      state = null;
    },
    close: () => db.close(),
  };
}

/** What pg reports when the server goes away under it. */
function connectionTerminated(): Error {
  return new Error("Connection terminated unexpectedly");
}

interface Proxy {
  port: number;
  down(kind: OutageKind): void;
  up(): void;
  close(): Promise<void>;
}

async function startProxy(host: string, port: number): Promise<Proxy> {
  let outage: OutageKind | null = null;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => undefined);
    if (outage === "refused") {
      client.destroy();
      return;
    }
    if (outage === "stalled") return;
    const upstream = connect(port, host);
    open.add(upstream);
    upstream.on("close", () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    down(kind) {
      outage = kind;
      // established connections die with the server (refused) or stop moving (stalled)
      for (const s of open) {
        if (kind === "refused") s.destroy();
        else s.pause();
      }
    },
    up() {
      const was = outage;
      outage = null;
      if (was === "stalled") for (const s of open) s.destroy();
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
