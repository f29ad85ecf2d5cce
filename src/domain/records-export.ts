// The record of one or more screenings as handed to an auditor (npm run export, /screening
// export): its shape (a zod schema, published as docs/record-export.schema.json), how it is
// built from what the database holds, and its CSV form. Pure: the store reads the rows, the
// services verify the audit chain, src/export/ renders JSON, CSV and PDF.
//
// The record is complete and self-explanatory: every answer with its whole history (who, when,
// old → new), the reference facts the scoring read with their "as of" dates, the score with its
// factor trail, the rule set's version and hash, the restricted-party screening with the
// resolutions of its potential matches, every decision with its rationale, conditions and
// authorisation, and every audit event of the screening with the result of verifying the whole
// hash chain. A broken chain is said in every format, where nobody can miss it.
import { z } from "zod";
import type { AggregateState } from "./aggregate.js";
import { DECISION_OUTCOMES, OUTCOME_LABELS } from "./approval-policy.js";
import { AUTHORITIES, AUTHORITY_LABELS } from "./decision-input.js";
import { describeAnswer, questionIndex } from "./interview.js";
import { RESTRICTED_AUDIT_FIELD } from "./misuse-reports.js";
import { PartyScreeningRecordSchema } from "./party-matching.js";
import type { EscalationRecord, ScreeningRecord } from "./records.js";
import { lastChange, RECORD_ERASED, retentionOf } from "./records-retention.js";
import type { AnswerValue, RuleSet } from "./rule-set.js";
import { scoreWithScale } from "./scoring.js";
import { SCREENING_STATUSES } from "./screening.js";

// ---------------------------------------------------------------------------------------------
// The published shape

const Timestamp = z.iso.datetime().describe("UTC time, ISO 8601");
const AnswerValueSchema = z.union([z.string(), z.array(z.string()), z.number()]);

const AnswerVersionSchema = z.object({
  /** null: the answer was cleared (the question no longer applied) */
  value: AnswerValueSchema.nullable(),
  /** the value as a person reads it: option labels, country names */
  display: z.string(),
  /** the display of the version before; null for the first answer */
  previous: z.string().nullable(),
  /** Slack member ID of who gave it; null when not recorded */
  answeredBy: z.string().nullable(),
  answeredAt: Timestamp,
  /** when a later version replaced it; null for the version in force */
  supersededAt: Timestamp.nullable(),
});

const AnswerRecordSchema = z.object({
  questionId: z.string(),
  /** the question as the requester read it (from the screening's own rule set) */
  question: z.string(),
  /** the questionnaire page it is on */
  page: z.string().nullable(),
  /** the answer in force; null when it was cleared */
  current: AnswerValueSchema.nullable(),
  currentDisplay: z.string(),
  /** every version, oldest first */
  history: z.array(AnswerVersionSchema).min(1),
});

const TierRefSchema = z.object({ id: z.string(), label: z.string() });

const OutcomeSchema = z.object({
  score: z.number(),
  /** the score read against the escalation threshold */
  scale: z.string(),
  escalationThreshold: z.number().nullable(),
  /** the tier in force (a hard stop or a factor's minimum tier can raise it above scoreTier) */
  tier: TierRefSchema,
  scoreTier: TierRefSchema,
  escalate: z.boolean(),
  approvalsRequired: z.number(),
  hardStops: z.array(z.object({ id: z.string(), reason: z.string(), source: z.string() })),
  /** every contributing factor: answers first in questionnaire order, then combination factors */
  factors: z.array(
    z.object({
      kind: z.enum(["answer", "factor"]),
      group: z.string(),
      groupLabel: z.string(),
      questionId: z.string().nullable(),
      question: z.string().nullable(),
      answer: z.string().nullable(),
      factorId: z.string().nullable(),
      /** signed: mitigation credits are negative */
      points: z.number(),
      rationale: z.string().nullable(),
      source: z.string(),
    }),
  ),
  groups: z.array(z.object({ id: z.string(), label: z.string(), kind: z.enum(["risk", "mitigation"]), raw: z.number(), capped: z.boolean(), points: z.number() })),
  /** required questions in force that had no answer at scoring */
  missing: z.array(z.object({ pageId: z.string(), questionId: z.string() })),
});

const ReferenceFactSchema = z.object({
  subject: z.string(),
  statement: z.string(),
  source: z.string(),
  /** when the fact was last checked (as the rules give it); null for a gap ("no assessment on file") */
  asOf: z.string().nullable(),
});

const ResolutionSchema = z.object({
  normalisedName: z.string(),
  entryId: z.string(),
  entryHash: z.string(),
  listSetId: z.string(),
  outcome: z.enum(["confirmed", "not_same_party"]),
  reason: z.string(),
  decidedBy: z.string(),
  decidedAt: Timestamp,
});

const DecisionSchema = z.object({
  id: z.string(),
  round: z.number().int(),
  outcome: z.enum(DECISION_OUTCOMES),
  outcomeLabel: z.string(),
  deciderId: z.string(),
  decidedAt: Timestamp,
  rationale: z.string(),
  conditions: z.array(z.object({ id: z.string(), label: z.string() })),
  conditionsText: z.string().nullable(),
  authorisation: z
    .object({ reference: z.string(), issuer: z.enum(AUTHORITIES), issuerLabel: z.string(), issuerName: z.string().nullable(), issuedOn: z.iso.date() })
    .nullable(),
});

const AuditEventSchema = z.object({
  /** the event's sequence number in the whole trail */
  seq: z.string().regex(/^\d+$/),
  at: Timestamp,
  actorId: z.string(),
  type: z.string(),
  /** what the event records; a restricted part (who reported misuse anonymously) is withheld */
  data: z.record(z.string(), z.unknown()),
  hash: z.string(),
  prevHash: z.string(),
  /** true when the chain verifies up to and including this event */
  verified: z.boolean(),
});

export const ScreeningExportSchema = z.object({
  reference: z.string(),
  id: z.string(),
  requesterId: z.string(),
  teamId: z.string().nullable(),
  status: z.enum(SCREENING_STATUSES),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  submittedAt: Timestamp.nullable(),
  closedAt: Timestamp.nullable(),
  /** the rule set the screening was (last) scored with: its label and content hash */
  ruleSet: z.object({ version: z.string().nullable(), hash: z.string() }),
  /** re-screening before renewal: the screening this one re-screens, and the one that re-screens it */
  renews: z.object({ id: z.string(), reference: z.string() }).nullable(),
  renewedBy: z.object({ id: z.string(), reference: z.string() }).nullable(),
  /** when it must be reviewed again (set when cleared or approved); null when not set */
  reviewDueAt: Timestamp.nullable(),
  /** null until the screening is submitted (or after its content was erased) */
  outcome: OutcomeSchema.nullable(),
  referenceFacts: z.array(ReferenceFactSchema),
  /** in questionnaire order; every question ever answered, with its history */
  answers: z.array(AnswerRecordSchema),
  /** the restricted-party screening recorded with the scoring; null when there is none */
  partyScreening: PartyScreeningRecordSchema.nullable(),
  /** compliance's resolutions of potential matches made in this screening */
  matchResolutions: z.array(ResolutionSchema),
  escalation: z
    .object({
      id: z.string(),
      channelId: z.string(),
      status: z.enum(["open", "info_requested", "approved", "rejected", "closed"]),
      requiredApprovals: z.number().int(),
      round: z.number().int(),
      openedAt: Timestamp,
      closedAt: Timestamp.nullable(),
    })
    .nullable(),
  /** oldest first */
  decisions: z.array(DecisionSchema),
  /** every audit event about this screening, in chain order */
  auditEvents: z.array(AuditEventSchema),
  retention: z.object({
    years: z.number().int(),
    lastActivityAt: Timestamp,
    /** the record is kept at least until then */
    keepUntil: Timestamp,
    /** when its content was erased after the retention period; null while it is whole */
    erasedAt: Timestamp.nullable(),
  }),
});
export type ScreeningExport = z.infer<typeof ScreeningExportSchema>;

export const AuditChainCheckSchema = z.object({
  intact: z.boolean(),
  /** events checked (when broken: the intact events before the first broken one) */
  eventsChecked: z.number().int(),
  brokenAt: z.object({ seq: z.string(), reason: z.string() }).nullable(),
  /** the result in one sentence, as every format shows it */
  statement: z.string(),
});
export type AuditChainCheck = z.infer<typeof AuditChainCheckSchema>;

export const RecordExportSchema = z.object({
  kind: z.literal("dd-records-export"),
  schemaVersion: z.literal(1),
  generatedAt: Timestamp,
  scope: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("screening"), reference: z.string() }),
    /** screenings created on or after `from` and on or before `to` (UTC days) */
    z.object({ kind: z.literal("period"), from: z.iso.date(), to: z.iso.date() }),
  ]),
  /** the whole audit trail's hash chain, verified when the export was made */
  auditChain: AuditChainCheckSchema,
  screenings: z.array(ScreeningExportSchema),
});
export type RecordExport = z.infer<typeof RecordExportSchema>;
export type ExportScope = RecordExport["scope"];

// ---------------------------------------------------------------------------------------------
// What the store hands over

export interface StoredAnswerRow {
  questionId: string;
  value: unknown;
  answeredBy: string;
  createdAt: Date;
  supersededAt: Date | null;
}

export interface StoredAuditEvent {
  seq: string;
  actorId: string;
  type: string;
  data: unknown;
  createdAt: Date;
  prevHash: string;
  hash: string;
}

export interface StoredResolution {
  normalisedName: string;
  entryId: string;
  entryHash: string;
  listSetId: string;
  outcome: "confirmed" | "not_same_party";
  reason: string;
  decidedBy: string;
  decidedAt: Date;
}

/** Everything the database holds about one screening. */
export interface StoredScreeningRecord {
  screening: ScreeningRecord;
  teamId: string | null;
  /** the stored rule set's label; null when its row holds none */
  ruleSetLabel: string | null;
  /** the rule set the screening was scored with, when its stored content could be read */
  ruleSet: RuleSet | null;
  /** every answer row, superseded ones included */
  answers: StoredAnswerRow[];
  escalation: EscalationRecord | null;
  resolutions: StoredResolution[];
  /** the screening's audit events, oldest first */
  audit: StoredAuditEvent[];
}

/** The whole chain's verification (store/audit.ts verifyAuditChain), seqs as text. */
export type ChainVerification = { ok: true; count: number } | { ok: false; count: number; brokenAt: { seq: string; reason: string } };

// ---------------------------------------------------------------------------------------------
// Building the record

/** The sentence every format shows about the audit trail's hash chain. */
export function chainStatement(v: ChainVerification): string {
  if (v.ok && v.count === 0) return "Audit trail verified: intact. The trail holds no event yet.";
  if (v.ok) return `Audit trail verified: intact. All ${v.count} events of the trail were checked; every hash and link matches.`;
  return (
    `AUDIT TRAIL BROKEN at event seq ${v.brokenAt.seq}: ${v.brokenAt.reason}. ` +
    `The ${v.count} events before it are intact; events from seq ${v.brokenAt.seq} on cannot be trusted.`
  );
}

export function auditChainCheck(v: ChainVerification): AuditChainCheck {
  return { intact: v.ok, eventsChecked: v.count, brokenAt: v.ok ? null : { ...v.brokenAt }, statement: chainStatement(v) };
}

/**
 * A rule set read back from its stored content (the RuleSet as JSON), or null when it does not
 * have the parts the record reads. Only labels are taken from it; scores come from the stored
 * scoring, never recomputed.
 */
export function storedRuleSet(content: unknown): RuleSet | null {
  if (typeof content !== "object" || content === null) return null;
  const c = content as Partial<Record<keyof RuleSet, unknown>>;
  const q = c.questionnaire as { pages?: unknown } | undefined;
  const ok =
    typeof c.version === "string" &&
    Array.isArray(q?.pages) &&
    q.pages.every((p: unknown) => typeof p === "object" && p !== null && Array.isArray((p as { questions?: unknown }).questions)) &&
    typeof c.riskModel === "object" &&
    c.riskModel !== null &&
    Array.isArray(c.countries) &&
    Array.isArray(c.itemCategories);
  return ok ? (content as RuleSet) : null;
}

function isAnswerValue(v: unknown): v is AnswerValue {
  return typeof v === "string" || typeof v === "number" || (Array.isArray(v) && v.every((x) => typeof x === "string"));
}

/** A stored value as a person reads it; the raw value when the rule set cannot say. */
function display(ruleSet: RuleSet | null, questionId: string, value: AnswerValue | null): string {
  if (value === null) return "(cleared)";
  const raw = typeof value === "number" ? String(value) : Array.isArray(value) ? value.join(", ") : value;
  if (!ruleSet) return raw;
  try {
    const q = questionIndex(ruleSet).get(questionId);
    return q ? describeAnswer(ruleSet, q.question, value) : raw;
  } catch {
    return raw;
  }
}

function answerRecords(stored: StoredScreeningRecord): ScreeningExport["answers"] {
  const { ruleSet } = stored;
  let index: ReturnType<typeof questionIndex> | null = null;
  try {
    index = ruleSet ? questionIndex(ruleSet) : null;
  } catch {
    index = null;
  }
  const byQuestion = new Map<string, StoredAnswerRow[]>();
  for (const row of stored.answers) byQuestion.set(row.questionId, [...(byQuestion.get(row.questionId) ?? []), row]);
  // who cleared an answer: the actor of the event written with that change (same time)
  const actorAt = new Map<number, string>();
  for (const e of stored.audit) if (!actorAt.has(e.createdAt.getTime())) actorAt.set(e.createdAt.getTime(), e.actorId);

  const records = [...byQuestion.entries()].map(([questionId, rows]) => {
    const sorted = [...rows].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const history: ScreeningExport["answers"][number]["history"] = [];
    let previous: string | null = null;
    for (let i = 0; i < sorted.length; i++) {
      const row = sorted[i] as StoredAnswerRow;
      const value = isAnswerValue(row.value) ? row.value : JSON.stringify(row.value);
      const shown = display(ruleSet, questionId, value);
      history.push({ value, display: shown, previous, answeredBy: row.answeredBy, answeredAt: row.createdAt.toISOString(), supersededAt: row.supersededAt?.toISOString() ?? null });
      previous = shown;
      const next = sorted[i + 1];
      // superseded with no version given at that moment: the answer was cleared then
      if (row.supersededAt && (!next || next.createdAt.getTime() !== row.supersededAt.getTime())) {
        const clearedAt = row.supersededAt;
        const until = next?.createdAt ?? null;
        history.push({ value: null, display: "(cleared)", previous, answeredBy: actorAt.get(clearedAt.getTime()) ?? null, answeredAt: clearedAt.toISOString(), supersededAt: until?.toISOString() ?? null });
        previous = "(cleared)";
      }
    }
    const last = history[history.length - 1];
    const entry = index?.get(questionId);
    return {
      order: entry?.order ?? Number.MAX_SAFE_INTEGER,
      record: {
        questionId,
        question: entry?.question.label ?? questionId,
        page: entry?.page.title ?? null,
        current: last?.value ?? null,
        currentDisplay: last?.display ?? "(cleared)",
        history,
      },
    };
  });
  records.sort((a, b) => a.order - b.order || a.record.questionId.localeCompare(b.record.questionId));
  return records.map((r) => r.record);
}

function outcomeOf(stored: StoredScreeningRecord): ScreeningExport["outcome"] {
  const scoring = stored.screening.scoring;
  if (!scoring) return null;
  let index: ReturnType<typeof questionIndex> | null = null;
  try {
    index = stored.ruleSet ? questionIndex(stored.ruleSet) : null;
  } catch {
    index = null;
  }
  const groupLabels = new Map(scoring.groups.map((g) => [g.id, g.label]));
  return {
    score: scoring.total,
    scale: scoreWithScale(scoring),
    escalationThreshold: scoring.escalationThreshold ?? null,
    tier: { id: scoring.tier.id, label: scoring.tier.label },
    scoreTier: { id: scoring.scoreTier.id, label: scoring.scoreTier.label },
    escalate: scoring.escalate,
    approvalsRequired: scoring.approvalsRequired,
    hardStops: scoring.hardStops.map((h) => ({ ...h })),
    factors: scoring.factors.map((f) => ({
      kind: f.kind,
      group: f.group,
      groupLabel: groupLabels.get(f.group) ?? f.group,
      questionId: f.questionId ?? null,
      question: f.questionId ? (index?.get(f.questionId)?.question.label ?? f.questionId) : null,
      answer: f.answer ?? null,
      factorId: f.factorId ?? null,
      points: f.points,
      rationale: f.rationale ?? null,
      source: f.source,
    })),
    groups: scoring.groups.map((g) => ({ ...g })),
    missing: scoring.missing.map((m) => ({ ...m })),
  };
}

function conditionLabel(ruleSet: RuleSet | null, id: string): string {
  try {
    return ruleSet?.riskModel.approval_conditions.find((c) => c.id === id)?.label ?? id;
  } catch {
    return id;
  }
}

/** Audit data as exported: a `restricted` part (an anonymous reporter's identity) is withheld. */
function exportedData(data: unknown): Record<string, unknown> {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return { value: data };
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  if (RESTRICTED_AUDIT_FIELD in out) out[RESTRICTED_AUDIT_FIELD] = "[restricted: not exported]";
  return out;
}

/** One screening's record. `chain`: the whole trail's verification, which marks each event. */
export function screeningExport(stored: StoredScreeningRecord, chain: ChainVerification, retentionYears: number): ScreeningExport {
  const s = stored.screening;
  const brokenSeq = chain.ok ? null : BigInt(chain.brokenAt.seq);
  const decisions = stored.escalation?.decisions ?? [];
  const lastActivityAt = lastChange([
    s.updatedAt,
    s.closedAt,
    s.submittedAt,
    ...stored.answers.flatMap((a) => [a.createdAt, a.supersededAt]),
    ...decisions.map((d) => d.createdAt),
    ...stored.resolutions.map((r) => r.decidedAt),
  ]);
  const retention = retentionOf(lastActivityAt, retentionYears);
  const erased = [...stored.audit].reverse().find((e) => e.type === RECORD_ERASED);
  return {
    reference: s.reference,
    id: s.id,
    requesterId: s.requesterId,
    teamId: stored.teamId,
    status: s.status,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    submittedAt: s.submittedAt?.toISOString() ?? null,
    closedAt: s.closedAt?.toISOString() ?? null,
    ruleSet: { version: stored.ruleSetLabel, hash: s.ruleSetHash },
    renews: s.renews ? { id: s.renews.id, reference: s.renews.reference } : null,
    renewedBy: s.renewedBy ? { id: s.renewedBy.id, reference: s.renewedBy.reference } : null,
    reviewDueAt: s.reviewDueAt?.toISOString() ?? null,
    outcome: outcomeOf(stored),
    referenceFacts: (s.scoring?.facts ?? []).map((f) => ({ subject: f.subject, statement: f.statement, source: f.source, asOf: f.asOf ?? null })),
    answers: answerRecords(stored),
    partyScreening: s.scoring?.parties ?? null,
    matchResolutions: stored.resolutions.map((r) => ({ ...r, decidedAt: r.decidedAt.toISOString() })),
    escalation: stored.escalation
      ? {
          id: stored.escalation.id,
          channelId: stored.escalation.channelId,
          status: stored.escalation.status,
          requiredApprovals: stored.escalation.requiredApprovals,
          round: stored.escalation.round,
          openedAt: stored.escalation.createdAt.toISOString(),
          closedAt: stored.escalation.closedAt?.toISOString() ?? null,
        }
      : null,
    decisions: decisions.map((d) => ({
      id: d.id,
      round: d.round,
      outcome: d.outcome,
      outcomeLabel: OUTCOME_LABELS[d.outcome],
      deciderId: d.deciderId,
      decidedAt: d.createdAt.toISOString(),
      rationale: d.rationale,
      conditions: d.conditions.map((id) => ({ id, label: conditionLabel(stored.ruleSet, id) })),
      conditionsText: d.conditionsText,
      authorisation: d.authorisation
        ? { reference: d.authorisation.reference, issuer: d.authorisation.issuer, issuerLabel: AUTHORITY_LABELS[d.authorisation.issuer], issuerName: d.authorisation.issuerName, issuedOn: d.authorisation.issuedOn }
        : null,
    })),
    auditEvents: stored.audit.map((e) => ({
      seq: e.seq,
      at: e.createdAt.toISOString(),
      actorId: e.actorId,
      type: e.type,
      data: exportedData(e.data),
      hash: e.hash,
      prevHash: e.prevHash,
      verified: brokenSeq === null || BigInt(e.seq) < brokenSeq,
    })),
    retention: {
      years: retentionYears,
      lastActivityAt: retention.lastActivityAt.toISOString(),
      keepUntil: retention.keepUntil.toISOString(),
      erasedAt: erased ? erased.createdAt.toISOString() : null,
    },
  };
}

export function recordExport(args: { generatedAt: Date; scope: ExportScope; chain: ChainVerification; retentionYears: number; screenings: readonly StoredScreeningRecord[] }): RecordExport {
  return {
    kind: "dd-records-export",
    schemaVersion: 1,
    generatedAt: args.generatedAt.toISOString(),
    scope: args.scope,
    auditChain: auditChainCheck(args.chain),
    screenings: args.screenings.map((s) => screeningExport(s, args.chain, args.retentionYears)),
  };
}

/** When the record last changed, from the aggregate as loaded (for deciding an erasure). */
export function lastActivityOfState(state: AggregateState): Date {
  const s = state.screening;
  return lastChange([s.updatedAt, s.closedAt, s.submittedAt, ...(state.escalation?.decisions ?? []).map((d) => d.createdAt)]);
}

// ---------------------------------------------------------------------------------------------
// CSV: one row per answered question, its history in one column (RFC 4180)

export const CSV_COLUMNS = [
  "reference",
  "screening_status",
  "tier",
  "score",
  "hard_stop",
  "rule_set_version",
  "rule_set_hash",
  "page",
  "question_id",
  "question",
  "answer",
  "answered_by",
  "answered_at",
  "versions",
  "history",
  "audit_chain",
] as const;

/**
 * The rows of the CSV form, header first: one row per question a screening ever answered (its
 * answer in force, and every version oldest first in `history`: "time by: old → new"). A
 * screening with no answer (a draft not yet saved, or content erased) gets one row saying so,
 * so that every screening of the export appears. Every row carries the audit trail's
 * verification, so a broken chain cannot be missed in a spreadsheet either.
 */
export function csvRows(exp: RecordExport): string[][] {
  const rows: string[][] = [[...CSV_COLUMNS]];
  const chain = exp.auditChain.statement;
  for (const s of exp.screenings) {
    const common = [
      s.reference,
      s.status,
      s.outcome ? s.outcome.tier.label : "",
      s.outcome ? String(s.outcome.score) : "",
      s.outcome ? (s.outcome.hardStops.length > 0 ? "yes" : "no") : "",
      s.ruleSet.version ?? "",
      s.ruleSet.hash,
    ];
    if (s.answers.length === 0) {
      const why = s.retention.erasedAt ? `(answers erased on ${s.retention.erasedAt.slice(0, 10)} after the retention period)` : "(no answers recorded)";
      rows.push([...common, "", "", "", why, "", "", "0", "", chain]);
      continue;
    }
    for (const a of s.answers) {
      const last = a.history[a.history.length - 1];
      const history = a.history.map((v) => `${v.answeredAt} ${v.answeredBy ?? "(not recorded)"}: ${v.previous ?? "(none)"} → ${v.display}`).join(" | ");
      rows.push([...common, a.page ?? "", a.questionId, a.question, a.currentDisplay, last?.answeredBy ?? "", last?.answeredAt ?? "", String(a.history.length), history, chain]);
    }
  }
  return rows;
}

/** RFC 4180: fields quoted when they hold a comma, quote, CR or LF (quotes doubled); CRLF line ends. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  const field = (f: string) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);
  return rows.map((r) => r.map(field).join(",")).join("\r\n") + "\r\n";
}

/** Parses RFC 4180 text back into rows (for checking an export; a leading BOM is skipped). */
export function parseCsv(text: string): string[][] {
  const src = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && src[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else if (c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
