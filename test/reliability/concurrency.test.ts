// Point 2, concurrency: a state change is one statement with a version check. Decisions racing
// on one escalation (same or different approvers, through the same or two bot instances on one
// database) produce one outcome, and every loser is told who decided. On a PostgreSQL server
// (TEST_DATABASE_URL) the two instances have their own connection pools, as two processes
// would; on embedded PGlite they share the one database object the process may open.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BLOCK } from "../../src/slack/ids.js";
import { startFakeSlackApi, type FakeSlackApi } from "../../src/sandbox/slack-api.js";
import type { E2E, HttpReply, Person } from "../e2e/support/harness.js";
import { ackOf, escalationMessage, high, medium, openDecision, rationaleState, sendSubmission, submitScreening } from "./support/flows.js";
import { APPROVERS, printFigures, settleDeliveries, sharedDatabase, startInstance } from "./support/instances.js";
import { barrier } from "./support/hooked-prisma.js";
import { hookSql } from "./support/hooked-sql.js";
import { decideEscalation } from "../../src/services/decisions.js";
import type { ServiceContext } from "../../src/services/context.js";
import { loadRuleSet } from "../../src/rules/load.js";
import type { Database } from "../../src/store/database.js";

let api: FakeSlackApi;
let shared: Awaited<ReturnType<typeof sharedDatabase>>;
let a: E2E;
let b: E2E;
const figures = { races: 0, decisionsSubmitted: 0, decisionsRecorded: 0, losersToldWhoDecided: 0, recordsLost: 0 };

beforeAll(async () => {
  api = await startFakeSlackApi();
  shared = await sharedDatabase(2);
  a = await startInstance({ api, database: shared.handles[0]! });
  b = await startInstance({ api, database: shared.handles[1]! });
}, 60_000);
afterAll(async () => {
  printFigures(`concurrency (${shared?.kind})`, figures);
  await a?.close();
  await b?.close();
  await api?.close();
  await shared?.close();
});

interface Contender {
  instance: E2E;
  approver: string;
  outcome: "approve" | "approve_with_conditions" | "reject" | "request_info";
}

/** Opens one rationale modal per contender, then submits them all at once. */
async function race(screeningId: string, contenders: Contender[]): Promise<Array<{ contender: Contender; reply: HttpReply }>> {
  const { escalationId, ts } = await escalationMessage(a, screeningId);
  const opened: Array<{ contender: Contender; person: Person }> = [];
  for (const c of contenders) opened.push({ contender: c, person: await openDecision(c.instance, c.approver, ts, c.outcome, escalationId) });
  const inputs = opened.map(({ contender, person }) => ({ contender, input: person.submission(rationaleState(`${contender.outcome} by ${contender.approver}`)) }));
  figures.races++;
  figures.decisionsSubmitted += inputs.length;
  const replies = await Promise.all(inputs.map(async ({ contender, input }) => ({ contender, reply: await sendSubmission(contender.instance, input) })));
  await settleDeliveries(a.db);
  return replies;
}

/** The record of one screening is whole: decisions, escalation, screening status and audit events agree. */
async function recordOf(screeningId: string) {
  const db = a.db.prisma;
  const screening = await db.screening.findUniqueOrThrow({ where: { id: screeningId }, include: { escalation: { include: { decisions: true } } } });
  const recorded = await db.auditEvent.findMany({ where: { screeningId, type: "decision.recorded" }, orderBy: { seq: "asc" } });
  const decisions = screening.escalation?.decisions ?? [];
  figures.decisionsRecorded += decisions.length;
  expect(recorded.map((e) => (e.data as { decisionId?: string }).decisionId).sort()).toEqual(decisions.map((d) => d.id).sort());
  if (recorded.length !== decisions.length) figures.recordsLost++;
  return { screening, escalation: screening.escalation, decisions };
}

function loserText(reply: HttpReply): string {
  const ack = ackOf(reply);
  expect(ack.response_action).toBe("errors");
  return ack.errors?.[BLOCK.rationale] ?? "";
}

describe("two decisions racing on one escalation", () => {
  it("different approvers on two instances, approve against reject: one outcome, the loser is told who decided", async () => {
    for (let round = 0; round < 3; round++) {
      const screening = await submitScreening(a, a.person(`URACEDIFF${round}`), medium.answers);
      const replies = await race(screening.id, [
        { instance: a, approver: APPROVERS[0]!, outcome: "approve" },
        { instance: b, approver: APPROVERS[1]!, outcome: "reject" },
      ]);
      const { screening: after, escalation, decisions } = await recordOf(screening.id);
      expect(decisions).toHaveLength(1);
      const winner = decisions[0]!;
      expect(after.status).toBe(winner.outcome === "reject" ? "rejected" : "approved");
      expect(escalation?.status).toBe(after.status);
      const winnerReply = replies.find((r) => r.contender.approver === winner.deciderId);
      const loserReply = replies.find((r) => r.contender.approver !== winner.deciderId);
      expect(ackOf(winnerReply!.reply).response_action).toBe("clear");
      expect(loserText(loserReply!.reply)).toContain(`decided by @${winner.deciderId}`);
      figures.losersToldWhoDecided++;
    }
  });

  it("the same approver from two modals at once: one decision, the second modal is told it was already decided by them", async () => {
    const screening = await submitScreening(a, a.person("URACESAME"), medium.answers);
    const replies = await race(screening.id, [
      { instance: a, approver: APPROVERS[2]!, outcome: "approve" },
      { instance: b, approver: APPROVERS[2]!, outcome: "approve" },
    ]);
    const { screening: after, decisions } = await recordOf(screening.id);
    expect(decisions).toHaveLength(1);
    expect(after.status).toBe("approved");
    const actions = replies.map((r) => ackOf(r.reply).response_action).sort();
    expect(actions).toEqual(["clear", "errors"]);
    const loser = replies.find((r) => ackOf(r.reply).response_action === "errors");
    expect(loserText(loser!.reply)).toContain(`decided by @${APPROVERS[2]}`);
    figures.losersToldWhoDecided++;
  });

  it("request info against approve: one outcome, and the loser learns who decided", async () => {
    const screening = await submitScreening(a, a.person("URACEINFO"), medium.answers);
    const replies = await race(screening.id, [
      { instance: a, approver: APPROVERS[0]!, outcome: "request_info" },
      { instance: b, approver: APPROVERS[1]!, outcome: "approve" },
    ]);
    const { screening: after, escalation, decisions } = await recordOf(screening.id);
    expect(decisions).toHaveLength(1);
    const winner = decisions[0]!;
    expect(after.status).toBe(winner.outcome === "request_info" ? "info_requested" : "approved");
    expect(escalation?.status).toBe(after.status);
    const loser = replies.find((r) => r.contender.approver !== winner.deciderId);
    expect(loserText(loser!.reply)).toContain(`@${winner.deciderId}`);
    figures.losersToldWhoDecided++;
  });

  it("a two-approver tier: two different approvers at once both count and close it once; a third is told who decided", async () => {
    const screening = await submitScreening(a, a.person("URACETWO"), high.answers);
    expect(screening.escalation?.requiredApprovals).toBe(2);
    const replies = await race(screening.id, [
      { instance: a, approver: APPROVERS[0]!, outcome: "approve" },
      { instance: b, approver: APPROVERS[1]!, outcome: "approve" },
      { instance: a, approver: APPROVERS[2]!, outcome: "approve" },
    ]);
    const { screening: after, escalation, decisions } = await recordOf(screening.id);
    expect(decisions).toHaveLength(2);
    expect(new Set(decisions.map((d) => d.deciderId)).size).toBe(2);
    expect(after.status).toBe("approved");
    expect(escalation?.status).toBe("approved");
    const losers = replies.filter((r) => !decisions.some((d) => d.deciderId === r.contender.approver));
    expect(losers).toHaveLength(1);
    expect(loserText(losers[0]!.reply)).toMatch(/decided by @U/);
    figures.losersToldWhoDecided++;
    // the final transition happened once: one audit event says final
    const finals = (await a.db.prisma.auditEvent.findMany({ where: { screeningId: screening.id, type: "decision.recorded" } })).filter((e) => (e.data as { final?: boolean }).final);
    expect(finals).toHaveLength(1);
  });

  it("the channel message and the requester's DMs show the one outcome", async () => {
    const screening = await submitScreening(a, a.person("URACEMSG"), medium.answers);
    await race(screening.id, [
      { instance: a, approver: APPROVERS[0]!, outcome: "reject" },
      { instance: b, approver: APPROVERS[1]!, outcome: "reject" },
    ]);
    const { decisions } = await recordOf(screening.id);
    expect(decisions).toHaveLength(1);
    const dms = api.dms("URACEMSG").filter((m) => /rejected/i.test(JSON.stringify(m)) && !/until it is approved/.test(m.text));
    expect(dms).toHaveLength(1);
    const { message } = await escalationMessage(a, screening.id);
    expect(JSON.stringify(message)).toContain(`<@${decisions[0]!.deciderId}>`);
  });
});

describe("a forced interleaving of two decisions", () => {
  // A decision is two statements, the aggregate's read and its one-statement, version-checked
  // commit, with no transaction held in between: both requests can read version N before either
  // writes, on a server's connection pools and on embedded PGlite's one connection alike.
  it("both read version N before either writes: the loser's version check fails, it runs again on fresh data and is refused with who decided", async () => {
    const screening = await submitScreening(a, a.person("URACEFORCED"), medium.answers);
    const { escalationId } = await escalationMessage(a, screening.id);
    await settleDeliveries(a.db);
    const loaded = await loadRuleSet("rules");
    if (!loaded.ok) throw new Error("shipped rules invalid");
    const bothRead = barrier(2, 5_000);
    let loads = 0;
    const commits: Array<"committed" | "lost"> = [];
    const context = (db: Database): ServiceContext => ({
      prisma: db.prisma,
      sql: hookSql(
        db.sql,
        async ({ kind }) => {
          if (kind === "load") loads++;
          // Hold each request just before its version-checked commit until the other got there too.
          if (kind === "commit") await bothRead.arrive();
        },
        ({ kind }, outcome) => {
          if (kind !== "commit") return;
          // a commit that lost: its version check matched no row (or the database made it retry)
          const updated = "rows" in outcome ? Number((outcome.rows[0] as { updated?: unknown } | undefined)?.updated) : 0;
          commits.push(updated === 1 ? "committed" : "lost");
        },
      ),
      ruleSet: loaded.ruleSet,
      complianceChannelId: "C0COMPLIANCE",
      now: () => new Date(),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      onDeliveriesEnqueued: () => undefined,
    });
    const decide = (db: Database, approver: string, outcome: "approve" | "reject") =>
      decideEscalation(context(db), {
        escalationId,
        outcome,
        actor: { userId: approver, isApprover: true },
        rationale: "forced race",
        conditions: [],
        conditionsText: null,
        requestKey: `forced:${approver}`,
      });
    figures.races++;
    figures.decisionsSubmitted += 2;
    const results = await Promise.all([decide(a.db, APPROVERS[0]!, "approve"), decide(b.db, APPROVERS[1]!, "reject")]);
    expect(bothRead.timedOut).toBe(false);
    // two first reads and exactly one more after the lost race; two commits, one of which lost
    expect(loads).toBe(3);
    expect([...commits].sort()).toEqual(["committed", "lost"]);
    const kinds = results.map((r) => r.kind).sort();
    expect(kinds).toEqual(["recorded", "refused"]);
    const { decisions } = await recordOf(screening.id);
    expect(decisions).toHaveLength(1);
    const refused = results.find((r) => r.kind === "refused");
    expect(refused?.kind === "refused" && refused.refusal).toMatchObject({ code: "already_final", decidedBy: decisions[0]!.deciderId });
    figures.losersToldWhoDecided++;
    // the loser's refusal is in the audit trail, once
    const refusals = await a.db.prisma.auditEvent.findMany({ where: { screeningId: screening.id, type: "decision.refused" } });
    const loser = decisions[0]!.deciderId === APPROVERS[0] ? APPROVERS[1] : APPROVERS[0];
    expect(refusals.map((e) => [e.actorId, (e.data as { code?: string }).code])).toEqual([[loser, "already_final"]]);
    await settleDeliveries(a.db);
  });
});
