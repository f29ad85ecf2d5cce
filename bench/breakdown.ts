// Where a request's time goes, without HTTP or contention: the bot's use cases called one at a
// time on an in-memory PGlite, as the Slack listeners call them (the public service functions),
// timed and with their SQL statements counted. Statements are counted where they reach PGlite,
// whichever path sent them (Prisma's adapter, the thin SQL layer db.sql, a transaction's
// BEGIN/COMMIT/ROLLBACK): every statement PGlite runs starts with a Parse (extended protocol) or
// a Query (simple protocol) message through its execProtocolStream, which is wrapped to count
// them. Also the fixed cost under them: one indexed count through Prisma, through db.sql, and on
// PGlite directly.
import { PGlite } from "@electric-sql/pglite";
import { performance } from "node:perf_hooks";
import { escalationIdOf, screeningIdOf } from "../src/domain/ids.js";
import type { RuleSet } from "../src/domain/rule-set.js";
import type { ServiceContext } from "../src/services/context.js";
import { checkDecision, decideEscalation } from "../src/services/decisions.js";
import { savePage, startScreening, submitScreening, type InterviewStep } from "../src/services/interview.js";
import { loadScreening } from "../src/services/queries.js";
import { buildEscalationMessage } from "../src/slack/blocks/escalation-message.js";
import { renderStep } from "../src/slack/render.js";
import { EMBEDDED_START_PARAMS, openEmbeddedDatabase } from "../src/store/database.js";
import type { AnswerInput } from "./fill.js";
import type { BenchScenario } from "./scenarios.js";
import { round } from "./stats.js";

export interface BreakdownRow {
  step: string;
  calls: number;
  msPerCall: number;
  /** every statement PGlite ran for the call, BEGIN/COMMIT/ROLLBACK included */
  statementsPerCall: number;
  /** of which BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE */
  transactionControlPerCall: number;
}

export interface Breakdown {
  screenings: number;
  rows: BreakdownRow[];
  ruleSetJsonBytes: number;
}

const PARSE = 0x50; // 'P'
const QUERY = 0x51; // 'Q'
const BIND = 0x42; // 'B'
const EXECUTE = 0x45; // 'E'
const TX_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|END|SAVEPOINT|RELEASE|ABORT)\b/i;

/** The start of a Parse or Query message's SQL text. */
function statementStart(message: Uint8Array): string {
  let at = 5;
  if (message[0] === PARSE) {
    // the prepared statement's name (a C string, empty when unnamed), then the text
    while (at < message.length && message[at] !== 0) at++;
    at++;
  }
  const end = Math.min(message.length, at + 24);
  return Buffer.from(message.buffer, message.byteOffset + at, Math.max(0, end - at)).toString("latin1");
}

/**
 * Counts every statement `pglite` runs from now on: wraps its execProtocolStream, through which
 * query, exec, transaction (and a transaction's own queries, BEGIN and COMMIT) and the request
 * path's named prepared statements (src/store/sql.ts: parsed once, then only bound and executed)
 * all send their protocol messages. A statement run is a simple Query or an Execute. Returns the
 * running counts.
 */
export function countStatements(pglite: PGlite): { readonly total: number; readonly transactionControl: number } {
  const counts = { total: 0, transactionControl: 0 };
  const original = pglite.execProtocolStream.bind(pglite);
  // the text of the last unnamed Parse, and whether the last Bind used the unnamed statement
  let unnamedText = "";
  let boundUnnamed = false;
  const counting: PGlite["execProtocolStream"] = (message, options) => {
    if (message[0] === QUERY) {
      counts.total++;
      if (TX_CONTROL.test(statementStart(message))) counts.transactionControl++;
    } else if (message[0] === PARSE && message[5] === 0) {
      unnamedText = statementStart(message);
    } else if (message[0] === BIND) {
      // portal name (C string), then the statement name: empty means the unnamed statement
      let at = 5;
      while (at < message.length && message[at] !== 0) at++;
      boundUnnamed = message[at + 1] === 0;
    } else if (message[0] === EXECUTE) {
      counts.total++;
      if (boundUnnamed && TX_CONTROL.test(unnamedText)) counts.transactionControl++;
    }
    return original(message, options);
  };
  Object.defineProperty(pglite, "execProtocolStream", { value: counting, configurable: true, writable: true });
  return counts;
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
  const pglite = new PGlite({ startParams: [...EMBEDDED_START_PARAMS] });
  // Before the database is opened on it: Prisma's adapter and db.sql both reach PGlite through it.
  const counted = countStatements(pglite);
  const db = await openEmbeddedDatabase(pglite);
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  // As the bot builds it (src/bot.ts): both the Prisma client and the request path's SQL.
  const ctx: ServiceContext = {
    prisma: db.prisma,
    sql: db.sql,
    ruleSet,
    complianceChannelId: "C0BENCH",
    now: () => new Date(),
    log: quiet,
    onDeliveriesEnqueued: () => undefined,
  };
  const stats = new Map<string, { calls: number; ms: number; statements: number; transactionControl: number }>();
  let measuring = false;
  const timed = async <T>(step: string, work: () => Promise<T> | T): Promise<T> => {
    const s0 = counted.total;
    const x0 = counted.transactionControl;
    const t0 = performance.now();
    const value = await work();
    if (measuring) {
      const s = stats.get(step) ?? { calls: 0, ms: 0, statements: 0, transactionControl: 0 };
      s.calls++;
      s.ms += performance.now() - t0;
      s.statements += counted.total - s0;
      s.transactionControl += counted.transactionControl - x0;
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
      let step: InterviewStep | { kind: "errors"; errors: Record<string, string> } = await timed("startScreening (/screening)", () =>
        startScreening(ctx, { requesterId: user, requestKey: `b:${i}:start` }),
      );
      if (i === 0 && counted.total === 0) throw new Error("breakdown: no statement was counted; PGlite's execProtocolStream is no longer the way in");
      for (let page = 0; step.kind === "page"; page++) {
        const current: InterviewStep = step;
        await timed("renderStep (page modal)", () => renderStep(ruleSet, current));
        const raw = rawOf(scenario.input, current.page.questions.map((q) => q.id));
        step = await timed("savePage (page submission)", () =>
          savePage(ctx, { screeningId: screeningIdOf(current.screening.id), pageId: current.page.page.id, actorId: user, raw, requestKey: `b:${i}:${page}` }),
        );
        if (page > 60) throw new Error("the interview does not end");
      }
      if (step.kind !== "review") throw new Error(`breakdown: ${scenario.name} did not reach the review: ${JSON.stringify(step).slice(0, 200)}`);
      const screeningId = screeningIdOf(step.screening.id);
      const submitted = await timed("submitScreening (final submission)", () => submitScreening(ctx, { screeningId, actorId: user, requestKey: `b:${i}:submit` }));
      if (submitted.kind !== "submitted" || !submitted.escalated) throw new Error(`breakdown: ${scenario.name} was not escalated`);
      const escalationMessage = async () => {
        const detail = await loadScreening(db.sql, screeningId);
        if (!detail) throw new Error("screening vanished");
        return buildEscalationMessage({ ruleSet, detail });
      };
      await timed("loadScreening + escalation message (worker)", escalationMessage);
      const escalation = await db.prisma.escalation.findUniqueOrThrow({ where: { screeningId } });
      const escalationId = escalationIdOf(escalation.id);
      for (let k = 0; k < scenario.approvals; k++) {
        const actor = { userId: `UBREAKDOWNAPPROVER${k}`, isApprover: true };
        const check = await timed("checkDecision (decision button)", () => checkDecision(ctx, { escalationId, actor, outcome: "approve" }));
        if (!check.ok) throw new Error(`breakdown: ${scenario.name}: decision ${k + 1} refused: ${JSON.stringify(check.refusal)}`);
        await timed("decideEscalation (decision)", () =>
          decideEscalation(ctx, {
            escalationId,
            outcome: "approve",
            actor,
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
    for (let i = 0; i < 10; i++) {
      await timed("  one indexed count through Prisma", () => db.prisma.processedRequest.count({ where: { key: `none:${i}` } }));
      await timed("  the same count through db.sql", () => db.sql.query("SELECT count(*) FROM processed_requests WHERE key = $1", [`none:${i}`]));
      await timed("  the same count on PGlite directly", () => pglite.query("SELECT count(*) FROM processed_requests WHERE key = $1", [`none:${i}`]));
    }
  } finally {
    await db.close();
  }
  return {
    screenings,
    ruleSetJsonBytes: JSON.stringify(ruleSet).length,
    rows: [...stats.entries()].map(([step, s]) => ({
      step,
      calls: s.calls,
      msPerCall: round(s.ms / s.calls, 2),
      statementsPerCall: round(s.statements / s.calls, 1),
      transactionControlPerCall: round(s.transactionControl / s.calls, 1),
    })),
  };
}
