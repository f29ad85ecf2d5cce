// Slack gives every request 3 seconds. A request that has waited in the queue so long that it
// could not be answered in time is refused before anything is written ("busy, nothing was
// saved"), so what the person is told stays true. The HTTP edge starts the clock
// (runWithRequestBudget); the use cases check it right before they commit (assertWithinBudget).
import { AsyncLocalStorage } from "node:async_hooks";
import { ServiceError } from "./errors.js";

interface Budget {
  /** when the request arrived (ms since the epoch) */
  receivedAt: number;
  /** how long after arrival a commit may still start */
  budgetMs: number;
}

const storage = new AsyncLocalStorage<Budget>();

/** Runs a request's handling with its clock; outside it (CLI, workers, tests calling services) no budget applies. */
export function runWithRequestBudget<T>(budget: Budget, work: () => T): T {
  return storage.run(budget, work);
}

/** Time left before the commit deadline (Infinity outside a request). */
export function budgetLeftMs(now: number = Date.now()): number {
  const budget = storage.getStore();
  return budget ? budget.receivedAt + budget.budgetMs - now : Number.POSITIVE_INFINITY;
}

export const BUSY_MESSAGE = "The bot is busy right now and could not handle this in time. Nothing was saved: please submit again.";

/** Throws a "busy" ServiceError when the request's budget is spent; called before a commit. */
export function assertWithinBudget(now: number = Date.now()): void {
  if (budgetLeftMs(now) <= 0) throw new ServiceError("busy", BUSY_MESSAGE);
}
