// A screening with its answers, drafts, escalation and decisions is one aggregate: read in one
// statement (loadAggregate), changed in memory by the domain (src/domain/aggregate.ts), and
// written back in one statement (commitAggregate): the screening row with its version check,
// the answers, the escalation and decision, the request key, the outbox rows and the audit
// events, hash-chained in SQL from the chain's tail. A statement is atomic, so the request's
// changes land together or not at all, with no BEGIN/COMMIT round trips.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { AggregateChange, AggregateState, Drafts } from "../domain/aggregate.js";
import { DECISION_OUTCOMES } from "../domain/approval-policy.js";
import { escalationIdOf, screeningIdOf } from "../domain/ids.js";
import { AUTHORITIES } from "../domain/decision-input.js";
import type { DecisionRecord, EscalationRecord, ScreeningRecord } from "../domain/records.js";
import type { AnswerValue } from "../domain/rule-set.js";
import { ScoringResultSchema } from "../domain/scoring.js";
import { isScreeningStatus } from "../domain/screening.js";
import { GENESIS_HASH } from "./audit.js";
import { DeliveryPayloadSchema, type DeliveryPayload } from "./deliveries.js";
import { canonicalJson, normaliseJson, normaliseJsonObject, type JsonInput } from "./json.js";
import type { Sql } from "./sql.js";

// ---------------------------------------------------------------------------------------------
// Reading

/** How a request names its screening: by id (private metadata, buttons), escalation (decisions) or reference (commands). */
export type AggregateKey = { screeningId: string } | { escalationId: string } | { reference: string };

export interface LoadedAggregate {
  state: AggregateState;
  /** true when the request key given was already handled (a replay) */
  requestSeen: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The aggregate of the screening row `s` as one JSON value, for any statement that needs it
 * (the load below, the outbox's claim in deliveries.ts); parseAggregate reads it. `seen` is the
 * SQL of whether the request key was handled.
 */
export function aggregateJson(seen: string): string {
  return `json_build_object(
  'screening', row_to_json(s),
  'answers', (SELECT coalesce(json_object_agg(a.question_id, a.value), '{}'::json)
              FROM answers a WHERE a.screening_id = s.id AND a.superseded_at IS NULL),
  'escalation', (SELECT json_build_object('row', row_to_json(e),
                   'decisions', (SELECT coalesce(json_agg(row_to_json(d) ORDER BY d.created_at, d.id), '[]'::json)
                                 FROM decisions d WHERE d.escalation_id = e.id))
                 FROM escalations e WHERE e.screening_id = s.id),
  -- re-screening before renewal: the screening this one renews, and the one that renews it
  'renews', (SELECT json_build_object('id', p.id, 'reference', p.reference) FROM screenings p WHERE p.id = s.previous_screening_id),
  'renewed_by', (SELECT json_build_object('id', r.id, 'reference', r.reference, 'status', r.status, 'requester_id', r.requester_id)
                 FROM screenings r WHERE r.previous_screening_id = s.id),
  'seen', ${seen})`;
}

const LOAD = `
SELECT ${aggregateJson("(CASE WHEN $2::text IS NULL THEN false ELSE EXISTS (SELECT 1 FROM processed_requests WHERE key = $2::text) END)")} AS agg
FROM screenings s`;

/** The whole aggregate in one statement; null when no screening has that key. */
export async function loadAggregate(sql: Sql, key: AggregateKey, requestKey?: string): Promise<LoadedAggregate | null> {
  let where: string;
  let value: string;
  if ("screeningId" in key) {
    if (!UUID.test(key.screeningId)) return null;
    where = "WHERE s.id = $1::uuid";
    value = key.screeningId;
  } else if ("escalationId" in key) {
    if (!UUID.test(key.escalationId)) return null;
    where = "WHERE s.id = (SELECT screening_id FROM escalations WHERE id = $1::uuid)";
    value = key.escalationId;
  } else {
    where = "WHERE s.reference = $1::text";
    value = key.reference;
  }
  const rows = await sql.query<{ agg: unknown }>(`${LOAD} ${where}`, [value, requestKey ?? null]);
  const agg = rows[0]?.agg;
  if (agg === undefined) return null;
  return parseAggregate(agg);
}

/** A `timestamp` column as row_to_json writes it ("2026-12-01T10:00:00.123"), holding UTC. */
const Timestamp = z.string().transform((s, ctx) => {
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: "custom", message: `not a timestamp: ${s}` });
    return z.NEVER;
  }
  return d;
});
const NullableTimestamp = Timestamp.nullable();
const DraftsSchema = z.record(z.string(), z.record(z.string(), z.union([z.string(), z.array(z.string()), z.null()])));
const AnswerValueSchema: z.ZodType<AnswerValue> = z.union([z.string(), z.array(z.string()), z.number()]);

const ScreeningRow = z.object({
  id: z.string(),
  reference: z.string(),
  requester_id: z.string(),
  team_id: z.string().nullable(),
  status: z.string().refine(isScreeningStatus, "unknown screening status"),
  current_page: z.string().nullable(),
  rule_set_hash: z.string(),
  score: z.number().int().nullable(),
  tier: z.string().nullable(),
  hard_stop: z.boolean(),
  scoring: ScoringResultSchema.nullable(),
  drafts: DraftsSchema.nullable(),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
  submitted_at: NullableTimestamp,
  closed_at: NullableTimestamp,
  // re-screening (migration 20261214000000_rescreening); optional: a row read by an older statement has none
  review_due_at: NullableTimestamp.optional(),
});

const LinkRow = z.object({ id: z.string(), reference: z.string() });
const RenewedByRow = LinkRow.extend({ status: z.string().refine(isScreeningStatus, "unknown screening status"), requester_id: z.string() });

const DecisionRow = z.object({
  id: z.string(),
  round: z.number().int(),
  decider_id: z.string(),
  outcome: z.enum(DECISION_OUTCOMES),
  rationale: z.string(),
  conditions: z.array(z.string()),
  conditions_text: z.string().nullable(),
  authorisation_reference: z.string().nullable(),
  authorisation_issuer: z.enum(AUTHORITIES).nullable(),
  authorisation_issuer_name: z.string().nullable(),
  authorisation_issued_on: z.string().nullable(),
  created_at: Timestamp,
});

const EscalationRow = z.object({
  id: z.string(),
  screening_id: z.string(),
  channel_id: z.string(),
  message_ts: z.string().nullable(),
  required_approvals: z.number().int(),
  status: z.enum(["open", "info_requested", "approved", "rejected", "closed"]),
  round: z.number().int(),
  version: z.number().int(),
  created_at: Timestamp,
  closed_at: NullableTimestamp,
});

const AggregateRow = z.object({
  screening: ScreeningRow,
  answers: z.record(z.string(), AnswerValueSchema),
  escalation: z.object({ row: EscalationRow, decisions: z.array(DecisionRow) }).nullable(),
  renews: LinkRow.nullable().optional(),
  renewed_by: RenewedByRow.nullable().optional(),
  seen: z.boolean(),
});

/** An aggregate as aggregateJson() gives it (parsed by the driver, or as text). */
export function parseAggregate(raw: unknown): LoadedAggregate {
  const parsed = AggregateRow.safeParse(typeof raw === "string" ? JSON.parse(raw) : raw);
  if (!parsed.success) throw new Error(`a stored screening does not have the expected shape: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
  const { screening: s, answers, escalation, seen, renews, renewed_by: renewedBy } = parsed.data;
  const screening: ScreeningRecord = {
    id: screeningIdOf(s.id),
    reference: s.reference,
    requesterId: s.requester_id,
    status: s.status as ScreeningRecord["status"],
    currentPage: s.current_page,
    ruleSetHash: s.rule_set_hash,
    score: s.score,
    tier: s.tier,
    hardStop: s.hard_stop,
    scoring: s.scoring,
    version: s.version,
    createdAt: s.created_at,
    updatedAt: s.updated_at,
    submittedAt: s.submitted_at,
    closedAt: s.closed_at,
    reviewDueAt: s.review_due_at ?? null,
    renews: renews ? { id: renews.id, reference: renews.reference } : null,
    renewedBy: renewedBy
      ? { id: renewedBy.id, reference: renewedBy.reference, status: renewedBy.status as ScreeningRecord["status"], requesterId: renewedBy.requester_id }
      : null,
  };
  return {
    state: {
      screening,
      teamId: s.team_id,
      answers,
      drafts: s.drafts ?? {},
      escalation: escalation ? toEscalation(escalation.row, escalation.decisions) : null,
    },
    requestSeen: seen,
  };
}

function toEscalation(row: z.infer<typeof EscalationRow>, decisions: Array<z.infer<typeof DecisionRow>>): EscalationRecord {
  return {
    id: escalationIdOf(row.id),
    screeningId: screeningIdOf(row.screening_id),
    channelId: row.channel_id,
    messageTs: row.message_ts,
    requiredApprovals: row.required_approvals,
    status: row.status,
    round: row.round,
    version: row.version,
    createdAt: row.created_at,
    closedAt: row.closed_at,
    decisions: decisions.map(toDecision),
  };
}

function toDecision(d: z.infer<typeof DecisionRow>): DecisionRecord {
  return {
    id: d.id,
    round: d.round,
    deciderId: d.decider_id,
    outcome: d.outcome,
    rationale: d.rationale,
    conditions: d.conditions,
    conditionsText: d.conditions_text,
    authorisation:
      d.authorisation_reference !== null && d.authorisation_issuer !== null && d.authorisation_issued_on !== null
        ? { reference: d.authorisation_reference, issuer: d.authorisation_issuer, issuerName: d.authorisation_issuer_name, issuedOn: d.authorisation_issued_on.slice(0, 10) }
        : null,
    createdAt: d.created_at,
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

export type CommitResult =
  | { committed: true; auditSeqs: string[]; deliveryIds: string[] }
  /** the screening changed since it was read (or the request was handled meanwhile): load and decide again */
  | { committed: false };

/**
 * Writes `change` to the screening read at `state` in one statement, if its version is still
 * the one read. The audit events are chained after the newest event in the table; a concurrent
 * append of another request makes this statement fail with a unique violation (the chain's
 * prev_hash is unique), and the caller runs again.
 */
export async function commitAggregate(
  sql: Sql,
  args: { state: AggregateState; change: AggregateChange; requestKey?: string | undefined; now: Date },
): Promise<CommitResult> {
  const { state, change, now } = args;
  const screeningId = state.screening.id;
  const at = now.toISOString();
  const audit = chainable(change.audit.map((e) => ({ ...e, screeningId: e.screeningId === undefined ? screeningId : e.screeningId })), now);
  // Rows of one commit share created_at; the outbox sends a screening's deliveries in (created_at,
  // id) order, so ids ascend in the order the change lists them.
  const ids = change.deliveries.map(() => randomUUID()).sort();
  const deliveries = change.deliveries.map((d, i) => deliveryRow(d, ids[i] ?? randomUUID()));
  const answers = Object.entries(change.answers ?? {});
  const statement = commitStatement({
    screeningId,
    version: state.screening.version,
    requestKey: args.requestKey ?? null,
    patch: JSON.stringify(screeningPatch(change.screening ?? {})),
    at,
    supersede: answers.map(([questionId]) => questionId),
    answeredBy: change.answeredBy ?? null,
    answers: answers.filter(([, v]) => v !== undefined).map(([questionId, value]) => ({ id: randomUUID(), question_id: questionId, value: normaliseJson(value) })),
    escalationCreate: change.escalation?.create ? [escalationInsert(change.escalation.create)] : [],
    escalationUpdate: change.escalation?.update ? [escalationUpdate(change.escalation.update)] : [],
    decision: change.decision ? [decisionInsert(change.decision)] : [],
    deliveries,
    audit,
    resolution: change.resolution ? [resolutionInsert(change.resolution)] : [],
    erase: change.erase === true,
  });
  const rows = await sql.query<{ updated: number; seqs: string[] | null }>(statement.text, statement.params);
  const row = rows[0];
  if (!row || Number(row.updated) !== 1) return { committed: false };
  return { committed: true, auditSeqs: row.seqs ?? [], deliveryIds: deliveries.map((d) => d.id) };
}

interface CommitParts {
  screeningId: string;
  version: number;
  requestKey: string | null;
  /** screeningPatch() as JSON */
  patch: string;
  at: string;
  /** questions whose current answer is superseded */
  supersede: string[];
  answeredBy: string | null;
  answers: unknown[];
  escalationCreate: unknown[];
  escalationUpdate: unknown[];
  decision: unknown[];
  deliveries: Array<{ seq_of: number | null }>;
  audit: unknown[];
  resolution: unknown[];
  erase: boolean;
}

/** Which parts a commit statement has. */
type CommitShape = Record<"claim" | "supersede" | "answers" | "escalationCreate" | "escalationUpdate" | "decision" | "resolution" | "erase" | "audit" | "deliveries", boolean>;

const commitTexts = new Map<string, string>();

/**
 * The commit statement for the parts this change has: a page save writes the screening, its
 * answers and an audit event, and its statement has only those parts; a decision adds the
 * escalation, the decision and deliveries. Leaving out what a change does not write saves
 * PostgreSQL executing a dozen empty CTEs (about a third of a page save's time on PGlite). The
 * texts are few (one per combination of parts that occurs), each a named prepared statement
 * planned once per connection (sql.ts).
 */
export function commitStatement(parts: CommitParts): { text: string; params: unknown[] } {
  const has: CommitShape = {
    claim: parts.requestKey !== null,
    supersede: parts.supersede.length > 0,
    answers: parts.answers.length > 0,
    escalationCreate: parts.escalationCreate.length > 0,
    escalationUpdate: parts.escalationUpdate.length > 0,
    decision: parts.decision.length > 0,
    resolution: parts.resolution.length > 0,
    erase: parts.erase,
    audit: parts.audit.length > 0,
    deliveries: parts.deliveries.length > 0,
  };
  // Parameters in a fixed order for a given set of parts, so the text is the same each time.
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const id = param(parts.screeningId);
  const version = param(parts.version);
  const patch = param(parts.patch);
  const at = param(parts.at);
  const key = has.claim ? param(parts.requestKey) : "";
  const supersede = has.supersede ? param(parts.supersede) : "";
  const answeredBy = has.answers ? param(parts.answeredBy) : "";
  const answerRows = has.answers ? param(JSON.stringify(parts.answers)) : "";
  const escCreate = has.escalationCreate ? param(JSON.stringify(parts.escalationCreate)) : "";
  const escUpdate = has.escalationUpdate ? param(JSON.stringify(parts.escalationUpdate)) : "";
  const decision = has.decision ? param(JSON.stringify(parts.decision)) : "";
  const resolution = has.resolution ? param(JSON.stringify(parts.resolution)) : "";
  const audit = has.audit ? param(JSON.stringify(parts.audit)) : "";
  const deliveries = has.deliveries ? param(JSON.stringify(parts.deliveries)) : "";
  if (parts.deliveries.some((d) => d.seq_of !== null) && !has.audit) throw new Error("a delivery names an audit event of a commit that has none");

  const shape = Object.entries(has)
    .filter(([, v]) => v)
    .map(([k]) => k)
    .join(",");
  let text = commitTexts.get(shape);
  if (text === undefined) {
    text = commitText(has, { id, version, patch, at, key, supersede, answeredBy, answerRows, escCreate, escUpdate, decision, resolution, audit, deliveries });
    commitTexts.set(shape, text);
  }
  return { text, params };
}

function commitText(
  has: CommitShape,
  $: Record<"id" | "version" | "patch" | "at" | "key" | "supersede" | "answeredBy" | "answerRows" | "escCreate" | "escUpdate" | "decision" | "resolution" | "audit" | "deliveries", string>,
): string {
  const ts = `${$.at}::timestamp(3)`;
  const p = `${$.patch}::jsonb`;
  const ctes: string[] = [
    `upd AS (
  UPDATE screenings s SET
    status        = CASE WHEN ${p} ? 'status' THEN ${p}->>'status' ELSE s.status END,
    current_page  = CASE WHEN ${p} ? 'currentPage' THEN ${p}->>'currentPage' ELSE s.current_page END,
    score         = CASE WHEN ${p} ? 'score' THEN (${p}->>'score')::int ELSE s.score END,
    tier          = CASE WHEN ${p} ? 'tier' THEN ${p}->>'tier' ELSE s.tier END,
    hard_stop     = CASE WHEN ${p} ? 'hardStop' THEN (${p}->>'hardStop')::boolean ELSE s.hard_stop END,
    scoring       = CASE WHEN ${p} ? 'scoring' THEN nullif(${p}->'scoring', 'null'::jsonb) ELSE s.scoring END,
    drafts        = CASE WHEN ${p} ? 'drafts' THEN nullif(${p}->'drafts', 'null'::jsonb) ELSE s.drafts END,
    rule_set_hash = CASE WHEN ${p} ? 'ruleSetHash' THEN ${p}->>'ruleSetHash' ELSE s.rule_set_hash END,
    submitted_at  = CASE WHEN ${p} ? 'submittedAt' THEN (${p}->>'submittedAt')::timestamp(3) ELSE s.submitted_at END,
    closed_at     = CASE WHEN ${p} ? 'closedAt' THEN (${p}->>'closedAt')::timestamp(3) ELSE s.closed_at END,
    review_due_at = CASE WHEN ${p} ? 'reviewDueAt' THEN (${p}->>'reviewDueAt')::timestamp(3) ELSE s.review_due_at END,
    version = s.version + 1,
    updated_at = ${ts}
  WHERE s.id = ${$.id}::uuid AND s.version = ${$.version}::int
  RETURNING s.id
)`,
  ];
  if (has.claim)
    ctes.push(`claim AS (
  INSERT INTO processed_requests (key, created_at)
  SELECT ${$.key}::text, ${ts} FROM upd
  ON CONFLICT (key) DO NOTHING RETURNING key
)`);
  if (has.supersede)
    ctes.push(`sup AS (
  UPDATE answers a SET superseded_at = ${ts} FROM upd
  WHERE a.screening_id = upd.id AND a.superseded_at IS NULL AND a.question_id = ANY(${$.supersede}::text[])
  RETURNING a.id
)`);
  if (has.answers)
    ctes.push(`ans AS (
  INSERT INTO answers (id, screening_id, question_id, value, answered_by, created_at)
  SELECT x.id, upd.id, x.question_id, x.value, ${$.answeredBy}::text, ${ts}
  FROM upd, jsonb_to_recordset(${$.answerRows}::jsonb) AS x(id uuid, question_id text, value jsonb)
  ${has.supersede ? "WHERE (SELECT count(*) FROM sup) >= 0 -- after the old rows are superseded: the current answer of a question is unique" : ""}
  RETURNING id
)`);
  if (has.escalationCreate)
    ctes.push(`esc_new AS (
  INSERT INTO escalations (id, screening_id, channel_id, required_approvals, status, round, version, created_at, updated_at)
  SELECT x.id, upd.id, x.channel_id, x.required_approvals, x.status, 1, 0, ${ts}, ${ts}
  FROM upd, jsonb_to_recordset(${$.escCreate}::jsonb) AS x(id uuid, channel_id text, required_approvals int, status text)
  RETURNING id
)`);
  if (has.escalationUpdate)
    ctes.push(`esc_upd AS (
  UPDATE escalations e SET
    status = x.status, round = x.round, required_approvals = x.required_approvals,
    closed_at = x.closed_at, version = e.version + 1, updated_at = ${ts}
  FROM upd, jsonb_to_recordset(${$.escUpdate}::jsonb) AS x(id uuid, version int, status text, round int, required_approvals int, closed_at timestamp(3))
  WHERE e.id = x.id AND e.screening_id = upd.id AND e.version = x.version
  RETURNING e.id
)`);
  // the escalation row exists first when it is new
  const afterNewEscalation = has.escalationCreate ? "WHERE (SELECT count(*) FROM esc_new) >= 0" : "";
  if (has.decision)
    ctes.push(`dec AS (
  INSERT INTO decisions (id, escalation_id, screening_id, round, decider_id, outcome, rationale, conditions, conditions_text,
                         authorisation_reference, authorisation_issuer, authorisation_issuer_name, authorisation_issued_on, created_at)
  SELECT x.id, x.escalation_id, upd.id, x.round, x.decider_id, x.outcome, x.rationale, x.conditions, x.conditions_text,
         x.authorisation_reference, x.authorisation_issuer, x.authorisation_issuer_name, x.authorisation_issued_on, ${ts}
  FROM upd, jsonb_to_recordset(${$.decision}::jsonb) AS x(id uuid, escalation_id uuid, round int, decider_id text, outcome text, rationale text,
       conditions jsonb, conditions_text text, authorisation_reference text, authorisation_issuer text,
       authorisation_issuer_name text, authorisation_issued_on date)
  ${afterNewEscalation}
  RETURNING id
)`);
  if (has.resolution)
    ctes.push(`res AS (
  INSERT INTO party_match_resolutions (id, screening_id, normalised_name, entry_id, entry_hash, list_set_id, outcome, reason, decided_by, decided_at)
  SELECT x.id, upd.id, x.normalised_name, x.entry_id, x.entry_hash, x.list_set_id, x.outcome, x.reason, x.decided_by, ${ts}
  FROM upd, jsonb_to_recordset(${$.resolution}::jsonb) AS x(id uuid, normalised_name text, entry_id text, entry_hash text, list_set_id uuid, outcome text, reason text, decided_by text)
  RETURNING id
)`);
  if (has.erase)
    // erasure of the record's content after its retention period (domain/records-retention.ts);
    // a change that erases writes no answers, so no other part of the statement touches these rows
    ctes.push(
      `era_ans AS (DELETE FROM answers a USING upd WHERE a.screening_id = upd.id RETURNING a.id)`,
      `era_dec AS (UPDATE decisions d SET rationale = '', conditions_text = NULL FROM upd WHERE d.screening_id = upd.id RETURNING d.id)`,
      `era_res AS (UPDATE party_match_resolutions r SET reason = '' FROM upd WHERE r.screening_id = upd.id RETURNING r.id)`,
    );
  if (has.audit) ctes.push(AUDIT_CHAIN($.audit, "EXISTS (SELECT 1 FROM upd)").trim());
  if (has.deliveries)
    ctes.push(`dlv AS (
  INSERT INTO deliveries (id, kind, screening_id, payload, status, attempts, next_attempt_at, created_at)
  SELECT x.id, x.kind, upd.id,
         ${
           has.audit
             ? `-- a payload naming one of this statement's audit events gets its sequence number
         CASE WHEN x.seq_of IS NULL THEN x.payload
              ELSE jsonb_set(x.payload, '{auditSeq}', to_jsonb((SELECT a.seq::text FROM aud a JOIN chain c ON c.hash = a.hash WHERE c.n = x.seq_of)))
         END`
             : "x.payload"
         },
         -- due now by either clock: the process's may run ahead of the database's (a moved test or sandbox clock)
         'pending', 0, least(${ts}, (now() AT TIME ZONE 'UTC')), ${ts}
  FROM upd, jsonb_to_recordset(${$.deliveries}::jsonb) AS x(id uuid, kind text, payload jsonb, seq_of int)
  ${afterNewEscalation}
  RETURNING id
)`);
  const written = [has.answers && "ans", has.decision && "dec", has.deliveries && "dlv", has.resolution && "res"].filter((x): x is string => typeof x === "string");
  const aborts = [
    has.claim && `WHEN (SELECT count(*) FROM upd) = 1 AND (SELECT count(*) FROM claim) = 0 THEN dd_abort('request key already taken')`,
    has.escalationUpdate && `WHEN (SELECT count(*) FROM upd) = 1 AND (SELECT count(*) FROM esc_upd) <> jsonb_array_length(${$.escUpdate}::jsonb) THEN dd_abort('escalation changed')`,
  ].filter((x): x is string => typeof x === "string");
  const count = written.length > 0 ? written.map((w) => `(SELECT count(*) FROM ${w})::int`).join(" + ") : "0";
  return `WITH RECURSIVE
${ctes.join(",\n")}
SELECT
  (SELECT count(*) FROM upd)::int AS updated,
  ${has.audit ? "(SELECT json_agg(seq::text ORDER BY seq) FROM aud)" : "NULL::json"} AS seqs,
  -- every part lands or none: a lost race on the escalation or a request key taken meanwhile aborts the statement
  ${aborts.length > 0 ? `CASE\n    ${aborts.join("\n    ")}\n    ELSE ${count}\n  END` : count} AS written`;
}

/**
 * The audit events of one statement, chained from the table's tail: event n's hash is sha256 of
 * its canonical JSON, in which the previous hash is spliced where `head` ends and `tail` begins
 * (see chainable). `guard` decides whether they are written at all.
 */
export function AUDIT_CHAIN(param: string, guard: string): string {
  return `
ev AS (
  SELECT * FROM jsonb_to_recordset(${param}::jsonb)
    AS x(n int, head text, tail text, screening_id uuid, actor_id text, type text, data jsonb, created_at timestamp(3))
),
chain(n, prev, hash) AS (
  SELECT 0, NULL::text, coalesce((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), '${GENESIS_HASH}')
  UNION ALL
  SELECT ev.n, chain.hash, encode(sha256(convert_to(ev.head || chain.hash || ev.tail, 'UTF8')), 'hex')
  FROM chain JOIN ev ON ev.n = chain.n + 1
),
aud AS (
  INSERT INTO audit_events (screening_id, actor_id, type, data, created_at, prev_hash, hash)
  SELECT ev.screening_id, ev.actor_id, ev.type, ev.data, ev.created_at, chain.prev, chain.hash
  FROM ev JOIN chain ON chain.n = ev.n
  WHERE ${guard}
  ORDER BY ev.n
  RETURNING seq, hash
)`;
}

export interface AuditEntry {
  /** null: not about one screening; undefined in a change: the aggregate's screening */
  screeningId?: string | null | undefined;
  actorId: string;
  type: string;
  data: { readonly [key: string]: JsonInput | undefined };
}

/**
 * An event as the chain statement takes it: its canonical JSON (the same text auditHash() in
 * audit.ts hashes) cut in two where the previous hash goes. The keys sort as actorId, createdAt,
 * data, prevHash, screeningId, type, so the hash is the only part SQL adds.
 */
export function chainable(events: AuditEntry[], now: Date) {
  const marker = "\u0001PREV\u0001"; // canonical JSON escapes control characters: never in the text
  return events.map((e, i) => {
    const data = normaliseJsonObject(e.data);
    const text = canonicalJson({ prevHash: marker, screeningId: e.screeningId ?? null, actorId: e.actorId, type: e.type, data, createdAt: now.toISOString() });
    const quoted = JSON.stringify(marker);
    // last: the data (which sorts before prevHash) may hold anything, the fields after it cannot
    const cut = text.lastIndexOf(quoted);
    return {
      n: i + 1,
      head: `${text.slice(0, cut)}"`,
      tail: `"${text.slice(cut + quoted.length)}`,
      screening_id: e.screeningId ?? null,
      actor_id: e.actorId,
      type: e.type,
      data,
      created_at: now.toISOString(),
    };
  });
}

/** Audit events that change no screening (refusals, access records): one statement. */
export async function appendAudit(sql: Sql, events: AuditEntry[], now: Date): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = await sql.query<{ seqs: string[] | null }>(`WITH RECURSIVE ${AUDIT_CHAIN("$1", "true")} SELECT (SELECT json_agg(seq::text ORDER BY seq) FROM aud) AS seqs`, [
    JSON.stringify(chainable(events, now)),
  ]);
  return rows[0]?.seqs ?? [];
}

/** In the data of createAggregate's events: the new screening's reference, which only the statement knows. */
export const NEW_REFERENCE = "\u0001REF\u0001";

/**
 * A new screening, its reference (DD-YYYY-NNNN, from the year's counter), the request key and
 * its first audit event, in one statement. The reference is only known inside the statement, so
 * the event's data names it through `$REF`, spliced into its canonical JSON like the hash.
 * Returns null when the request key was already taken (a replay): nothing is written, and no
 * reference number is used up.
 */
export async function createAggregate(
  sql: Sql,
  args: {
    id: string;
    requesterId: string;
    teamId: string | null;
    ruleSetHash: string;
    currentPage: string | null;
    requestKey?: string | undefined;
    now: Date;
    audit: { type: string; data: { readonly [key: string]: JsonInput | undefined } };
    /** a re-screening: the screening it renews (one re-screening each: a second one fails with a unique violation, 23505) */
    previousScreeningId?: string | null | undefined;
    /** pages prefilled before anything is answered (a re-screening's old answers) */
    drafts?: Drafts | undefined;
    /** events chained after the first, about other screenings; NEW_REFERENCE in their data stands for the new reference */
    also?: Array<{ screeningId: string; type: string; data: { readonly [key: string]: JsonInput | undefined } }> | undefined;
  },
): Promise<{ reference: string; auditSeq: string } | null> {
  const refMarker = NEW_REFERENCE;
  const events = chainable(
    [
      { screeningId: args.id, actorId: args.requesterId, type: args.audit.type, data: { ...args.audit.data, reference: refMarker } },
      ...(args.also ?? []).map((e) => ({ screeningId: e.screeningId, actorId: args.requesterId, type: e.type, data: e.data })),
    ],
    args.now,
  );
  const quotedRef = JSON.stringify(refMarker);
  const year = args.now.getUTCFullYear();
  const rows = await sql.query<{ reference: string | null; seqs: string[] | null }>(
    `WITH RECURSIVE
claim AS (
  INSERT INTO processed_requests (key, created_at) SELECT $1::text, $8::timestamp(3) WHERE $1::text IS NOT NULL
  ON CONFLICT (key) DO NOTHING RETURNING key
),
go AS (SELECT 1 AS ok WHERE $1::text IS NULL OR EXISTS (SELECT 1 FROM claim)),
counter AS (
  INSERT INTO reference_counters (year, last) SELECT $2::int, 1 FROM go
  ON CONFLICT (year) DO UPDATE SET last = reference_counters.last + 1
  RETURNING 'DD-' || year || '-' || lpad(last::text, greatest(4, length(last::text)), '0') AS reference
),
ins AS (
  INSERT INTO screenings (id, reference, requester_id, team_id, status, current_page, rule_set_hash, version, created_at, updated_at, previous_screening_id, drafts)
  SELECT $3::uuid, counter.reference, $4::text, $5::text, 'draft', $6::text, $7::text, 0, $8::timestamp(3), $8::timestamp(3), $11::uuid, $12::jsonb FROM counter
  RETURNING id, reference
),
ev AS (
  -- the reference, known only now, replaces its marker in each event's hashed text and data
  SELECT x.n, replace(x.head, $10::text, ins.reference) AS head, replace(x.tail, $10::text, ins.reference) AS tail,
         x.screening_id, x.actor_id, x.type,
         replace(x.data::text, $10::text, ins.reference)::jsonb AS data, x.created_at
  FROM ins, jsonb_to_recordset($9::jsonb) AS x(n int, head text, tail text, screening_id uuid, actor_id text, type text, data jsonb, created_at timestamp(3))
),
chain(n, prev, hash) AS (
  SELECT 0, NULL::text, coalesce((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), '${GENESIS_HASH}')
  UNION ALL
  SELECT ev.n, chain.hash, encode(sha256(convert_to(ev.head || chain.hash || ev.tail, 'UTF8')), 'hex')
  FROM chain JOIN ev ON ev.n = chain.n + 1
),
aud AS (
  INSERT INTO audit_events (screening_id, actor_id, type, data, created_at, prev_hash, hash)
  SELECT ev.screening_id, ev.actor_id, ev.type, ev.data, ev.created_at, chain.prev, chain.hash
  FROM ev JOIN chain ON chain.n = ev.n
  RETURNING seq
)
SELECT (SELECT reference FROM ins) AS reference, (SELECT json_agg(seq::text ORDER BY seq) FROM aud) AS seqs`,
    [
      args.requestKey ?? null,
      year,
      args.id,
      args.requesterId,
      args.teamId,
      args.currentPage,
      args.ruleSetHash,
      args.now.toISOString(),
      JSON.stringify(events),
      quotedRef.slice(1, -1),
      args.previousScreeningId ?? null,
      draftsParam(args.drafts),
    ],
  );
  const row = rows[0];
  if (!row?.reference) return null;
  return { reference: row.reference, auditSeq: row.seqs?.[0] ?? "" };
}

// ---------------------------------------------------------------------------------------------
// Column shapes

const SeqOf = z.object({ ofEvent: z.number().int().min(1) });

/** An outbox row; a payload whose auditSeq names one of the change's events gets its seq in SQL. */
function deliveryRow(draft: AggregateChange["deliveries"][number], id: string) {
  const seqOf = SeqOf.safeParse(draft.auditSeq);
  // validated with a stand-in for the seq still to come
  const payload = DeliveryPayloadSchema.parse(seqOf.success ? { ...draft, auditSeq: "0" } : draft);
  return { id, kind: payload.kind, payload: normaliseJson(payload), seq_of: seqOf.success ? seqOf.data.ofEvent : null };
}

function resolutionInsert(r: NonNullable<AggregateChange["resolution"]>) {
  return {
    id: r.id,
    normalised_name: r.normalisedName,
    entry_id: r.entryId,
    entry_hash: r.entryHash,
    list_set_id: r.listSetId,
    outcome: r.outcome,
    reason: r.reason,
    decided_by: r.decidedBy,
  };
}

function screeningPatch(p: NonNullable<AggregateChange["screening"]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (p.status !== undefined) out.status = p.status;
  if (p.currentPage !== undefined) out.currentPage = p.currentPage;
  if (p.score !== undefined) out.score = p.score;
  if (p.tier !== undefined) out.tier = p.tier;
  if (p.hardStop !== undefined) out.hardStop = p.hardStop;
  if (p.scoring !== undefined) out.scoring = p.scoring === null ? null : normaliseJson(p.scoring);
  if (p.drafts !== undefined) out.drafts = draftsValue(p.drafts);
  if (p.ruleSetHash !== undefined) out.ruleSetHash = p.ruleSetHash;
  if (p.submittedAt !== undefined) out.submittedAt = p.submittedAt?.toISOString() ?? null;
  if (p.closedAt !== undefined) out.closedAt = p.closedAt?.toISOString() ?? null;
  if (p.reviewDueAt !== undefined) out.reviewDueAt = p.reviewDueAt?.toISOString() ?? null;
  return out;
}

/** Drafts as a statement parameter: null (SQL NULL) when no page has one. */
function draftsParam(drafts: Drafts | undefined): string | null {
  const value = drafts ? draftsValue(drafts) : null;
  return value === null ? null : JSON.stringify(value);
}

/** Drafts as the column keeps them: SQL NULL when no page has one. */
function draftsValue(drafts: Drafts): unknown {
  const kept = Object.entries(drafts).filter(([, page]) => Object.keys(page).length > 0);
  return kept.length === 0 ? null : normaliseJson(Object.fromEntries(kept));
}

function escalationInsert(e: NonNullable<NonNullable<AggregateChange["escalation"]>["create"]>) {
  return { id: e.id, channel_id: e.channelId, required_approvals: e.requiredApprovals, status: "open" };
}

function escalationUpdate(e: NonNullable<NonNullable<AggregateChange["escalation"]>["update"]>) {
  return { id: e.id, version: e.version, status: e.status, round: e.round, required_approvals: e.requiredApprovals, closed_at: e.closedAt?.toISOString() ?? null };
}

function decisionInsert(d: NonNullable<AggregateChange["decision"]>) {
  return {
    id: d.id,
    escalation_id: d.escalationId,
    round: d.round,
    decider_id: d.deciderId,
    outcome: d.outcome,
    rationale: d.rationale,
    conditions: d.conditions,
    conditions_text: d.conditionsText,
    authorisation_reference: d.authorisation?.reference ?? null,
    authorisation_issuer: d.authorisation?.issuer ?? null,
    authorisation_issuer_name: d.authorisation?.issuerName ?? null,
    authorisation_issued_on: d.authorisation?.issuedOn ?? null,
  };
}

export type { DeliveryPayload };
