// The client type every repository takes: the PrismaClient itself or a transaction's client,
// so a use case composes several repository calls into one transaction.
import type { Prisma, PrismaClient } from "../generated/prisma/client.js";

export type Tx = Prisma.TransactionClient;
export type Db = PrismaClient | Tx;
/**
 * The store's handle for its cold paths (list sets, imports, reads for lists and the Home tab),
 * as the other layers hold it: they pass it to store functions and never query through it.
 */
export type StoreClient = PrismaClient;

/**
 * Runs `work` in the caller's transaction when given one, or in a new transaction when given
 * the root client, for repository functions whose several writes must land together.
 */
export function withinTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return "$transaction" in db && typeof db.$transaction === "function" ? db.$transaction(work) : work(db);
}
