// The client type the cold paths' repository functions take: the PrismaClient itself or a
// transaction's client (list imports save a set and its entries in one transaction).
import type { Prisma, PrismaClient } from "../generated/prisma/client.js";

export type Tx = Prisma.TransactionClient;
export type Db = PrismaClient | Tx;
/**
 * The store's handle for its cold paths (list sets, imports, reads for lists and the Home tab),
 * as the other layers hold it: they pass it to store functions and never query through it.
 */
export type StoreClient = PrismaClient;

