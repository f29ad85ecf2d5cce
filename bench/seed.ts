// "10,000 screenings already in the database", made fast: a few screenings are driven through
// the real bot first (templates), then cloned in bulk SQL inside the database (screenings,
// answer history, escalations, decisions, outbox rows, idempotency keys) with new ids,
// references, requesters and timestamps spread over the past. Audit events are cloned in
// JavaScript so the hash chain stays intact: `npm run audit:verify` passes on a seeded database.
import { auditHash } from "../src/store/audit.js";
import { normaliseJsonObject, type JsonInput } from "../src/store/json.js";
import type { PrismaClient } from "../src/generated/prisma/client.js";

export interface SeedResult {
  added: number;
  auditEvents: number;
  ms: number;
  /** of which: the bulk SQL copies, and the audit events (hashed in JavaScript) */
  sqlMs: number;
  auditMs: number;
}

const FINISHED = ["approved", "rejected", "cleared"];
/** Seeded screenings are spread over this many requesters (about 20 each for 10,000). */
const SEED_REQUESTERS = 500;
const AUDIT_BATCH = 5_000;
const SEED_CHUNK = 500;

/** Adds `count` copies of the finished screenings already in the database. */
export async function seedScreenings(prisma: PrismaClient, count: number, year = new Date().getUTCFullYear()): Promise<SeedResult> {
  const started = performance.now();
  if (count <= 0) return { added: 0, auditEvents: 0, ms: 0, sqlMs: 0, auditMs: 0 };
  const templates = await prisma.screening.findMany({ where: { status: { in: FINISHED } }, select: { id: true, reference: true, requesterId: true }, orderBy: { createdAt: "asc" } });
  if (templates.length === 0) throw new Error("seeding needs at least one finished screening to copy");

  const counter = await prisma.referenceCounter.findUnique({ where: { year } });
  const base = counter?.last ?? 0;

  await prisma.$executeRawUnsafe(`DROP TABLE IF EXISTS bench_seed_map`);
  await prisma.$executeRawUnsafe(`DROP TABLE IF EXISTS bench_seed_esc`);
  // n-th copy of the ((n-1) mod templates)-th template, moved back in time by n * 5 minutes
  await prisma.$executeRawUnsafe(
    `CREATE TEMP TABLE bench_seed_map AS
     WITH t AS (SELECT id, requester_id, row_number() OVER (ORDER BY created_at, id) - 1 AS k FROM screenings WHERE status IN (${FINISHED.map((f) => `'${f}'`).join(", ")})),
          c AS (SELECT count(*) AS c FROM t)
     SELECT g AS n, t.id AS old_id, t.requester_id AS old_requester, gen_random_uuid() AS new_id,
            'USEED' || lpad((g % ${SEED_REQUESTERS})::text, 4, '0') AS new_requester,
            'DD-' || ${year} || '-' || CASE WHEN ${base} + g >= 1000 THEN (${base} + g)::text ELSE lpad((${base} + g)::text, 4, '0') END AS new_reference,
            make_interval(mins => (g * 5)::int) AS shift
     FROM generate_series(1, ${count}) g CROSS JOIN c JOIN t ON t.k = (g - 1) % c.c`,
  );
  await prisma.$executeRawUnsafe(
    `CREATE TEMP TABLE bench_seed_esc AS
     SELECT m.n, e.id AS old_id, gen_random_uuid() AS new_id FROM bench_seed_map m JOIN escalations e ON e.screening_id = m.old_id`,
  );
  // In chunks: one statement over all 10,000 copies asks more of PGlite's memory than it has.
  for (let lo = 1; lo <= count; lo += SEED_CHUNK) {
    const hi = Math.min(count, lo + SEED_CHUNK - 1);
    const inChunk = `m.n BETWEEN ${lo} AND ${hi}`;
    await prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(
          `INSERT INTO screenings (id, reference, requester_id, team_id, status, current_page, rule_set_hash, score, tier, hard_stop, scoring, version, created_at, updated_at, submitted_at, closed_at)
           SELECT m.new_id, m.new_reference, m.new_requester, s.team_id, s.status, s.current_page, s.rule_set_hash, s.score, s.tier, s.hard_stop, s.scoring, s.version,
                  s.created_at - m.shift, s.updated_at - m.shift, s.submitted_at - m.shift, s.closed_at - m.shift
           FROM bench_seed_map m JOIN screenings s ON s.id = m.old_id WHERE ${inChunk}`,
        );
        await tx.$executeRawUnsafe(
          `INSERT INTO answers (id, screening_id, question_id, value, answered_by, created_at, superseded_at)
           SELECT gen_random_uuid(), m.new_id, a.question_id, a.value,
                  CASE WHEN a.answered_by = m.old_requester THEN m.new_requester ELSE a.answered_by END,
                  a.created_at - m.shift, a.superseded_at - m.shift
           FROM bench_seed_map m JOIN answers a ON a.screening_id = m.old_id WHERE ${inChunk}`,
        );
        await tx.$executeRawUnsafe(
          `INSERT INTO escalations (id, screening_id, channel_id, message_ts, required_approvals, status, round, version, created_at, updated_at, closed_at)
           SELECT x.new_id, m.new_id, e.channel_id, e.message_ts, e.required_approvals, e.status, e.round, e.version, e.created_at - m.shift, e.updated_at - m.shift, e.closed_at - m.shift
           FROM bench_seed_esc x JOIN bench_seed_map m ON m.n = x.n JOIN escalations e ON e.id = x.old_id WHERE ${inChunk}`,
        );
        await tx.$executeRawUnsafe(
          `INSERT INTO decisions (id, escalation_id, screening_id, round, decider_id, outcome, rationale, conditions, conditions_text, created_at)
           SELECT gen_random_uuid(), x.new_id, m.new_id, d.round, d.decider_id, d.outcome, d.rationale, d.conditions, d.conditions_text, d.created_at - m.shift
           FROM bench_seed_esc x JOIN bench_seed_map m ON m.n = x.n JOIN decisions d ON d.escalation_id = x.old_id WHERE ${inChunk}`,
        );
        await tx.$executeRawUnsafe(
          `INSERT INTO deliveries (id, kind, screening_id, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at)
           SELECT gen_random_uuid(), d.kind, m.new_id,
                  replace(replace(d.payload::text, m.old_id::text, m.new_id::text), coalesce(x.old_id::text, '-'), coalesce(x.new_id::text, '-'))::jsonb,
                  'delivered', d.attempts, d.next_attempt_at - m.shift, NULL, d.created_at - m.shift, coalesce(d.delivered_at, d.created_at) - m.shift
           FROM bench_seed_map m JOIN deliveries d ON d.screening_id = m.old_id LEFT JOIN bench_seed_esc x ON x.n = m.n WHERE ${inChunk}`,
        );
        // Idempotency keys are not tied to a screening: the templates' keys once more per copy.
        await tx.$executeRawUnsafe(
          `INSERT INTO processed_requests (key, created_at)
           SELECT p.key || '#seed' || g, p.created_at - make_interval(mins => (g * 5)::int)
           FROM processed_requests p CROSS JOIN generate_series(${Math.ceil(lo / templates.length)}, ${Math.ceil(hi / templates.length)}) g
           WHERE p.key NOT LIKE '%#seed%'
           ON CONFLICT DO NOTHING`,
        );
      },
      { timeout: 600_000, maxWait: 60_000 },
    );
  }
  await prisma.$executeRawUnsafe(
    `INSERT INTO reference_counters (year, last) VALUES (${year}, ${base + count}) ON CONFLICT (year) DO UPDATE SET last = reference_counters.last + ${count}`,
  );

  const sqlMs = performance.now() - started;
  const auditEvents = await seedAuditEvents(prisma, templates, count);
  await prisma.$executeRawUnsafe(`DROP TABLE IF EXISTS bench_seed_map`);
  await prisma.$executeRawUnsafe(`DROP TABLE IF EXISTS bench_seed_esc`);
  const ms = performance.now() - started;
  return { added: count, auditEvents, ms, sqlMs, auditMs: ms - sqlMs };
}

/** Each copy's audit events: the template's, with ids, requester and reference replaced, appended to the chain. */
async function seedAuditEvents(prisma: PrismaClient, templates: Array<{ id: string; reference: string; requesterId: string }>, count: number): Promise<number> {
  const byTemplate = new Map<string, Array<{ actorId: string; type: string; data: string; createdAt: Date }>>();
  const rows = await prisma.auditEvent.findMany({ where: { screeningId: { in: templates.map((t) => t.id) } }, orderBy: { seq: "asc" } });
  for (const r of rows) {
    const list = byTemplate.get(r.screeningId ?? "") ?? [];
    list.push({ actorId: r.actorId, type: r.type, data: JSON.stringify(r.data), createdAt: r.createdAt });
    byTemplate.set(r.screeningId ?? "", list);
  }
  const map = await prisma.$queryRawUnsafe<Array<{ n: number; old_id: string; new_id: string; new_requester: string; new_reference: string; shift_ms: number }>>(
    `SELECT n::int AS n, old_id::text AS old_id, new_id::text AS new_id, new_requester, new_reference, (extract(epoch FROM shift) * 1000)::float8 AS shift_ms FROM bench_seed_map ORDER BY n`,
  );
  const escs = await prisma.$queryRawUnsafe<Array<{ n: number; old_id: string; new_id: string }>>(`SELECT n::int AS n, old_id::text AS old_id, new_id::text AS new_id FROM bench_seed_esc`);
  const escOf = new Map(escs.map((e) => [e.n, e]));
  const templateOf = new Map(templates.map((t) => [t.id, t]));

  const last = await prisma.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { hash: true } });
  let prevHash = last?.hash ?? "0".repeat(64);
  let batch: Array<{ screening_id: string; actor_id: string; type: string; data: unknown; created_at: string; prev_hash: string; hash: string }> = [];
  let total = 0;
  // One JSON parameter per batch, unpacked by the database: far cheaper than a many-parameter createMany.
  const flush = async () => {
    if (batch.length === 0) return;
    await prisma.$executeRawUnsafe(
      `INSERT INTO audit_events (screening_id, actor_id, type, data, created_at, prev_hash, hash)
       SELECT (e.row->>'screening_id')::uuid, e.row->>'actor_id', e.row->>'type', e.row->'data', (e.row->>'created_at')::timestamp(3), e.row->>'prev_hash', e.row->>'hash'
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(row, ord)
       ORDER BY e.ord`,
      JSON.stringify(batch),
    );
    total += batch.length;
    batch = [];
  };
  if (map.length !== count) throw new Error(`seed map has ${map.length} rows, expected ${count}`);
  for (const m of map) {
    const template = templateOf.get(m.old_id);
    const events = byTemplate.get(m.old_id) ?? [];
    if (!template) continue;
    const esc = escOf.get(m.n);
    for (const e of events) {
      let text = e.data.split(m.old_id).join(m.new_id).split(template.reference).join(m.new_reference);
      if (esc) text = text.split(esc.old_id).join(esc.new_id);
      const fields = {
        prevHash,
        screeningId: m.new_id,
        actorId: e.actorId === template.requesterId ? m.new_requester : e.actorId,
        type: e.type,
        data: normaliseJsonObject(JSON.parse(text) as JsonInput),
        createdAt: new Date(e.createdAt.getTime() - m.shift_ms),
      };
      const hash = auditHash(fields);
      batch.push({
        screening_id: fields.screeningId,
        actor_id: fields.actorId,
        type: fields.type,
        data: fields.data,
        created_at: fields.createdAt.toISOString(),
        prev_hash: fields.prevHash,
        hash,
      });
      prevHash = hash;
      if (batch.length >= AUDIT_BATCH) await flush();
    }
  }
  await flush();
  return total;
}
