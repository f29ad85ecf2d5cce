// Re-screening before renewal: prompting the requesters whose screenings come up for review (and
// after a new list set or rule-set version, as the rules configure), starting a re-screening from
// the prompt or `/screening renew REF`, and what approvers read of it (the screening it renews,
// its decision, and what changed). The policy is src/domain/rescreening.ts; each prompt goes
// through the aggregate with its claim key as the request key, so its audit event, its outbox row
// and the claim land in one statement, once, however many instances run the scheduler.
import { randomUUID } from "node:crypto";
import { screeningIdOf } from "../domain/ids.js";
import { nextPage } from "../domain/interview.js";
import { unknownScreening, type CommandRefusal } from "../domain/interview-commands.js";
import { matchKey } from "../domain/party-matching.js";
import { newDraftRecord, type RenewalView, type ScreeningDetail, type ScreeningRecord } from "../domain/records.js";
import {
  decideRenewal,
  decideReviewPrompt,
  decidedWithin,
  renewalDrafts,
  renewalView,
  reviewsDue,
  startOfDay,
  tierRiseUnder,
  triggerKeySuffix,
  triggerPromptKey,
  type PromptReason,
} from "../domain/rescreening.js";
import { OPEN_REVIEW_STATUSES, REVIEWABLE_STATUSES } from "../domain/rule-set.js";
import { REFERENCE_PATTERN, type ScreeningStatus } from "../domain/screening.js";
import { createAggregate, loadAggregate, NEW_REFERENCE, type AggregateKey } from "../store/aggregate.js";
import { databaseErrorOf } from "../store/errors.js";
import { keyRecorded, recordKey, reviewCandidates, triggerCandidates, upcomingReviewsOf, type ReviewRow } from "../store/reviews.js";
import { ensureRuleSetVersion } from "../store/screenings.js";
import { describeError } from "../log-safe.js";
import { onAggregate, refused, storageChecked, type ServiceContext, type Step } from "./context.js";
import { ServiceError } from "./errors.js";
import { continueScreening, ruleSetContent, stepAt, type InterviewStep } from "./interview.js";
import { screenParties, type ListsInForce } from "./party-screening.js";
import { assertWithinBudget } from "./request-budget.js";

const DAY_MS = 86_400_000;
/** Prompts enqueued per pass of the scheduler; the next pass takes the rest. */
const PASS_LIMIT = 200;
const SYSTEM = "system";

// ---------------------------------------------------------------------------------------------
// Prompts

export interface PromptSummary {
  /** references of the screenings prompted in this pass */
  prompted: string[];
}

/**
 * Enqueues the re-screening prompt of every review whose lead time has begun (the rules'
 * `review.lead_days` before its date), once per screening and review date: the claim
 * `review:<screening id>:<date>` is written in the same statement as the outbox row and the
 * audit event, so a prompt is neither lost nor sent twice when several instances look at once.
 * The scheduler calls it; so may anyone (a second call finds nothing new).
 */
export async function promptReviewsDue(ctx: ServiceContext): Promise<PromptSummary> {
  const review = ctx.ruleSet.riskModel.review;
  const summary: PromptSummary = { prompted: [] };
  if (!review) return summary;
  const now = ctx.now();
  // Everything whose prompt has opened by now: its date is at most lead_days (plus today) away.
  const until = new Date(startOfDay(now).getTime() + (review.lead_days + 1) * DAY_MS);
  const candidates = await storageChecked(() => reviewCandidates(ctx.sql, { until, limit: PASS_LIMIT }));
  for (const due of reviewsDue(now, candidates, review.lead_days)) {
    const prompted = await promptOnce(ctx, { screeningId: due.screeningId, key: due.key, reason: "review_due", dueOn: due.dueOn });
    if (prompted) summary.prompted.push(due.reference);
  }
  if (summary.prompted.length > 0) ctx.log.info("re-screening prompts enqueued", { count: summary.prompted.length, reason: "review_due" });
  return summary;
}

/** One prompt through the aggregate; false when it was sent before or no longer applies. A failure is logged, never thrown (the pass goes on). */
async function promptOnce(
  ctx: ServiceContext,
  args: {
    screeningId: string;
    key: string;
    reason: PromptReason;
    dueOn: string | null;
    version?: string | undefined;
    /** whether the screening still qualifies, decided on fresh data (a trigger's own test) */
    qualifies?: (state: Parameters<typeof decideReviewPrompt>[0]) => Promise<{ ok: boolean; tierNow?: { to: string; toLabel: string } | undefined }>;
  },
): Promise<boolean> {
  try {
    return await onAggregate<boolean>(ctx, {
      key: { screeningId: args.screeningId },
      requestKey: args.key,
      actorId: SYSTEM,
      missing: () => ({ code: "not_found", message: "The screening disappeared before its re-screening prompt." }),
      // claimed already: by an earlier pass or another instance
      replay: () => false,
      decide: async (state): Promise<Step<boolean>> => {
        const check = args.qualifies ? await args.qualifies(state) : { ok: true };
        if (!check.ok) return { done: false };
        const change = decideReviewPrompt(state, {
          reason: args.reason,
          dueOn: args.dueOn,
          complianceChannelId: ctx.complianceChannelId,
          tierNow: check.tierNow,
          version: args.version,
        });
        return change ? { commit: change, answer: () => true } : { done: false };
      },
    });
  } catch (err) {
    ctx.log.error("could not enqueue a re-screening prompt", { screeningId: args.screeningId, reason: args.reason, error: describeError(err) });
    return false;
  }
}

/**
 * After a new restricted-party list set (imported at start or by lists:import): the decided
 * screenings the rules' `review.on_new_list_set` names (by status, decided within its window)
 * get a re-screening prompt, or, with `only_with_new_matches`, only those whose parties the new
 * set matches where the screening's own record did not. Open escalations are screened again by
 * rescreenAfterNewListSet (party-screening.ts), in their thread.
 */
export async function promptAfterNewListSet(ctx: ServiceContext, inForce: Exclude<ListsInForce, "not_configured">): Promise<PromptSummary> {
  const summary: PromptSummary = { prompted: [] };
  const trigger = ctx.ruleSet.riskModel.review?.on_new_list_set;
  if (!trigger || !inForce) return summary;
  const now = ctx.now();
  const version = inForce.set.contentHash;
  const ids = await storageChecked(() =>
    triggerCandidates(ctx.sql, {
      decided: trigger.statuses,
      decidedSince: new Date(now.getTime() - trigger.within_days * DAY_MS),
      open: [],
      keySuffix: triggerKeySuffix("new_list_set", version),
    }),
  );
  for (const screeningId of ids) {
    const prompted = await promptOnce(ctx, {
      screeningId,
      key: triggerPromptKey(screeningId, "new_list_set", version),
      reason: "new_list_set",
      dueOn: null,
      version,
      qualifies: async (state) => {
        if (!decidedWithin(state.screening, ctx.now(), trigger.within_days) || !(trigger.statuses as readonly ScreeningStatus[]).includes(state.screening.status)) return { ok: false };
        if (!trigger.only_with_new_matches) return { ok: true };
        const known = new Set((state.screening.scoring?.parties?.matches ?? []).map(matchKey));
        const outcome = await screenParties(inForce, ctx.prisma, ctx.ruleSet, state.answers);
        return { ok: outcome.record.matches.some((m) => m.resolution === undefined && !known.has(matchKey(m))) };
      },
    });
    if (prompted) summary.prompted.push(screeningId);
  }
  if (summary.prompted.length > 0) ctx.log.info("re-screening prompts enqueued", { count: summary.prompted.length, reason: "new_list_set" });
  return summary;
}

/**
 * The rule set in force is a version not seen by this trigger before: the screenings the rules'
 * `review.on_new_rule_set` names, scored with an earlier version, are looked at again. A decided
 * one (within the window) gets a prompt to its requester; an open one a note in its
 * escalation's thread; with `only_if_tier_rises`, only when its answers reach a higher tier
 * under the rules now in force. Once every candidate was looked at, the version is recorded
 * (`review-trigger:rules:<version>`), so a restart does not look again; a run cut short does.
 */
export async function promptAfterNewRuleSet(ctx: ServiceContext): Promise<PromptSummary> {
  const summary: PromptSummary = { prompted: [] };
  const trigger = ctx.ruleSet.riskModel.review?.on_new_rule_set;
  if (!trigger) return summary;
  const version = ctx.ruleSet.version;
  const done = `review-trigger:${triggerKeySuffix("new_rule_set", version)}`;
  if (await storageChecked(() => keyRecorded(ctx.sql, done))) return summary;
  const now = ctx.now();
  const decided = trigger.statuses.filter((s): s is (typeof REVIEWABLE_STATUSES)[number] => (REVIEWABLE_STATUSES as readonly string[]).includes(s));
  const open = trigger.statuses.filter((s): s is (typeof OPEN_REVIEW_STATUSES)[number] => (OPEN_REVIEW_STATUSES as readonly string[]).includes(s));
  const ids = await storageChecked(() =>
    triggerCandidates(ctx.sql, {
      decided,
      decidedSince: new Date(now.getTime() - trigger.within_days * DAY_MS),
      open,
      keySuffix: triggerKeySuffix("new_rule_set", version),
      notScoredWith: version,
    }),
  );
  for (const screeningId of ids) {
    const prompted = await promptOnce(ctx, {
      screeningId,
      key: triggerPromptKey(screeningId, "new_rule_set", version),
      reason: "new_rule_set",
      dueOn: null,
      version,
      qualifies: async (state) => {
        const s = state.screening;
        if (s.ruleSetHash === version || !(trigger.statuses as readonly ScreeningStatus[]).includes(s.status)) return { ok: false };
        if ((decided as readonly ScreeningStatus[]).includes(s.status) && !decidedWithin(s, ctx.now(), trigger.within_days)) return { ok: false };
        const rise = tierRiseUnder(ctx.ruleSet, s, state.answers);
        if (trigger.only_if_tier_rises && !rise) return { ok: false };
        return { ok: true, tierNow: rise ?? undefined };
      },
    });
    if (prompted) summary.prompted.push(screeningId);
  }
  await storageChecked(() => recordKey(ctx.sql, done, ctx.now()));
  if (summary.prompted.length > 0) ctx.log.info("re-screening prompts enqueued", { count: summary.prompted.length, reason: "new_rule_set" });
  return summary;
}

/** Runs the review prompts every `intervalMs` (first after `firstDelayMs`), until stopped. */
export function startReviewPrompts(ctx: ServiceContext, opts: { firstDelayMs?: number; intervalMs?: number } = {}): { runNow(): Promise<PromptSummary>; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<PromptSummary> | null = null;
  let queued: Promise<PromptSummary> | null = null;
  let stopped = false;
  const run = (): Promise<PromptSummary> => {
    if (stopped) return Promise.resolve({ prompted: [] });
    if (running) {
      // asked while a pass runs (the sandbox moved its clock): one more pass after it, on the time as it is then
      queued ??= running.then(() => {
        queued = null;
        return run();
      });
      return queued;
    }
    running = promptReviewsDue(ctx)
      .catch((err: unknown) => {
        ctx.log.error("re-screening prompts failed", { error: describeError(err) });
        return { prompted: [] };
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void run().finally(() => schedule(opts.intervalMs ?? 3_600_000));
    }, ms);
    timer.unref();
  };
  schedule(opts.firstDelayMs ?? 60_000);
  return {
    runNow: run,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      while (running || queued) await (queued ?? running);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Starting a re-screening

/**
 * Starts a re-screening of a cleared or approved screening, for its requester or an approver:
 * a new screening linked to it (both records show the link), whose pages are prefilled with its
 * answers, to be confirmed page by page. Asked again, it continues the re-screening under way.
 * Returns the first page.
 */
export async function startRescreening(
  ctx: ServiceContext,
  args: { previous: { screeningId: string } | { reference: string }; actorId: string; isApprover: boolean; teamId?: string | undefined; requestKey?: string | undefined },
): Promise<InterviewStep> {
  let key: AggregateKey;
  if ("reference" in args.previous) {
    const reference = args.previous.reference.trim().toUpperCase();
    // Not echoed: it is whatever the person typed.
    if (!REFERENCE_PATTERN.test(reference)) {
      throw new ServiceError("not_found", "That is not a screening reference. References look like DD-2026-0007; /screening list shows yours.");
    }
    key = { reference };
  } else {
    key = { screeningId: args.previous.screeningId };
  }
  const first = nextPage(ctx.ruleSet, {});
  if (!first) throw new ServiceError("not_in_force", "The questionnaire has no pages. Ask your compliance team to check the rules.");
  if (!storedRuleSets.has(ctx.ruleSet)) {
    await storageChecked(() => ensureRuleSetVersion(ctx.prisma, { hash: ctx.ruleSet.version, label: ctx.ruleSet.label, content: ruleSetContent(ctx.ruleSet) }));
    storedRuleSets.add(ctx.ruleSet);
  }
  let replayed = false;
  for (let attempt = 1; attempt <= 5; attempt++) {
    const loaded = await storageChecked(() => loadAggregate(ctx.sql, key));
    if (!loaded) throw await refused(ctx, missingScreening(args.previous), args.actorId, null);
    const previous = loaded.state;
    const decision = decideRenewal(previous, { actorId: args.actorId, isApprover: args.isApprover });
    if (decision.kind === "refused") throw await refused(ctx, decision.refusal, args.actorId, previous.screening.id);
    if (decision.kind === "continue") return continueScreening(ctx, { screeningId: decision.screeningId, actorId: args.actorId });
    if (replayed) {
      throw new ServiceError("conflict", "That request was already handled. Type /screening resume to continue the re-screening it started.");
    }
    assertWithinBudget();
    const now = ctx.now();
    const id = screeningIdOf(randomUUID());
    const drafts = renewalDrafts(ctx.ruleSet, previous.answers);
    let created;
    try {
      created = await storageChecked(() =>
        createAggregate(ctx.sql, {
          id,
          requesterId: args.actorId,
          teamId: args.teamId ?? previous.teamId,
          ruleSetHash: ctx.ruleSet.version,
          currentPage: first.page.id,
          requestKey: args.requestKey,
          now,
          previousScreeningId: previous.screening.id,
          drafts,
          audit: { type: "screening.created", data: { ruleSetVersion: ctx.ruleSet.version, renews: previous.screening.reference, renewsId: previous.screening.id } },
          also: [{ screeningId: previous.screening.id, type: "screening.rescreening_started", data: { rescreening: NEW_REFERENCE, rescreeningId: id } }],
        }),
      );
    } catch (err) {
      // 23505: someone started its re-screening at the same moment (one per screening), or
      // another writer appended to the audit chain first. Look again.
      if (databaseErrorOf(err)?.code === "23505" || databaseErrorOf(err)?.code === "40001") continue;
      throw err;
    }
    if (!created) {
      // The request key was taken: a replayed click or command. What it started is found above.
      replayed = true;
      continue;
    }
    ctx.log.info("re-screening started", { screeningId: id, renews: previous.screening.id });
    const screening: ScreeningRecord = {
      ...newDraftRecord({ id, reference: created.reference, requesterId: args.actorId, currentPage: first.page.id, ruleSetHash: ctx.ruleSet.version, now }),
      reviewDueAt: null,
      renews: { id: previous.screening.id, reference: previous.screening.reference },
      renewedBy: null,
    };
    return stepAt(ctx.ruleSet, screening, {}, first.page.id, drafts);
  }
  throw new ServiceError("conflict", "Someone else changed this screening at the same moment. Nothing was started: please try again.");
}

/** The rule set a re-screening is created with is stored once per process (screenings reference it). */
const storedRuleSets = new WeakSet<object>();

function missingScreening(previous: { screeningId: string } | { reference: string }): CommandRefusal {
  if ("reference" in previous) {
    return { code: "not_found", message: `No screening ${previous.reference.trim().toUpperCase()} that you can see. /screening list shows yours.` };
  }
  return unknownScreening(previous.screeningId);
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * A re-screening against the screening it renews (for View answers): the previous outcome with
 * its decisions, and the answers changed since. Null for a screening that renews none.
 */
export async function renewalOf(ctx: ServiceContext, detail: Pick<ScreeningDetail, "screening" | "answers">): Promise<RenewalView | null> {
  const link = detail.screening.renews;
  if (!link) return null;
  const previous = await loadAggregate(ctx.sql, { screeningId: link.id });
  if (!previous) return null;
  const { screening, answers, escalation } = previous.state;
  return renewalView(ctx.ruleSet, { screening, answers, escalation }, detail);
}

/**
 * One person's decided screenings whose review comes up within `withinDays` (default: the
 * rules' lead time, at least 30 days) or is overdue, not re-screened yet, soonest first (Home tab).
 */
export async function upcomingReviews(ctx: ServiceContext, args: { requesterId: string; withinDays?: number; limit?: number }): Promise<ReviewRow[]> {
  const review = ctx.ruleSet.riskModel.review;
  if (!review) return [];
  const days = args.withinDays ?? Math.max(review.lead_days, 30);
  const until = new Date(startOfDay(ctx.now()).getTime() + (days + 1) * DAY_MS);
  return upcomingReviewsOf(ctx.sql, { requesterId: args.requesterId, until, limit: args.limit ?? 10 });
}
