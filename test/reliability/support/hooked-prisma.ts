// A PrismaClient seen through a hook that runs before every model call and raw query, inside
// transactions too: the tests use it to make the cold paths' database calls fail (outages) or to
// see what went through Prisma. The request path's statements go through Sql instead: see
// hooked-sql.ts, and hookDatabase there for both at once. Test-only; the product never wraps its
// client.
import type { PrismaClient } from "../../../src/generated/prisma/client.js";

/** model: "screening", "auditEvent", … or "$queryRaw" etc.; inTransaction: called through a transaction's client */
export type PrismaHook = (call: { model: string; method: string; inTransaction: boolean }) => Promise<void> | void;

const RAW = new Set(["$queryRaw", "$executeRaw", "$queryRawUnsafe", "$executeRawUnsafe"]);

export function hookPrisma(prisma: PrismaClient, hook: PrismaHook): PrismaClient {
  return wrap(prisma, hook, false) as PrismaClient;
}

function wrap(client: object, hook: PrismaHook, inTransaction: boolean): object {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== "string") return value;
      if (prop === "$transaction" && typeof value === "function") {
        return (work: unknown, opts?: unknown) => {
          const run = async () => {
            await hook({ model: "$transaction", method: "begin", inTransaction: false });
            return Reflect.apply(value, target, [typeof work === "function" ? (tx: object) => work(wrap(tx, hook, true)) : work, opts]);
          };
          return run();
        };
      }
      if (RAW.has(prop) && typeof value === "function") {
        return async (...args: unknown[]) => {
          await hook({ model: prop, method: "raw", inTransaction });
          return Reflect.apply(value, target, args);
        };
      }
      if (prop.startsWith("$") || prop.startsWith("_") || typeof value !== "object" || value === null) {
        return typeof value === "function" ? value.bind(target) : value;
      }
      return delegate(prop, value, hook, inTransaction);
    },
  });
}

function delegate(model: string, target: object, hook: PrismaHook, inTransaction: boolean): object {
  return new Proxy(target, {
    get(t, method, receiver) {
      const value: unknown = Reflect.get(t, method, receiver);
      if (typeof method !== "string" || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        await hook({ model, method, inTransaction });
        return Reflect.apply(value, t, args);
      };
    },
  });
}

/** Resolves when `parties` callers have arrived, or after `timeoutMs` (then `timedOut` is true). */
export function barrier(parties: number, timeoutMs: number): { arrive(): Promise<void>; readonly timedOut: boolean } {
  let arrived = 0;
  let timedOut = false;
  let release!: () => void;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  const timer = setTimeout(() => {
    timedOut = true;
    release();
  }, timeoutMs);
  return {
    async arrive() {
      arrived++;
      if (arrived >= parties) {
        clearTimeout(timer);
        release();
      }
      await all;
    },
    get timedOut() {
      return timedOut;
    },
  };
}
