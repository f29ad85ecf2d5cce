// Reports of suspected misuse of something we sold, and what compliance does with them. Pure.
//
// Anyone in the workspace reports (`/screening report`, or the "Report misuse" message
// shortcut): what was sold, to whom, where, what happened, evidence links, optionally the
// screening it was sold under, and, when the configuration allows it, anonymously. The report
// is posted to the compliance channel, where approvers only:
//   open ──acknowledge──▶ acknowledged
//   open / acknowledged ──open reassessment──▶ reassessment
//   open / acknowledged / reassessment ──close (rationale)──▶ closed
//
// "Open reassessment" puts under review the screening the report names and every other one
// whose end user (the questionnaire's summary.end_user answer) is, once normalised, a name the
// report or that screening gives for the end user. Under review means compliance decides the
// screening again, through the status machine in force (screening.ts, event `reassess`):
//   - approved or cleared: back to escalated, its escalation reopened in a new round (approvals
//     of earlier rounds no longer count), or, for a cleared screening that never had one, an
//     escalation opened; the decision buttons are back on its channel message;
//   - escalated or info_requested: compliance holds it already; its status stays, the report is
//     noted in its thread;
//   - draft or rejected: nothing to reassess (nothing was exported under it).
// Each screening's requester is told by DM.
//
// Anonymity: an anonymous report stores no reporter (the row's reporter is null, the database
// refuses anything else) and names none in the channel. Who sent it is kept only in the audit
// trail, in the `restricted` part of its report.created event (RESTRICTED_AUDIT_FIELD), whose
// actor is "anonymous". Anything that shows audit events to people (exports, summaries) shows
// their data without that part (withoutRestricted); the hash chain covers it unchanged.
import type { AggregateChange, AggregateState, AuditData, AuditEntryDraft } from "./aggregate.js";
import type { EscalationId } from "./ids.js";
import type { CommandRefusal } from "./interview-commands.js";
import { checkAnswer } from "./interview.js";
import { normaliseName, splitPartyNames } from "./party-matching.js";
import { QuestionSchema, type RuleSet } from "./rule-set.js";
import { nextStatus, REFERENCE_PATTERN, STATUS_LABELS, type ScreeningStatus } from "./screening.js";

// ---------------------------------------------------------------------------------------------
// The report

export const REPORT_STATUSES = ["open", "acknowledged", "reassessment", "closed"] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export const REPORT_STATUS_LABELS: Record<ReportStatus, string> = {
  open: "New: not yet acknowledged",
  acknowledged: "Acknowledged",
  reassessment: "Reassessment opened",
  closed: "Closed",
};

export function isReportStatus(s: string): s is ReportStatus {
  return (REPORT_STATUSES as readonly string[]).includes(s);
}

/** MISUSE_REPORTS_ANONYMOUS: whether a reporter may stay anonymous. */
export const ANONYMITY_POLICIES = ["allowed", "never"] as const;
export type AnonymityPolicy = (typeof ANONYMITY_POLICIES)[number];

/** The audit event data key that holds what only the audit trail may know (an anonymous reporter). */
export const RESTRICTED_AUDIT_FIELD = "restricted";
/** The actor of an anonymous report's report.created event. */
export const ANONYMOUS_ACTOR = "anonymous";

/** An audit event's data as people may see it: without its restricted part. */
export function withoutRestricted<T extends { readonly [key: string]: unknown }>(data: T): Omit<T, typeof RESTRICTED_AUDIT_FIELD> {
  const { [RESTRICTED_AUDIT_FIELD]: _restricted, ...visible } = data;
  return visible;
}

/** MR-2026-0001 */
export const REPORT_REFERENCE_PATTERN = /^MR-\d{4}-\d{4,}$/;

/** A screening put under review by a report. */
export interface ReviewedScreening {
  screeningId: string;
  reference: string;
  /** its status when the reassessment was opened */
  previousStatus: ScreeningStatus;
  /** the report named it, or its end user is one the report (or the named screening) gives */
  matchedOn: "reference" | "end_user";
}

export interface MisuseReportRecord {
  id: string;
  reference: string;
  status: ReportStatus;
  anonymous: boolean;
  /** null when anonymous */
  reporterId: string | null;
  item: string;
  parties: string;
  /** a country code of the rules' country list */
  country: string;
  happened: string;
  evidence: string[];
  screeningId: string | null;
  screeningReference: string | null;
  /** the message the report was started from (message shortcut) */
  source: { channelId: string; messageTs: string } | null;
  channelId: string;
  messageTs: string | null;
  acknowledged: { by: string; at: Date } | null;
  reassessment: { by: string; at: Date; reviewed: ReviewedScreening[] } | null;
  closed: { by: string; at: Date; rationale: string } | null;
  version: number;
  createdAt: Date;
}

// ---------------------------------------------------------------------------------------------
// The form, checked

export const REPORT_FIELDS = ["item", "parties", "country", "happened", "evidence", "screening", "anonymous"] as const;
export type ReportField = (typeof REPORT_FIELDS)[number];

/** The form as typed (undefined: left empty or not on the form). */
export interface ReportInput {
  item?: string | undefined;
  parties?: string | undefined;
  country?: string | undefined;
  happened?: string | undefined;
  evidence?: string | undefined;
  screening?: string | undefined;
  anonymous?: boolean | undefined;
}

/** A report as it is recorded. */
export interface ReportContent {
  item: string;
  parties: string;
  country: string;
  happened: string;
  evidence: string[];
  /** normalised to upper case; whether it exists is the service's to check */
  screeningReference: string | null;
  anonymous: boolean;
}

export const REPORT_LIMITS = { item: 300, parties: 500, happened: 3000, evidence: 3000, links: 10, link: 2000, rationale: 3000 } as const;

const text = (id: string, label: string, max: number, multiline: boolean, required: boolean) =>
  QuestionSchema.parse({ id, type: "free_text", label, source: "-", multiline, max_length: max, required });
const ITEM = text("item", "What was sold", REPORT_LIMITS.item, false, true);
const PARTIES = text("parties", "Who", REPORT_LIMITS.parties, true, true);
const HAPPENED = text("happened", "What happened", REPORT_LIMITS.happened, true, true);
const EVIDENCE = text("evidence", "Evidence links", REPORT_LIMITS.evidence, true, false);
const COUNTRY = QuestionSchema.parse({ id: "country", type: "country", label: "Where", source: "-", required: true });
const RATIONALE = text("rationale", "Rationale", REPORT_LIMITS.rationale, true, true);

export type ReportCheck = { ok: true; value: ReportContent } | { ok: false; errors: Partial<Record<ReportField, string>> };

/**
 * Checks a submitted report field by field: every problem at once, each in words that say what
 * is wrong and what to do. The screening reference is checked for its form here; whether such a
 * screening exists is the service's (it needs the database).
 */
export function checkReportInput(ruleSet: RuleSet, input: ReportInput, policy: AnonymityPolicy): ReportCheck {
  const errors: Partial<Record<ReportField, string>> = {};
  const textOf = (field: ReportField, question: typeof ITEM, raw: string | undefined, missing: string): string => {
    const empty = raw === undefined || raw.trim() === "";
    if (empty && question.required) {
      errors[field] = missing;
      return "";
    }
    const check = checkAnswer(ruleSet, question, raw);
    if (!check.ok) {
      errors[field] = check.message;
      return "";
    }
    return typeof check.value === "string" ? check.value : "";
  };
  const item = textOf("item", ITEM, input.item, "Say what we sold: the product or service, as you know it.");
  const parties = textOf("parties", PARTIES, input.parties, "Say who is misusing it: the customer or the end user (one per line if several).");
  if (parties !== "" && splitPartyNames(parties).every((name) => normaliseName(name) === "")) {
    errors.parties ??= "Name the customer or the end user (an organisation's name), not only \"unknown\". If you do not know, say so under What happened.";
  }
  const happened = textOf("happened", HAPPENED, input.happened, "Say what happened: what you saw or heard, when, and how you know.");

  let country = "";
  if (input.country === undefined || input.country.trim() === "") {
    errors.country = "Choose the country where it happened.";
  } else {
    const check = checkAnswer(ruleSet, COUNTRY, input.country);
    if (check.ok && typeof check.value === "string") country = check.value;
    else errors.country = "That country is not in the list. Choose it again from the list.";
  }

  let evidence: string[] = [];
  const evidenceText = textOf("evidence", EVIDENCE, input.evidence, "");
  if (!errors.evidence && evidenceText !== "") {
    const links = checkEvidenceLinks(evidenceText);
    if (links.ok) evidence = links.links;
    else errors.evidence = links.message;
  }

  let screeningReference: string | null = null;
  const ref = input.screening?.trim() ?? "";
  if (ref !== "") {
    const upper = ref.toUpperCase();
    if (REFERENCE_PATTERN.test(upper)) screeningReference = upper;
    else errors.screening = "A screening reference looks like DD-2026-0007 (see `/screening list`). Correct it, or leave it empty if you do not know it.";
  }

  const anonymous = input.anonymous === true;
  if (anonymous && policy === "never") {
    errors.anonymous = "Reports cannot be anonymous here: your compliance team has turned that off. Untick it to send the report with your name.";
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { item, parties, country, happened, evidence, screeningReference, anonymous } };
}

/**
 * Evidence links, one per line (blank lines skipped): each an http(s) address of a real host,
 * without a user name or password in it; at most REPORT_LIMITS.links, each seen once.
 */
export function checkEvidenceLinks(text: string): { ok: true; links: string[] } | { ok: false; message: string } {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const links: string[] = [];
  for (const [i, line] of lines.entries()) {
    const where = lines.length > 1 ? `Line ${i + 1}` : "This";
    if (/\s/.test(line)) return { ok: false, message: `${where} has spaces in it: give one link per line, nothing else on the line (put explanations under What happened).` };
    if (line.length > REPORT_LIMITS.link) return { ok: false, message: `${where} is too long for a link (${line.length} characters, at most ${REPORT_LIMITS.link}).` };
    let url: URL;
    try {
      url = new URL(line);
    } catch {
      return { ok: false, message: `${where} is not a web link. Paste whole addresses starting with https://, one per line.` };
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      return { ok: false, message: `${where} is not a web link (it starts with ${url.protocol}). Paste addresses starting with https://, one per line.` };
    }
    if (!/^([a-z0-9-]+\.)+[a-z0-9-]{2,}$/i.test(url.hostname) && !/^\[[0-9a-f:.]+\]$/i.test(url.hostname)) {
      return { ok: false, message: `${where} does not name a web site (no host like example.org). Paste the whole address, one per line.` };
    }
    if (url.username !== "" || url.password !== "") {
      return { ok: false, message: `${where} has a user name or password in it. Remove them (never share passwords in a report) and submit again.` };
    }
    if (!links.includes(line)) links.push(line);
  }
  if (links.length > REPORT_LIMITS.links) return { ok: false, message: `At most ${REPORT_LIMITS.links} links, please (you gave ${links.length}): keep the most telling ones.` };
  return { ok: true, links };
}

/** The rationale of "Close with rationale", checked like any free text; null when it is fine. */
export function rationaleProblem(ruleSet: RuleSet, raw: string | undefined): { message: string } | { value: string } {
  if (raw === undefined || raw.trim() === "") return { message: "Say why the report is closed: what was found, or why nothing needs doing." };
  const check = checkAnswer(ruleSet, RATIONALE, raw);
  if (!check.ok) return { message: check.message };
  return { value: typeof check.value === "string" ? check.value : "" };
}

// ---------------------------------------------------------------------------------------------
// The report created

/** The audit event of a new report: the reporter only in its restricted part when anonymous. */
export function reportCreatedEvent(args: {
  reportId: string;
  reporterId: string;
  content: ReportContent;
  via: "command" | "shortcut";
}): { actorId: string; type: string; data: AuditData } {
  const { content } = args;
  const data: Record<string, AuditData[string]> = {
    reportId: args.reportId,
    anonymous: content.anonymous,
    country: content.country,
    via: args.via,
    evidenceLinks: content.evidence.length,
  };
  if (content.screeningReference) data.screeningReference = content.screeningReference;
  if (content.anonymous) data[RESTRICTED_AUDIT_FIELD] = { reporter: args.reporterId };
  return { actorId: content.anonymous ? ANONYMOUS_ACTOR : args.reporterId, type: "report.created", data };
}

// ---------------------------------------------------------------------------------------------
// Compliance acts on a report

export type ReportAction = "acknowledge" | "reassess" | "close";

export const REPORT_ACTION_LABELS: Record<ReportAction, string> = {
  acknowledge: "Acknowledge",
  reassess: "Open reassessment",
  close: "Close with rationale",
};

/** Who acts, as the approver directory knows them. */
export interface ReportActor {
  userId: string;
  isApprover: boolean;
}

/** What an action writes to the report (one statement, src/store/misuse-reports.ts). */
export interface ReportChange {
  patch: {
    status: ReportStatus;
    acknowledged?: { by: string; at: Date };
    reassessment?: { by: string; at: Date; reviewed: ReviewedScreening[] };
    closed?: { by: string; at: Date; rationale: string };
  };
  audit: AuditEntryDraft[];
  deliveries: Array<{ kind: string; [key: string]: unknown }>;
}

export type ReportDecision = { kind: "refused"; refusal: CommandRefusal } | { kind: "change"; change: ReportChange };

/** Whether `actor` may take `action` on the report now; a refusal says why and what to do. */
export function checkReportAction(report: MisuseReportRecord, actor: ReportActor, action: ReportAction): CommandRefusal | null {
  const refuse = (code: CommandRefusal["code"], reason: string, message: string): CommandRefusal => ({
    code,
    message,
    audit: { type: "report.refused", data: { reportId: report.id, reference: report.reference, action, reason } },
  });
  if (!actor.isApprover) {
    return refuse("forbidden", "not_approver", `Only compliance approvers can act on misuse reports (${REPORT_ACTION_LABELS[action]}). Nothing was changed. If you know more about ${report.reference}, tell the compliance team.`);
  }
  const s = report.status;
  if (s === "closed") {
    const by = report.closed ? ` by <@${report.closed.by}>` : "";
    return refuse("conflict", "closed", `${report.reference} was already closed${by}. Nothing was changed.`);
  }
  if (action === "acknowledge" && s !== "open") {
    if (s === "acknowledged") return refuse("conflict", "already_acknowledged", `${report.reference} was already acknowledged${report.acknowledged ? ` by <@${report.acknowledged.by}>` : ""}. Nothing was changed.`);
    return refuse("conflict", "reassessment_open", `A reassessment is already open for ${report.reference}${report.reassessment ? ` (opened by <@${report.reassessment.by}>)` : ""}. Nothing was changed.`);
  }
  if (action === "reassess" && s === "reassessment") {
    return refuse("conflict", "reassessment_open", `A reassessment is already open for ${report.reference}${report.reassessment ? ` (opened by <@${report.reassessment.by}>)` : ""}. Nothing was changed.`);
  }
  return null;
}

const sync = (report: MisuseReportRecord) => ({ kind: "sync_misuse_report", reportId: report.id });

export function decideAcknowledge(report: MisuseReportRecord, actor: ReportActor, now: Date): ReportDecision {
  const refusal = checkReportAction(report, actor, "acknowledge");
  if (refusal) return { kind: "refused", refusal };
  return {
    kind: "change",
    change: {
      patch: { status: "acknowledged", acknowledged: { by: actor.userId, at: now } },
      audit: [{ screeningId: null, actorId: actor.userId, type: "report.acknowledged", data: { reportId: report.id, reference: report.reference } }],
      deliveries: [sync(report)],
    },
  };
}

/** Records the reassessment opened, with the screenings it put under review (already done, each through its own aggregate). */
export function decideReassessmentOpened(report: MisuseReportRecord, actor: ReportActor, reviewed: ReviewedScreening[], now: Date): ReportDecision {
  const refusal = checkReportAction(report, actor, "reassess");
  if (refusal) return { kind: "refused", refusal };
  return {
    kind: "change",
    change: {
      patch: { status: "reassessment", reassessment: { by: actor.userId, at: now, reviewed } },
      audit: [
        {
          screeningId: null,
          actorId: actor.userId,
          type: "report.reassessment_opened",
          data: { reportId: report.id, reference: report.reference, screenings: reviewed.map((r) => ({ reference: r.reference, previousStatus: r.previousStatus, matchedOn: r.matchedOn })) },
        },
      ],
      deliveries: [sync(report)],
    },
  };
}

export function decideClose(report: MisuseReportRecord, actor: ReportActor, rationale: string, now: Date): ReportDecision {
  const refusal = checkReportAction(report, actor, "close");
  if (refusal) return { kind: "refused", refusal };
  return {
    kind: "change",
    change: {
      patch: { status: "closed", closed: { by: actor.userId, at: now, rationale } },
      audit: [{ screeningId: null, actorId: actor.userId, type: "report.closed", data: { reportId: report.id, reference: report.reference, rationale } }],
      deliveries: [sync(report)],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Which screenings a reassessment puts under review

/** Statuses a reassessment puts under review (the others: nothing was exported under them). */
export const REVIEWABLE_STATUSES: readonly ScreeningStatus[] = ["approved", "cleared", "escalated", "info_requested"];

/** A screening as the search for the same end user reads it. */
export interface ScreeningCandidate {
  id: string;
  reference: string;
  status: ScreeningStatus;
  /** its end-user answer (summary.end_user), if any */
  endUser: string | null;
}

/** The normalised names in free texts naming parties (one per line or separated by ";"; "unknown" and the like skipped). */
export function endUserKeys(texts: ReadonlyArray<string | null | undefined>): Set<string> {
  const keys = new Set<string>();
  for (const t of texts) {
    if (!t) continue;
    for (const name of splitPartyNames(t)) {
      const key = normaliseName(name);
      if (key !== "") keys.add(key);
    }
  }
  return keys;
}

/**
 * The screenings to put under review: the one the report names (if it can be reviewed), then
 * every other reviewable one whose end user, normalised, is a name the report gives (Who) or
 * the named screening gives for its end user. In reference order after the named one.
 */
export function reviewTargets(args: { linked: ScreeningCandidate | null; reportParties: string; candidates: readonly ScreeningCandidate[] }): Array<{ screening: ScreeningCandidate; matchedOn: ReviewedScreening["matchedOn"] }> {
  const keys = endUserKeys([args.reportParties, args.linked?.endUser]);
  const out: Array<{ screening: ScreeningCandidate; matchedOn: ReviewedScreening["matchedOn"] }> = [];
  if (args.linked && REVIEWABLE_STATUSES.includes(args.linked.status)) out.push({ screening: args.linked, matchedOn: "reference" });
  const others = args.candidates
    .filter((c) => c.id !== args.linked?.id && REVIEWABLE_STATUSES.includes(c.status))
    .filter((c) => [...endUserKeys([c.endUser])].some((k) => keys.has(k)))
    .sort((a, b) => a.reference.localeCompare(b.reference, "en"));
  for (const screening of others) out.push({ screening, matchedOn: "end_user" });
  return out;
}

/** The audit event type of a screening put under review by a report. */
export const UNDER_REVIEW_EVENT = "screening.under_review";

export type UnderReviewDecision =
  | { kind: "skip"; reason: string }
  | { kind: "review"; change: AggregateChange; previousStatus: ScreeningStatus; reopened: boolean };

/**
 * Puts one screening under review for a report: an approved or cleared one goes back to
 * compliance (event `reassess`: its escalation reopened in a new round, or one opened); one
 * compliance holds already keeps its status and gets the report in its thread. Its requester
 * is told either way. Nothing for a draft or a rejected screening.
 */
export function decidePutUnderReview(
  state: AggregateState,
  cmd: { report: { id: string; reference: string }; actorId: string; complianceChannelId: string; newEscalationId: EscalationId; now: Date },
): UnderReviewDecision {
  const s = state.screening;
  const previousStatus = s.status;
  if (!REVIEWABLE_STATUSES.includes(previousStatus)) return { kind: "skip", reason: `${s.reference} is ${STATUS_LABELS[previousStatus].toLowerCase()}: nothing to reassess` };
  const to = nextStatus(previousStatus, "reassess");
  const existing = state.escalation;
  const reportData = { reportId: cmd.report.id, reportReference: cmd.report.reference, previousStatus };

  if (to) {
    // Back to compliance: a new round on its escalation, or a first escalation for a cleared screening.
    let escalation: NonNullable<AggregateChange["escalation"]>;
    let escalationId: string;
    let round: number;
    if (existing) {
      escalationId = existing.id;
      round = existing.round + 1;
      escalation = { update: { id: existing.id, version: existing.version, status: "open", round, requiredApprovals: Math.max(1, existing.requiredApprovals), closedAt: null } };
    } else {
      escalationId = cmd.newEscalationId;
      round = 1;
      escalation = { create: { id: cmd.newEscalationId, channelId: cmd.complianceChannelId, requiredApprovals: Math.max(1, s.scoring?.approvalsRequired ?? 1) } };
    }
    return {
      kind: "review",
      previousStatus,
      reopened: true,
      change: {
        screening: { status: to, closedAt: null },
        escalation,
        audit: [{ actorId: cmd.actorId, type: UNDER_REVIEW_EVENT, data: { ...reportData, escalationId, round, reopened: true } }],
        deliveries: [
          { kind: "sync_escalation", escalationId },
          { kind: "thread_misuse_review", escalationId, reportId: cmd.report.id, reopened: true, by: cmd.actorId },
          { kind: "dm_under_review", screeningId: s.id, reportId: cmd.report.id, reopened: true },
        ],
      },
    };
  }
  // Compliance holds it already (escalated, info requested): the report joins its thread.
  if (!existing) return { kind: "skip", reason: `${s.reference} has no escalation to note the report in` };
  return {
    kind: "review",
    previousStatus,
    reopened: false,
    change: {
      audit: [{ actorId: cmd.actorId, type: UNDER_REVIEW_EVENT, data: { ...reportData, escalationId: existing.id, round: existing.round, reopened: false } }],
      deliveries: [
        { kind: "thread_misuse_review", escalationId: existing.id, reportId: cmd.report.id, reopened: false, by: cmd.actorId },
        { kind: "dm_under_review", screeningId: s.id, reportId: cmd.report.id, reopened: false },
      ],
    },
  };
}
