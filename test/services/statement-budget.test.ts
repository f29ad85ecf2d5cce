// Each interactive request is one read and one write (issue 13's budget: at most 2 statements,
// 3 where a lookup cannot be merged). Counted at the request path's SQL, with the store's Prisma
// client watched so nothing slips past the count.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceContext } from "../../src/services/context.js";
import { checkDecision, decideEscalation } from "../../src/services/decisions.js";
import { goBack, pauseScreening, savePage, startScreening, submitScreening } from "../../src/services/interview.js";
import { replyToCompliance } from "../../src/services/replies.js";
import { countingSql } from "../../src/store/sql.js";
import { serviceHarness, type ServiceHarness } from "./support.js";

let h: ServiceHarness;
let ctx: ServiceContext;
let sql: ReturnType<typeof countingSql>;
let prismaCalls = 0;
let keys = 0;
const key = () => `budget:${++keys}`;

const highRisk: Record<string, Record<string, string | string[]>> = {
  transaction: { item: "spyware", destination: "DE", end_user: "Directorate" },
  end_user_page: { end_user_type: "intelligence", functions: ["intercept", "locate"] },
  government: { reported_misuse: "yes", misuse_details: "Reports of journalists targeted" },
  safeguards: { hr_clause: "no", audit_rights: "no" },
};

beforeAll(async () => {
  h = await serviceHarness();
  sql = countingSql(h.ctx.sql);
  // any use of the Prisma client on the request path is counted too (it would be a statement)
  const prisma = new Proxy(h.ctx.prisma, {
    get(target, prop, receiver) {
      prismaCalls++;
      return Reflect.get(target, prop, receiver);
    },
  });
  ctx = { ...h.ctx, sql, prisma };
  // the rule set is stored once per process, on the first start: not part of a request's cost
  await startScreening(ctx, { requesterId: "UWARM" });
});
afterAll(async () => {
  await h?.close();
});

async function counted<T>(work: () => Promise<T>): Promise<{ value: T; statements: number; prisma: number }> {
  sql.reset();
  prismaCalls = 0;
  const value = await work();
  return { value, statements: sql.count, prisma: prismaCalls };
}

describe("statements per request", () => {
  let screeningId = "";
  let escalationId = "";

  it("start: one statement (reference, screening, request key and audit event together)", async () => {
    const r = await counted(() => startScreening(ctx, { requesterId: "UREQ", requestKey: key() }));
    screeningId = r.value.screening.id;
    expect(r).toMatchObject({ statements: 1, prisma: 0 });
  });

  it("save a page, and answer a page with errors: at most two", async () => {
    const bad = await counted(() => savePage(ctx, { screeningId, pageId: "transaction", actorId: "UREQ", raw: {}, requestKey: key() }));
    expect(bad.value.kind).toBe("errors");
    expect(bad).toMatchObject({ statements: 1, prisma: 0 });
    const saved = await counted(() => savePage(ctx, { screeningId, pageId: "transaction", actorId: "UREQ", raw: highRisk.transaction ?? {}, requestKey: key() }));
    expect(saved.value.kind).toBe("page");
    expect(saved).toMatchObject({ statements: 2, prisma: 0 });
  });

  it("back and close, keeping what was typed: two each", async () => {
    const back = await counted(() => goBack(ctx, { screeningId, actorId: "UREQ", pageId: "end_user_page", raw: { end_user_type: "intelligence" }, requestKey: key() }));
    expect(back).toMatchObject({ statements: 2, prisma: 0 });
    const close = await counted(() => pauseScreening(ctx, { screeningId, actorId: "UREQ", pageId: "transaction", raw: { item: "spyware" }, requestKey: key() }));
    expect(close).toMatchObject({ statements: 2, prisma: 0 });
  });

  it("submit (scored and escalated in the same write): two", async () => {
    for (const pageId of ["end_user_page", "government", "safeguards"]) {
      const saved = await savePage(ctx, { screeningId, pageId, actorId: "UREQ", raw: highRisk[pageId] ?? {}, requestKey: key() });
      if (saved.kind === "errors") throw new Error(JSON.stringify(saved.errors));
    }
    const submitted = await counted(() => submitScreening(ctx, { screeningId, actorId: "UREQ", requestKey: key() }));
    expect(submitted.value).toMatchObject({ kind: "submitted", escalated: true });
    expect(submitted).toMatchObject({ statements: 2, prisma: 0 });
    escalationId = (await h.ctx.prisma.escalation.findUniqueOrThrow({ where: { screeningId } })).id;
  });

  it("the decision button's check: one; the decision: two; the requester's reply: two", async () => {
    const check = await counted(() => checkDecision(ctx, { escalationId, actor: { userId: "UAPP1", isApprover: true }, outcome: "request_info" }));
    expect(check.value.ok).toBe(true);
    expect(check).toMatchObject({ statements: 1, prisma: 0 });
    const decided = await counted(() =>
      decideEscalation(ctx, { escalationId, outcome: "request_info", actor: { userId: "UAPP1", isApprover: true }, rationale: "Which unit?", conditions: [], conditionsText: null, requestKey: key() }),
    );
    expect(decided.value.kind).toBe("recorded");
    expect(decided).toMatchObject({ statements: 2, prisma: 0 });
    const reply = await counted(() => replyToCompliance(ctx, { screeningId, actorId: "UREQ", text: "Unit 7 of the directorate.", requestKey: key() }));
    expect(reply.value).toMatchObject({ kind: "sent", duplicate: false });
    expect(reply).toMatchObject({ statements: 2, prisma: 0 });
  });

  it("a replayed request: one read, nothing written", async () => {
    const k = key();
    await savePage(ctx, { screeningId: (await startScreening(ctx, { requesterId: "UREQ2" })).screening.id, pageId: "transaction", actorId: "UREQ2", raw: highRisk.transaction ?? {}, requestKey: k }).catch(() => undefined);
    const replay = await counted(() => decideEscalation(ctx, { escalationId, outcome: "reject", actor: { userId: "UAPP2", isApprover: true }, rationale: "x", conditions: [], conditionsText: null, requestKey: k }));
    expect(replay.value.kind).toBe("duplicate");
    expect(replay).toMatchObject({ statements: 1, prisma: 0 });
  });
});
