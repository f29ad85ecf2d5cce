// What every use case needs, passed in explicitly (no module-level singletons), and the one
// way use cases run a transaction.
import type { ListIndex, ListSetSummary } from "../domain/party-matching.js";
import type { RuleSet } from "../domain/rule-set.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { Tx } from "../store/types.js";
import { appendAuditEvent } from "../store/audit.js";
import { databaseErrorOf, describeError } from "../store/errors.js";
import { DuplicateRequest, ServiceError, type RefusalAudit } from "./errors.js";

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ServiceContext {
  prisma: PrismaClient;
  /** the rule set in force: new pages are shown and submissions scored with it */
  ruleSet: RuleSet;
  complianceChannelId: string;
  now: () => Date;
  log: Logger;
  /** told after a transaction that enqueued Slack deliveries has committed */
  onDeliveriesEnqueued: () => void;
  /** the restricted-party lists in force (SCREENING_LISTS); absent: parties are not screened */
  partyLists?: PartyLists | undefined;
}

/** The list set in force and the matcher's index of it (src/lists/index-cache.ts). */
export interface PartyLists {
  /** null when no list set was ever imported */
  current(): Promise<{ set: ListSetSummary; index: ListIndex } | null>;
}

/** Thrown inside a transaction when a version check lost a race; the transaction is retried. */
export class LostRace extends Error {
  constructor() {
    super("lost a race with a concurrent change");
    this.name = "LostRace";
  }
}

export type TxOutcome<T> = { duplicate: false; value: T } | { duplicate: true; key: string };

/**
 * Runs `work` in one transaction: its writes, its audit events and its outbox rows commit
 * together or not at all. A lost version race is retried on fresh data; a request key that
 * was already handled rolls everything back and is reported as a duplicate.
 */
export async function inTransaction<T>(
  ctx: ServiceContext,
  work: (tx: Tx) => Promise<T>,
  opts: { enqueues?: boolean } = {},
): Promise<TxOutcome<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await ctx.prisma.$transaction((tx) => work(tx), { timeout: 15_000, maxWait: 10_000 });
      if (opts.enqueues) ctx.onDeliveriesEnqueued();
      return { duplicate: false, value };
    } catch (err) {
      if (err instanceof DuplicateRequest) return { duplicate: true, key: err.key };
      if (err instanceof ServiceError && err.audit) await recordRefusal(ctx, err.audit);
      if ((err instanceof LostRace || isSerializationFailure(err)) && attempt < 5) continue;
      throw err;
    }
  }
}

function isSerializationFailure(err: unknown): boolean {
  const code = databaseErrorOf(err)?.code;
  // 40001 serialization failure, 40P01 deadlock, 23505 a concurrent insert of the same key
  // (e.g. two first answers to one question): all resolved by running again on fresh data.
  return code === "40001" || code === "40P01" || code === "23505";
}

/** Refusals are part of the record too: who tried what, on which screening. */
export async function recordRefusal(ctx: ServiceContext, audit: RefusalAudit): Promise<void> {
  try {
    await ctx.prisma.$transaction((tx) => appendAuditEvent(tx, audit));
  } catch (err) {
    ctx.log.error("could not record a refusal in the audit trail", { type: audit.type, error: describeError(err) });
  }
}

/**
 * A request whose form could not be read (private_metadata not ours: forged, truncated, or from
 * an older version of the bot). Recorded by which form and who, never with what it held.
 */
export async function recordUnreadableForm(ctx: ServiceContext, args: { actorId: string; form: string }): Promise<void> {
  await recordRefusal(ctx, { screeningId: null, actorId: args.actorId, type: "access.refused", data: { reason: "unreadable_form", form: args.form } });
}

/** Runs a read outside any transaction; a refusal it raises is recorded before it propagates. */
export async function audited<T>(ctx: ServiceContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ServiceError && err.audit) await recordRefusal(ctx, err.audit);
    throw err;
  }
}
