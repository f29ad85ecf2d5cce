// Where a request's time goes, without HTTP or contention: the bot's use cases called one at a
// time on an in-memory PGlite, as the Slack listeners call them, timed and with their SQL
// statements counted (PGlite's query/exec/transaction are wrapped to count). Also the fixed
// costs under them: one statement through Prisma against the same statement on PGlite
// directly, and ensureRuleSetVersion, which startScreening and submitScreening both run.
import { PGlite } from "@electric-sql/pglite";
import { performance } from "node:perf_hooks";
import type { RuleSet } from "../src/domain/rule-set.js";
import type { ServiceContext } from "../src/services/context.js";
import { decideEscalation } from "../src/services/decisions.js";
import { ruleSetContent, savePage, startScreening, submitScreening, type InterviewStep } from "../src/services/interview.js";
import { loadScreening } from "../src/services/queries.js";
import { buildEscalationMessage } from "../src/slack/blocks/escalation-message.js";
import { renderStep } from "../src/slack/render.js";
import { openEmbeddedDatabase } from "../src/store/database.js";
import { ensureRuleSetVersion } from "../src/store/screenings.js";
import type { AnswerInput } from "./fill.js";
import type { BenchScenario } from "./scenarios.js";
import { round } from "./stats.js";

export interface BreakdownRow {
  step: string;
  calls: number;
  msPerCall: number;
  statementsPerCall: number;
}

export interface Breakdown {
  screenings: number;
  rows: BreakdownRow[];
  ruleSetJsonBytes: number;
}

type Raw = Record<string, string | string[] | undefined>;

function rawOf(input: Readonly<Record<string, AnswerInput>>, ids: readonly string[]): Raw {
  const raw: Raw = {};
  for (const id of ids) {
    const v = input[id];
    raw[id] = v === undefined ? undefined : v === true ? "yes" : v === false ? "no" : Array.isArray(v) ? v.map(String) : String(v);
  }
  return raw;
}

/** Runs `screenings` complete screenings (the first fifth, at least one, as warm-up) and reports per-call averages. */
export async function measureBreakdown(ruleSet: RuleSet, scenarios: readonly BenchScenario[], screenings: number): Promise<Breakdown> {
  const pglite = new PGlite();
  let statements = 0;
  // Count every statement PGlite runs, inside transactions too.
  const query = pglite.query.bind(pglite);
  const exec = pglite.exec.bind(pglite);
  const transaction = pglite.transaction.bind(pglite);
  Object.assign(pglite, {
    query: (...args: Parameters<PGlite["query"]>) => (statements++, query(...args)),
    exec: (...args: Parameters<PGlite["exec"]>) => (statements++, exec(...args)),
    transaction: <T>(fn: Parameters<PGlite["transaction"]>[0]) =>
      transaction(async (tx) => {
        const txQuery = tx.query.bind(tx);
        Object.assign(tx, { query: (...args: Parameters<typeof tx.query>) => (statements++, txQuery(...args)) });
        return (await fn(tx)) as T;
      }),
  });
  const db = await openEmbeddedDatabase(pglite);
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const ctx: ServiceContext = { prisma: db.prisma, sql: db.sql, ruleSet, complianceChannelId: "C0BENCH", now: () => new Date(), log: quiet, onDeliveriesEnqueued: () => undefined };
  const stats = new Map<string, { calls: number; ms: number; statements: number }>();
  let measuring = false;
  const timed = async <T>(step: string, work: () => Promise<T> | T): Promise<T> => {
    const s0 = statements;
    const t0 = performance.now();
    const value = await work();
    if (measuring) {
      const s = stats.get(step) ?? { calls: 0, ms: 0, statements: 0 };
      s.calls++;
      s.ms += performance.now() - t0;
      s.statements += statements - s0;
      stats.set(step, s);
    }
    return value;
  };

  try {
    const warmUp = Math.max(1, Math.floor(screenings / 5));
    for (let i = 0; i < warmUp + screenings; i++) {
      measuring = i >= warmUp;
      const scenario = scenarios[i % scenarios.length];
      if (!scenario) throw new Error("no scenarios");
      const user = `UBREAKDOWN${i}`;
      let step: InterviewStep | { kind: "errors"; errors: Record<string, string> } = await timed("startScreening (/screening)", () => startScreening(ctx, { requesterId: user }));
      for (let page = 0; step.kind === "page"; page++) {
        const current: InterviewStep = step;
        await timed("renderStep (page modal)", () => renderStep(ruleSet, current));
        const raw = rawOf(scenario.input, current.page.questions.map((q) => q.id));
        step = await timed("savePage (page submission)", () => savePage(ctx, { screeningId: current.screening.id, pageId: current.page.page.id, actorId: user, raw, requestKey: `b:${i}:${page}` }));
        if (page > 60) throw new Error("the interview does not end");
      }
      if (step.kind !== "review") throw new Error(`breakdown: ${scenario.name} did not reach the review: ${JSON.stringify(step).slice(0, 200)}`);
      const screeningId = step.screening.id;
      const submitted = await timed("submitScreening (final submission)", () => submitScreening(ctx, { screeningId, actorId: user, requestKey: `b:${i}:submit` }));
      if (submitted.kind !== "submitted" || !submitted.escalated) throw new Error(`breakdown: ${scenario.name} was not escalated`);
      const escalationMessage = async () => {
        const detail = await loadScreening(db.prisma, screeningId);
        if (!detail) throw new Error("screening vanished");
        return buildEscalationMessage({ ruleSet, detail });
      };
      await timed("loadScreening + escalation message (worker)", escalationMessage);
      const escalation = await db.prisma.escalation.findUniqueOrThrow({ where: { screeningId } });
      for (let k = 0; k < scenario.approvals; k++) {
        await timed("decideEscalation (decision)", () =>
          decideEscalation(ctx, {
            escalationId: escalation.id,
            outcome: "approve",
            actor: { userId: `UBREAKDOWNAPPROVER${k}`, isApprover: true },
            rationale: "Breakdown: vetted.",
            conditions: [],
            conditionsText: null,
            requestKey: `b:${i}:decision:${k}`,
          }),
        );
        await timed("loadScreening + escalation message (worker)", escalationMessage);
      }
    }

    measuring = true;
    const version = { hash: ruleSet.version, label: ruleSet.label };
    for (let i = 0; i < 10; i++) {
      await timed("  ensureRuleSetVersion (already stored)", () => db.prisma.$transaction((tx) => ensureRuleSetVersion(tx, { ...version, content: ruleSetContent(ruleSet) })));
      await timed("  one indexed count through Prisma", () => db.prisma.processedRequest.count({ where: { key: `none:${i}` } }));
      await timed("  the same count on PGlite directly", () => pglite.query("SELECT count(*) FROM processed_requests WHERE key = $1", [`none:${i}`]));
    }
  } finally {
    await db.close();
  }
  return {
    screenings,
    ruleSetJsonBytes: JSON.stringify(ruleSetContent(ruleSet)).length,
    rows: [...stats.entries()].map(([step, s]) => ({ step, calls: s.calls, msPerCall: round(s.ms / s.calls, 2), statementsPerCall: round(s.statements / s.calls, 1) })),
  };
}
