// What every use case needs, passed in explicitly (no module-level singletons), and the one
// way a use case changes a screening (onAggregate: load, decide, commit).
import { applyChange, type AggregateChange, type AggregateState } from "../domain/aggregate.js";
import type { CommandRefusal } from "../domain/interview-commands.js";
import type { ListIndex, ListSetSummary } from "../domain/party-matching.js";
import { withReviewDate } from "../domain/rescreening.js";
import type { RuleSet } from "../domain/rule-set.js";
import { appendAudit, commitAggregate, loadAggregate, type AggregateKey } from "../store/aggregate.js";
import { DataFolderGone } from "../store/data-folder-watch.js";
import type { Sql } from "../store/sql.js";
import type { StoreClient } from "../store/types.js";
import { databaseErrorOf } from "../store/errors.js";
import { describeError, type Logger } from "../log-safe.js";
import { ServiceError, type RefusalAudit } from "./errors.js";

export type { Logger };
import { assertWithinBudget } from "./request-budget.js";


export interface ServiceContext {
  /** the store's client for its cold paths: handed to store functions, never queried here */
  prisma: StoreClient;
  /** the request path's SQL: aggregate reads and writes, one statement each (src/store/aggregate.ts) */
  sql: Sql;
  /** the rule set in force: new pages are shown and submissions scored with it */
  ruleSet: RuleSet;
  complianceChannelId: string;
  now: () => Date;
  log: Logger;
  /** told after a commit that enqueued Slack deliveries, with their ids, so they are sent at once */
  onDeliveriesEnqueued: (deliveryIds?: readonly string[]) => void;
  /** the restricted-party lists in force (SCREENING_LISTS); absent: parties are not screened */
  partyLists?: PartyLists | undefined;
  /** MISUSE_REPORTS_ANONYMOUS: whether a misuse report may leave out its reporter's name; absent: allowed */
  misuseReportsAnonymous?: "allowed" | "never" | undefined;
  /** years a record is kept after its last change (RECORDS_RETENTION_YEARS); absent: the default, 5 */
  recordsRetentionYears?: number | undefined;
}

/** The list set in force and the matcher's index of it (src/lists/index-cache.ts). */
export interface PartyLists {
  /** null when no list set was ever imported */
  current(): Promise<{ set: ListSetSummary; index: ListIndex } | null>;
}

/** A lost race: 40001 serialization failure (also raised by the commit statement itself), 40P01 deadlock, 23505 a concurrent insert of the same key (another writer appended to the audit chain first). Run again on fresh data. */
function isSerializationFailure(err: unknown): boolean {
  const code = databaseErrorOf(err)?.code;
  return code === "40001" || code === "40P01" || code === "23505";
}

/**
 * Runs one statement again when it lost a race on the audit chain's tail (another writer appended
 * first) or a serialization check: a statement is atomic, so nothing of the loser was written.
 */
export async function retryingRace<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (isSerializationFailure(err) && attempt < ATTEMPTS) continue;
      throw err;
    }
  }
}

/** Refusals are part of the record too: who tried what, on which screening (one statement). */
export async function recordRefusal(ctx: ServiceContext, audit: RefusalAudit): Promise<void> {
  try {
    await retryingRace(() => appendAudit(ctx.sql, [{ screeningId: audit.screeningId, actorId: audit.actorId, type: audit.type, data: audit.data }], ctx.now()));
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

// ---------------------------------------------------------------------------------------------
// The aggregate's one path: load (one statement) → decide (pure, src/domain) → commit (one statement).

/** What a use case decided about the aggregate it was handed. */
export type Step<R> =
  /** write this change; `answer` turns the state after it into the use case's answer */
  | { commit: AggregateChange; answer: (after: AggregateState) => R }
  /** nothing to write */
  | { done: R }
  /** refused: the refusal's audit event is recorded (one statement), then it is thrown as a ServiceError */
  | { refuse: CommandRefusal; actorId: string };

export interface AggregateUseCase<R> {
  key: AggregateKey;
  /** the request's idempotency key: a replay gets `replay`, and the commit claims the key */
  requestKey?: string | undefined;
  /** who is asking, for the refusal recorded when the key names no screening */
  actorId: string;
  /** no screening has this key */
  missing: () => CommandRefusal;
  /** the request was handled before: answer as the first one did, writing nothing */
  replay?: (state: AggregateState) => R | Promise<R>;
  decide: (state: AggregateState) => Step<R> | Promise<Step<R>>;
}

const ATTEMPTS = 5;

/**
 * Runs one use case on one screening. A commit that lost a race (the screening changed since it
 * was read, or another writer appended to the audit chain first) runs the whole use case again
 * on fresh data; a replayed request is answered by `replay` without writing anything. Right
 * before the commit the request's budget is checked, so a "busy" answer always means nothing
 * was saved.
 */
export async function onAggregate<R>(ctx: ServiceContext, useCase: AggregateUseCase<R>): Promise<R> {
  return storageChecked(() => runAggregate(ctx, useCase));
}

/** The embedded data folder gone (data-folder-watch.ts): refused, with words that say what it means. */
export async function storageChecked<R>(work: () => Promise<R>): Promise<R> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DataFolderGone) throw new ServiceError("unavailable", STORAGE_GONE);
    throw err;
  }
}

export const STORAGE_GONE = "Nothing was saved: the screening database is unavailable until the bot's administrator restores it. Try again later.";

async function runAggregate<R>(ctx: ServiceContext, useCase: AggregateUseCase<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const loaded = await loadAggregate(ctx.sql, useCase.key, useCase.requestKey);
    if (!loaded) throw await refused(ctx, useCase.missing(), useCase.actorId, null);
    if (loaded.requestSeen && useCase.replay) return useCase.replay(loaded.state);
    let step: Step<R>;
    try {
      // a decision may record a refusal's audit event on the way (one statement), which can lose the chain's race too
      step = await useCase.decide(loaded.state);
    } catch (err) {
      if (isSerializationFailure(err) && attempt < ATTEMPTS) continue;
      throw err;
    }
    if ("done" in step) return step.done;
    if ("refuse" in step) throw await refused(ctx, step.refuse, step.actorId, loaded.state.screening.id);
    assertWithinBudget();
    const now = ctx.now();
    // Cleared or approved, by whichever path: the review date goes with it (domain/rescreening.ts).
    const change = withReviewDate(ctx.ruleSet, loaded.state, step.commit, now);
    let result;
    try {
      result = await commitAggregate(ctx.sql, { state: loaded.state, change, requestKey: useCase.requestKey, now });
    } catch (err) {
      if (isSerializationFailure(err) && attempt < ATTEMPTS) continue;
      throw err;
    }
    if (!result.committed) {
      if (attempt < ATTEMPTS) continue;
      throw new ServiceError("conflict", "Someone else changed this screening at the same moment. Nothing was saved: please try again.");
    }
    if (result.deliveryIds.length > 0) ctx.onDeliveriesEnqueued(result.deliveryIds);
    return step.answer(applyChange(loaded.state, change, now));
  }
}

/** Records a refusal's audit event (if it has one) and returns it as the error to throw. */
export async function refused(ctx: ServiceContext, refusal: CommandRefusal, actorId: string, screeningId: string | null): Promise<ServiceError> {
  if (refusal.code === "forbidden") ctx.log.warn("refused access to another requester's screening", { screeningId, actorId });
  if (refusal.audit) await recordRefusal(ctx, { screeningId, actorId, ...refusal.audit });
  return new ServiceError(refusal.code, refusal.message);
}
