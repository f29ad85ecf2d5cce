// Cross-cutting steps that run before any listener, as Bolt global middleware (`app.use`, in
// this order, from app.ts):
//   1. `startRequestBudget` (Socket Mode only): the request's clock, from now. Over HTTP the
//      receiver starts it at arrival (receiver.ts), before the body is even read.
//   2. `shedLateRequests`: a request that has already waited past its budget (queued behind
//      others) is answered "busy" at once, without any database work: a field error on a
//      form, an ephemeral message (or a notice modal) for a click, an ephemeral reply to a command.
// The other admission checks (signature, a body that parses, the installation's team and app, a
// shape Slack sends) are the receiver's, as named steps of its pipeline: Bolt reads fields of
// the body before any middleware runs, so they cannot wait until here.
import type { RespondFn, webApi } from "@slack/bolt";
import type { View } from "@slack/types";
import type { Logger } from "../../services/context.js";
import { budgetLeftMs, runWithRequestBudget } from "../../services/request-budget.js";
import { buildNoticeModal } from "../blocks/notice-modal.js";
import { BUSY_CLICK_MESSAGE, BUSY_MESSAGE } from "../failures.js";
import { tellClicker } from "../private-reply.js";

/** What these steps read of Bolt's middleware arguments (a test builds just this). */
export interface DispatchArgs {
  body: unknown;
  // Bolt's ack takes a different response per kind of request.
  ack?: ((response?: any) => Promise<void>) | undefined;
  respond?: RespondFn | undefined;
  client: webApi.WebClient;
  next: () => Promise<void>;
}

export type DispatchStep = (args: DispatchArgs) => Promise<void>;

/** Socket Mode: the request's budget counted from now (over HTTP the receiver has started it already). */
export function startRequestBudget(budgetMs: number): DispatchStep {
  return async function startRequestBudget({ next }) {
    if (Number.isFinite(budgetLeftMs())) return next();
    return runWithRequestBudget({ receivedAt: Date.now(), budgetMs }, next);
  };
}

/**
 * Answers "busy" at once, before any listener, when the request's budget is already spent.
 * Only what a person waits on: commands, clicks and submissions. A modal closed and an event are
 * answered by an empty acknowledgement that nobody waits on, so they go on to their listeners.
 */
export function shedLateRequests(log: Logger): DispatchStep {
  return async function shedLateRequests(args) {
    const left = budgetLeftMs();
    if (left > 0) return args.next();
    const body = isRecord(args.body) ? args.body : {};
    if (typeof body.command === "string") {
      await args.ack?.({ response_type: "ephemeral", text: BUSY_CLICK_MESSAGE });
    } else if (body.type === "view_submission") {
      await args.ack?.(busyViewResponse(body.view));
    } else if (body.type === "block_actions") {
      await args.ack?.();
      await tellClicker({ body: body as unknown as Parameters<typeof tellClicker>[0]["body"], client: args.client, respond: args.respond }, "Busy", BUSY_CLICK_MESSAGE);
    } else {
      return args.next();
    }
    log.warn("answered busy: the request waited past its budget before any work", {
      kind: typeof body.command === "string" ? "command" : String(body.type).slice(0, 30),
      overBudgetMs: Math.round(-left),
    });
  };
}

/**
 * A submitted form's "busy" answer: BUSY_MESSAGE on its first input block (the form stays as
 * typed, to submit again), or, on a form without inputs (the review), a notice pushed on top
 * of it, so that closing the notice goes back to the form.
 */
export function busyViewResponse(view: unknown): { response_action: "errors"; errors: Record<string, string> } | { response_action: "push"; view: View } {
  const blockId = firstInputBlockId(view);
  if (blockId) return { response_action: "errors", errors: { [blockId]: BUSY_MESSAGE } };
  return { response_action: "push", view: buildNoticeModal("Busy", BUSY_MESSAGE) };
}

/** The block id of the view's first input block (from its blocks, else from its state). */
export function firstInputBlockId(view: unknown): string | undefined {
  if (!isRecord(view)) return undefined;
  if (Array.isArray(view.blocks)) {
    for (const block of view.blocks) {
      if (isRecord(block) && block.type === "input" && typeof block.block_id === "string" && block.block_id) return block.block_id;
    }
  }
  const values = isRecord(view.state) && isRecord(view.state.values) ? view.state.values : undefined;
  return values ? Object.keys(values)[0] : undefined;
}

/**
 * Runs `work` with no deadline: for work after an empty acknowledgement that nobody waits on
 * and that must not be dropped (the draft of a closed modal).
 */
export function withoutDeadline<T>(work: () => T): T {
  return runWithRequestBudget({ receivedAt: Date.now(), budgetMs: Number.POSITIVE_INFINITY }, work);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
