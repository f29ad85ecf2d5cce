// Use cases of the requester: start, resume, answer a page, move between pages, submit,
// and reopen after compliance asked for more information.
import {
  checkAnswer,
  wellFormedText,
  firstIncompletePage,
  interviewState,
  missingAnswers,
  nextPage,
  pageInForce,
  previousPage,
  type MissingAnswer,
  type PageInForce,
} from "../domain/interview.js";
import type { ScreeningRecord } from "../domain/records.js";
import type { AnswerValue, Answers, RuleSet } from "../domain/rule-set.js";
import { scoreScreening, type ScoringResult } from "../domain/scoring.js";
import { listsInForce, screenParties } from "./party-screening.js";
import { perObject } from "../domain/memo.js";
import { isEditable } from "../domain/screening.js";
import { appendAuditEvent } from "../store/audit.js";
import { enqueueDelivery } from "../store/deliveries.js";
import { createEscalation, findEscalationOfScreening, updateEscalationIfUnchanged } from "../store/escalations.js";
import { toScreeningRecord } from "../store/records.js";
import { claimRequestKey, requestSeen } from "../store/requests.js";
import {
  createScreening,
  currentAnswers,
  draftsColumn,
  ensureRuleSetVersion,
  nextReference,
  readDrafts,
  saveAnswers,
  type Drafts,
  type PageDraft,
} from "../store/screenings.js";
import type { Tx } from "../store/types.js";
import { audited, inTransaction, LostRace, type ServiceContext } from "./context.js";
import { DuplicateRequest, ServiceError } from "./errors.js";
import { loadScreening } from "./queries.js";

export type { PageDraft } from "../store/screenings.js";

export interface PageStep {
  kind: "page";
  screening: ScreeningRecord;
  page: PageInForce;
  /** 0-based position among the pages in force, and how many there are */
  position: { index: number; count: number };
  isLast: boolean;
  answers: Answers;
  /** what was typed on this page and not saved (Back, closing the modal): shown instead of the answers */
  draft?: PageDraft | undefined;
}

export interface ReviewStep {
  kind: "review";
  screening: ScreeningRecord;
  pages: PageInForce[];
  answers: Answers;
  missing: MissingAnswer[];
}

export type InterviewStep = PageStep | ReviewStep;

/** Where an interview stands: the page to show (with its draft, if any), or the review when every page is done. */
export function stepAt(
  ruleSet: RuleSet,
  screening: ScreeningRecord,
  answers: Answers,
  pageId: string | null | undefined,
  drafts: Drafts = {},
): InterviewStep {
  const { pages } = interviewState(ruleSet, answers);
  const index = pageId ? pages.findIndex((p) => p.page.id === pageId) : -1;
  const page = pages[index];
  if (page) {
    const draft = Object.hasOwn(drafts, page.page.id) ? drafts[page.page.id] : undefined;
    return { kind: "page", screening, page, position: { index, count: pages.length }, isLast: index === pages.length - 1, answers, ...(draft ? { draft } : {}) };
  }
  return { kind: "review", screening, pages, answers, missing: missingAnswers(ruleSet, answers) };
}

export async function startScreening(
  ctx: ServiceContext,
  args: { requesterId: string; teamId?: string | undefined; requestKey?: string | undefined },
): Promise<InterviewStep> {
  const first = nextPage(ctx.ruleSet, {});
  if (!first) throw new ServiceError("not_in_force", "The questionnaire has no pages. Ask your compliance team to check the rules.");
  const outcome = await inTransaction(ctx, async (tx) => {
    // A replayed command or click (same trigger or action_ts) must not leave a second draft.
    if (args.requestKey && !(await claimRequestKey(tx, args.requestKey))) throw new DuplicateRequest(args.requestKey);
    await ensureRuleSetVersion(tx, { hash: ctx.ruleSet.version, label: ctx.ruleSet.label, content: ruleSetContent(ctx.ruleSet) });
    const reference = await nextReference(tx, ctx.now().getUTCFullYear());
    const row = await createScreening(tx, {
      reference,
      requesterId: args.requesterId,
      teamId: args.teamId,
      ruleSetHash: ctx.ruleSet.version,
      currentPage: first.page.id,
    });
    await appendAuditEvent(tx, { screeningId: row.id, actorId: args.requesterId, type: "screening.created", data: { reference, ruleSetVersion: ctx.ruleSet.version } });
    return toScreeningRecord(row);
  });
  if (outcome.duplicate) {
    throw new ServiceError("conflict", "That request was already handled: the screening it started is saved. Type /screening resume to continue it.");
  }
  return stepAt(ctx.ruleSet, outcome.value, {}, first.page.id);
}

/** The requester's newest unfinished screening, at the page where it stopped. */
export async function resumeScreening(ctx: ServiceContext, requesterId: string): Promise<InterviewStep | null> {
  const row = await ctx.prisma.screening.findFirst({
    where: { requesterId, status: { in: ["draft", "info_requested"] } },
    orderBy: { createdAt: "desc" },
  });
  if (!row) return null;
  if (row.status === "info_requested") return reopenScreening(ctx, { screeningId: row.id, actorId: requesterId });
  const screening = toScreeningRecord(row);
  const answers = await currentAnswers(ctx.prisma, screening.id);
  const drafts = await readDrafts(ctx.prisma, screening.id);
  return stepAt(ctx.ruleSet, screening, answers, resumePage(ctx.ruleSet, answers, screening.currentPage), drafts);
}

/** One of the requester's own unfinished screenings, at the page where it stopped. */
export async function continueScreening(ctx: ServiceContext, args: { screeningId: string; actorId: string }): Promise<InterviewStep> {
  const screening = await audited(ctx, () => ownEditable(ctx, ctx.prisma, args.screeningId, args.actorId));
  if (screening.status === "info_requested") return reopenScreening(ctx, args);
  const answers = await currentAnswers(ctx.prisma, screening.id);
  const drafts = await readDrafts(ctx.prisma, screening.id);
  return stepAt(ctx.ruleSet, screening, answers, resumePage(ctx.ruleSet, answers, screening.currentPage), drafts);
}

function resumePage(ruleSet: RuleSet, answers: Answers, saved: string | null): string | undefined {
  if (saved && pageInForce(ruleSet, answers, saved)) return saved;
  return firstIncompletePage(ruleSet, answers);
}

/** Shows a page of the requester's own editable screening without saving anything (Edit from the review). */
export async function showPage(ctx: ServiceContext, args: { screeningId: string; actorId: string; pageId: string; direction?: "back" }): Promise<InterviewStep> {
  const screening = await audited(ctx, () => ownEditable(ctx, ctx.prisma, args.screeningId, args.actorId));
  const answers = await currentAnswers(ctx.prisma, screening.id);
  const drafts = await readDrafts(ctx.prisma, screening.id);
  if (args.direction === "back") {
    const prev = previousPage(ctx.ruleSet, answers, args.pageId);
    return stepAt(ctx.ruleSet, screening, answers, prev?.page.id ?? args.pageId, drafts);
  }
  return stepAt(ctx.ruleSet, screening, answers, args.pageId, drafts);
}

/**
 * Back from a page: what was typed on it is kept as a draft (see keepDraft), then the page
 * before it is shown. `raw` holds only the questions the modal reported; nothing reported,
 * nothing written.
 */
export async function goBack(
  ctx: ServiceContext,
  args: { screeningId: string; actorId: string; pageId: string; raw: PageDraft; requestKey: string },
): Promise<InterviewStep> {
  const previousOf = (screening: ScreeningRecord, answers: Answers, drafts: Drafts) =>
    stepAt(ctx.ruleSet, screening, answers, previousPage(ctx.ruleSet, answers, args.pageId)?.page.id ?? args.pageId, drafts);
  if (Object.keys(args.raw).length === 0) return showPage(ctx, { ...args, direction: "back" });
  const outcome = await inTransaction(ctx, async (tx) => {
    if (!(await claimRequestKey(tx, args.requestKey))) throw new DuplicateRequest(args.requestKey);
    const screening = await ownEditable(ctx, tx, args.screeningId, args.actorId);
    const answers = await currentAnswers(tx, screening.id);
    const drafts = await readDrafts(tx, screening.id);
    const kept = await keepDraft(ctx, tx, { screening, answers, drafts, pageId: args.pageId, raw: args.raw, actorId: args.actorId, via: "back" });
    if (!kept) return previousOf(screening, answers, drafts);
    const prev = previousPage(ctx.ruleSet, kept.answers, args.pageId);
    const row = await bumpScreening(tx, screening, { drafts: kept.drafts, ...(prev ? { currentPage: prev.page.id } : {}) });
    return previousOf(row, kept.answers, kept.drafts);
  });
  if (!outcome.duplicate) return outcome.value;
  // A replayed click: show where the first one led.
  const screening = await audited(ctx, () => ownEditable(ctx, ctx.prisma, args.screeningId, args.actorId));
  return previousOf(screening, await currentAnswers(ctx.prisma, screening.id), await readDrafts(ctx.prisma, screening.id));
}

/**
 * Keeps what was typed on a page the requester leaves without pressing Next. Each value that
 * passes the page's checks is saved as an answer, as Next would save it; everything typed (valid
 * or not) stays as the page's draft, so the page shows it again exactly as it was left. Nothing
 * invalid ever becomes an answer, and a choice the modal never offered is dropped (and audited).
 * Returns the answers and drafts after the change (the caller writes the drafts with its version
 * check), or null when the page is not in force or nothing usable on it was reported.
 */
async function keepDraft(
  ctx: ServiceContext,
  tx: Tx,
  args: { screening: ScreeningRecord; answers: Answers; drafts: Drafts; pageId: string; raw: PageDraft; actorId: string; via: "back" | "close" },
): Promise<{ answers: Answers; drafts: Drafts } | null> {
  const page = pageInForce(ctx.ruleSet, args.answers, args.pageId);
  if (!page) return null;
  const draft: PageDraft = {};
  const values: Record<string, AnswerValue | undefined> = {};
  const invalid: string[] = [];
  const notOffered: string[] = [];
  for (const question of page.questions) {
    if (!Object.hasOwn(args.raw, question.id)) continue;
    const raw = args.raw[question.id] ?? null;
    const checked = checkAnswer(ctx.ruleSet, question, raw ?? undefined);
    if (!checked.ok && checked.notOffered) {
      notOffered.push(question.id);
      continue;
    }
    // The draft keeps what was typed, but must be storable: a lone surrogate (which the check
    // refuses, so it never becomes an answer) is kept as U+FFFD.
    draft[question.id] = raw === null ? null : typeof raw === "string" ? wellFormedText(raw) : raw.map(wellFormedText);
    if (checked.ok) values[question.id] = checked.value;
    else invalid.push(question.id);
  }
  if (notOffered.length > 0) {
    // The modal only offers the rules' options: anything else was forged (or the rules changed under an open modal).
    await appendAuditEvent(tx, {
      screeningId: args.screening.id,
      actorId: args.actorId,
      type: "answers.refused",
      data: { page: args.pageId, questions: notOffered, reason: "option_not_offered" },
    });
  }
  if (Object.keys(draft).length === 0) return null;
  const saved = await saveAnswers(tx, args.screening.id, values, args.actorId);
  const answers: Record<string, AnswerValue> = { ...args.answers };
  for (const [id, v] of Object.entries(values)) {
    if (v === undefined) delete answers[id];
    else answers[id] = v;
  }
  const drafts: Drafts = { ...args.drafts, [args.pageId]: draft };
  // Which questions, never what was typed: a draft may hold anything, and the trail is kept forever.
  await appendAuditEvent(tx, {
    screeningId: args.screening.id,
    actorId: args.actorId,
    type: "answers.drafted",
    data: { page: args.pageId, via: args.via, saved, unsaved: invalid },
  });
  return { answers, drafts };
}

export type SavePageResult = { kind: "errors"; errors: Record<string, string> } | InterviewStep;

/**
 * Saves one page's answers (raw values as read from the modal) and returns the next step.
 * Nothing invalid is saved: any invalid answer returns field errors and writes nothing.
 */
export async function savePage(
  ctx: ServiceContext,
  args: { screeningId: string; pageId: string; actorId: string; raw: Record<string, string | string[] | undefined>; requestKey: string },
): Promise<SavePageResult> {
  // Read outside the transaction: the embedded database serves one connection at a time.
  const lists = await listsInForce(ctx.partyLists);
  const outcome = await inTransaction(ctx, async (tx): Promise<SavePageResult> => {
    if (await requestSeen(tx, args.requestKey)) throw new DuplicateRequest(args.requestKey);
    const screening = await ownEditable(ctx, tx, args.screeningId, args.actorId);
    const answers = await currentAnswers(tx, screening.id);
    const drafts = await readDrafts(tx, screening.id);
    const page = pageInForce(ctx.ruleSet, answers, args.pageId);
    if (!page) return stepAt(ctx.ruleSet, screening, answers, resumePage(ctx.ruleSet, answers, screening.currentPage), drafts);

    const errors: Record<string, string> = {};
    const notOffered: string[] = [];
    const values: Record<string, AnswerValue | undefined> = {};
    for (const question of page.questions) {
      const checked = checkAnswer(ctx.ruleSet, question, args.raw[question.id]);
      if (checked.ok) values[question.id] = checked.value;
      else {
        errors[question.id] = checked.message;
        if (checked.notOffered) notOffered.push(question.id);
      }
    }
    if (notOffered.length > 0) {
      // The modal only offers the rules' options: anything else was forged (or the rules changed under an open modal).
      await appendAuditEvent(tx, {
        screeningId: screening.id,
        actorId: args.actorId,
        type: "answers.refused",
        data: { page: args.pageId, questions: notOffered, reason: "option_not_offered" },
      });
    }
    if (Object.keys(errors).length > 0) return { kind: "errors", errors };
    if (!(await claimRequestKey(tx, args.requestKey))) throw new DuplicateRequest(args.requestKey);

    const changed = await saveAnswers(tx, screening.id, values, args.actorId);
    const updated = { ...answers };
    for (const [id, v] of Object.entries(values)) {
      if (v === undefined) delete updated[id];
      else updated[id] = v;
    }
    const next = nextPage(ctx.ruleSet, updated, args.pageId);
    // The page is saved: its draft (if Back or closing the modal left one) has served its purpose.
    const hadDraft = Object.hasOwn(drafts, args.pageId);
    const remaining: Drafts = { ...drafts };
    delete remaining[args.pageId];
    const row = await bumpScreening(tx, screening, { currentPage: next?.page.id ?? null, ...(hadDraft ? { drafts: remaining } : {}) });
    await appendAuditEvent(tx, {
      screeningId: screening.id,
      actorId: args.actorId,
      type: "answers.saved",
      data: { page: args.pageId, changed },
    });
    // A page that names parties: they are screened now, and the record says what was found
    // (the requester is not told: a potential match is for compliance to resolve).
    if (lists !== "not_configured" && page.questions.some((q) => q.party !== undefined && changed.includes(q.id))) {
      const parties = await screenParties(lists, tx, ctx.ruleSet, updated);
      await appendAuditEvent(tx, {
        screeningId: screening.id,
        actorId: args.actorId,
        type: "parties.screened",
        data: {
          page: args.pageId,
          names: parties.record.names,
          screened: parties.record.screened,
          listSet: parties.record.listSet?.contentHash.slice(0, 12) ?? null,
          potentialMatches: parties.record.matches.filter((m) => m.resolution === undefined).length,
        },
      });
    }
    return stepAt(ctx.ruleSet, row, updated, next?.page.id, remaining);
  });
  if (!outcome.duplicate) return outcome.value;
  // A replayed submission of a page already saved: answer with where the interview stands now.
  const screening = await ownEditable(ctx, ctx.prisma, args.screeningId, args.actorId).catch(() => null);
  if (!screening) throw new ServiceError("not_editable", "This page was already saved.");
  const answers = await currentAnswers(ctx.prisma, screening.id);
  const drafts = await readDrafts(ctx.prisma, screening.id);
  return stepAt(ctx.ruleSet, screening, answers, nextPage(ctx.ruleSet, answers, args.pageId)?.page.id, drafts);
}

/**
 * The requester closed the modal ("Save & close", or the modal's own close): what was typed on
 * the open page is kept as a draft (see keepDraft), the page is remembered for
 * `/screening resume`, and a DM tells them their screening is saved and how to continue.
 */
export async function pauseScreening(
  ctx: ServiceContext,
  args: { screeningId: string; actorId: string; pageId: string | null; raw?: PageDraft | undefined; requestKey?: string | undefined },
): Promise<void> {
  await inTransaction(
    ctx,
    async (tx) => {
      if (args.requestKey && !(await claimRequestKey(tx, args.requestKey))) throw new DuplicateRequest(args.requestKey);
      const screening = await ownEditable(ctx, tx, args.screeningId, args.actorId);
      const kept =
        args.pageId !== null && args.raw && Object.keys(args.raw).length > 0
          ? await keepDraft(ctx, tx, {
              screening,
              answers: await currentAnswers(tx, screening.id),
              drafts: await readDrafts(tx, screening.id),
              pageId: args.pageId,
              raw: args.raw,
              actorId: args.actorId,
              via: "close",
            })
          : null;
      const movesPage = args.pageId !== null && args.pageId !== screening.currentPage;
      if (kept || movesPage) {
        await bumpScreening(tx, screening, { ...(movesPage ? { currentPage: args.pageId } : {}), ...(kept ? { drafts: kept.drafts } : {}) });
      }
      await appendAuditEvent(tx, { screeningId: screening.id, actorId: args.actorId, type: "interview.paused", data: { page: args.pageId } });
      await enqueueDelivery(tx, screening.id, { kind: "dm_draft_saved", screeningId: screening.id });
    },
    { enqueues: true },
  );
}

export type SubmitResult =
  | { kind: "incomplete"; step: InterviewStep; missing: MissingAnswer[] }
  | { kind: "submitted"; screening: ScreeningRecord; result: ScoringResult; escalated: boolean; resubmission: boolean };

export async function submitScreening(
  ctx: ServiceContext,
  args: { screeningId: string; actorId: string; requestKey: string },
): Promise<SubmitResult> {
  const lists = await listsInForce(ctx.partyLists);
  const outcome = await inTransaction(
    ctx,
    async (tx): Promise<SubmitResult> => {
      if (await requestSeen(tx, args.requestKey)) throw new DuplicateRequest(args.requestKey);
      const screening = await ownEditable(ctx, tx, args.screeningId, args.actorId);
      if (screening.status !== "draft") throw new ServiceError("not_editable", editableMessage(screening));
      const answers = await currentAnswers(tx, screening.id);
      const missing = missingAnswers(ctx.ruleSet, answers);
      if (missing.length > 0) {
        return { kind: "incomplete", missing, step: stepAt(ctx.ruleSet, screening, answers, missing[0]?.pageId, await readDrafts(tx, screening.id)) };
      }
      if (!(await claimRequestKey(tx, args.requestKey))) throw new DuplicateRequest(args.requestKey);

      await ensureRuleSetVersion(tx, { hash: ctx.ruleSet.version, label: ctx.ruleSet.label, content: ruleSetContent(ctx.ruleSet) });
      // The parties are screened again at submission: the list set or the answers may have changed.
      const parties = await screenParties(lists, tx, ctx.ruleSet, answers);
      const result: ScoringResult = { ...scoreScreening(ctx.ruleSet, answers, parties.signals), parties: parties.record };
      const existing = await findEscalationOfScreening(tx, screening.id);
      const now = ctx.now();
      const scored = {
        score: result.total,
        tier: result.tier.id,
        hardStop: result.hardStops.length > 0,
        scoring: result,
        ruleSetHash: ctx.ruleSet.version,
        submittedAt: now,
        currentPage: null,
        // submitted answers are what counts now: anything left typed and unsaved goes
        drafts: {},
      };
      await appendAuditEvent(tx, {
        screeningId: screening.id,
        actorId: args.actorId,
        type: "screening.submitted",
        data: { score: result.total, tier: result.tier.id, hardStops: result.hardStops.map((h) => h.id), ruleSetVersion: ctx.ruleSet.version },
      });

      if (existing) {
        // A resubmission after "Request info": back to the same escalation, in a new round.
        // Compliance already holds it, so it goes back to them whatever the new tier.
        const required = Math.max(existing.requiredApprovals, result.approvalsRequired);
        if (!(await updateEscalationIfUnchanged(tx, existing.id, existing.version, { status: "open", round: existing.round + 1, requiredApprovals: required }))) {
          throw new LostRace();
        }
        const row = await bumpScreening(tx, screening, { ...scored, status: "escalated" });
        await appendAuditEvent(tx, {
          screeningId: screening.id,
          actorId: args.actorId,
          type: "escalation.resubmitted",
          data: { escalationId: existing.id, round: existing.round + 1, requiredApprovals: required },
        });
        await enqueueDelivery(tx, screening.id, { kind: "sync_escalation", escalationId: existing.id });
        await enqueueDelivery(tx, screening.id, { kind: "thread_resubmitted", escalationId: existing.id, round: existing.round + 1 });
        return { kind: "submitted", screening: row, result, escalated: true, resubmission: true };
      }

      if (result.escalate) {
        const row = await bumpScreening(tx, screening, { ...scored, status: "escalated" });
        const escalation = await createEscalation(tx, {
          screeningId: screening.id,
          channelId: ctx.complianceChannelId,
          requiredApprovals: result.approvalsRequired,
        });
        await appendAuditEvent(tx, {
          screeningId: screening.id,
          actorId: args.actorId,
          type: "escalation.opened",
          data: { escalationId: escalation.id, channelId: escalation.channelId, requiredApprovals: escalation.requiredApprovals },
        });
        await enqueueDelivery(tx, screening.id, { kind: "sync_escalation", escalationId: escalation.id });
        await enqueueDelivery(tx, screening.id, { kind: "dm_escalated", screeningId: screening.id });
        return { kind: "submitted", screening: row, result, escalated: true, resubmission: false };
      }

      const row = await bumpScreening(tx, screening, { ...scored, status: "cleared", closedAt: now });
      await appendAuditEvent(tx, { screeningId: screening.id, actorId: args.actorId, type: "screening.cleared", data: { tier: result.tier.id } });
      await enqueueDelivery(tx, screening.id, { kind: "dm_cleared", screeningId: screening.id });
      return { kind: "submitted", screening: row, result, escalated: false, resubmission: false };
    },
    { enqueues: true },
  );
  if (!outcome.duplicate) return outcome.value;
  // A double-click on Submit: report the outcome of the first one.
  const detail = await loadScreening(ctx.prisma, args.screeningId);
  if (!detail?.screening.scoring) throw new ServiceError("conflict", "This screening was already submitted.");
  return {
    kind: "submitted",
    screening: detail.screening,
    result: detail.screening.scoring,
    escalated: detail.escalation !== null,
    resubmission: (detail.escalation?.round ?? 1) > 1,
  };
}

/** After "Request info": the requester reopens the screening to change answers. */
export async function reopenScreening(ctx: ServiceContext, args: { screeningId: string; actorId: string }): Promise<InterviewStep> {
  const outcome = await inTransaction(ctx, async (tx) => {
    const screening = await ownEditable(ctx, tx, args.screeningId, args.actorId);
    let current = screening;
    if (screening.status === "info_requested") {
      current = await bumpScreening(tx, screening, { status: "draft" });
      await appendAuditEvent(tx, { screeningId: screening.id, actorId: args.actorId, type: "screening.reopened", data: {} });
    }
    return current;
  });
  if (outcome.duplicate) throw new ServiceError("conflict", "That request was already handled.");
  const answers = await currentAnswers(ctx.prisma, outcome.value.id);
  // Everything was answered before: show the review, from which any page can be edited.
  return stepAt(ctx.ruleSet, outcome.value, answers, null);
}

// ---------------------------------------------------------------------------------------------

async function ownEditable(ctx: ServiceContext, db: Tx | ServiceContext["prisma"], screeningId: string, actorId: string): Promise<ScreeningRecord> {
  const row = UUID.test(screeningId) ? await db.screening.findUnique({ where: { id: screeningId } }) : null;
  if (!row) {
    throw new ServiceError("not_found", "That screening does not exist. Start a new one with /screening.", {
      screeningId: null,
      actorId,
      type: "access.refused",
      data: { reason: "unknown_screening", screeningRef: screeningId.slice(0, 64) },
    });
  }
  const screening = toScreeningRecord(row);
  if (screening.requesterId !== actorId) {
    ctx.log.warn("refused access to another requester's screening", { screeningId, actorId });
    throw new ServiceError("forbidden", "This screening belongs to someone else; only its requester can change it.", {
      screeningId: screening.id,
      actorId,
      type: "access.refused",
      data: { reason: "not_requester" },
    });
  }
  if (!isEditable(screening.status)) throw new ServiceError("not_editable", editableMessage(screening));
  return screening;
}

function editableMessage(s: ScreeningRecord): string {
  return `${s.reference} has already been submitted (status: ${s.status.replace("_", " ")}), so its answers can no longer be changed. See /screening status ${s.reference}.`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Writes a change to a screening if nobody changed it since it was read. */
async function bumpScreening(
  tx: Tx,
  screening: ScreeningRecord,
  data: {
    status?: string;
    currentPage?: string | null;
    score?: number;
    tier?: string;
    hardStop?: boolean;
    scoring?: ScoringResult;
    ruleSetHash?: string;
    submittedAt?: Date;
    closedAt?: Date;
    drafts?: Drafts;
  },
): Promise<ScreeningRecord> {
  const { scoring, drafts, ...rest } = data;
  const result = await tx.screening.updateMany({
    where: { id: screening.id, version: screening.version },
    data: {
      ...rest,
      ...(scoring ? { scoring: JSON.parse(JSON.stringify(scoring)) } : {}),
      ...(drafts ? { drafts: draftsColumn(drafts) } : {}),
      version: { increment: 1 },
    },
  });
  if (result.count !== 1) throw new LostRace();
  const row = await tx.screening.findUniqueOrThrow({ where: { id: screening.id } });
  return toScreeningRecord(row);
}

/** What is stored as the rule set's content: enough to re-score any screening exactly. */
/** The rule set as plain JSON, as stored with the screenings scored by it (worked out once per rule set). */
export const ruleSetContent: (ruleSet: RuleSet) => unknown = perObject((ruleSet: RuleSet): unknown => JSON.parse(JSON.stringify(ruleSet)));
