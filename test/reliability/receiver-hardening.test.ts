// The HTTP receiver's admission of requests, through the real HTTP app: a signed body that does
// not parse into an object is refused with 400 and the process stays up; a timestamp more than
// five minutes ahead is refused like a stale one (401, nothing recorded); a signed request for
// another team is acknowledged and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSlackRequest } from "../../src/sandbox/signing.js";
import { DEFAULT_IDENTITY } from "../../src/sandbox/identity.js";
import { eventBody, FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, slashCommandBody } from "../../src/sandbox/slack-requests.js";
import type { E2E } from "../e2e/support/harness.js";
import { SIGNING_SECRET, printFigures, startSingle } from "./support/instances.js";

let e2e: E2E;
const figures = { malformedBodies: 0, answered400: 0, futureTimestamps: 0, refused401: 0, otherTeam: 0, processed: 0, processAlive: false };

beforeAll(async () => {
  e2e = await startSingle();
}, 60_000);
afterAll(async () => {
  printFigures("receiver hardening", figures);
  await e2e?.close();
});

/** Rows of everything a request could create. */
async function counts() {
  const p = e2e.db.prisma;
  const [screenings, answers, decisions, deliveries, requests, audit] = await Promise.all([
    p.screening.count(),
    p.answer.count(),
    p.decision.count(),
    p.delivery.count(),
    p.processedRequest.count(),
    p.auditEvent.count(),
  ]);
  return { screenings, answers, decisions, deliveries, requests, audit };
}

async function signedPost(body: string, contentType: string, timestampSec?: number) {
  const res = await fetch(`${e2e.baseUrl}/slack/events`, {
    method: "POST",
    headers: { "content-type": contentType, ...signSlackRequest(SIGNING_SECRET, body, timestampSec) },
    body,
  });
  return { status: res.status, text: await res.text() };
}

/** The bot still answers: /healthz, and a normal `/screening help` with its usage. */
async function stillServing(): Promise<void> {
  const health = await fetch(`${e2e.baseUrl}/healthz`);
  expect(health.status).toBe(200);
  const person = e2e.person("UHARDENED");
  const reply = await person.command("help");
  expect(reply.status).toBe(200);
  expect(person.lastEphemeralText(reply)).toMatch(/screening/);
}

describe("signed bodies that are not an object", () => {
  const cases: Array<[string, string, string]> = [
    ["payload=null", "payload=null", FORM_CONTENT_TYPE],
    ["a JSON body null", "null", JSON_CONTENT_TYPE],
    ["invalid JSON", '{"type": "event_callback", ', JSON_CONTENT_TYPE],
    ["payload=[]", "payload=%5B%5D", FORM_CONTENT_TYPE],
    ["an empty form", "", FORM_CONTENT_TYPE],
    ["a JSON string", '"hello"', JSON_CONTENT_TYPE],
  ];
  it.each(cases)("%s: 400, nothing recorded, and the bot still serves", async (_what, body, contentType) => {
    figures.malformedBodies++;
    const before = await counts();
    const reply = await signedPost(body, contentType);
    expect(reply.status).toBe(400);
    expect(reply.text).toBe("malformed request");
    figures.answered400++;
    expect(await counts()).toEqual(before);
    await stillServing();
    expect(e2e.logs.some((l) => l.includes("refused a malformed request"))).toBe(true);
  });
});

describe("timestamps from the future", () => {
  it.each([
    ["six minutes ahead", 6 * 60],
    ["a day ahead", 24 * 60 * 60],
  ])("%s: 401 and nothing recorded", async (_what, aheadSec) => {
    figures.futureTimestamps++;
    const body = slashCommandBody({ command: "/screening", text: "new", userId: "UFUTURE", responseUrl: e2e.api.responseUrl("future") });
    const before = await counts();
    const since = e2e.api.calls.length;
    const reply = await signedPost(body, FORM_CONTENT_TYPE, Math.floor(Date.now() / 1000) + aheadSec);
    expect(reply.status).toBe(401);
    figures.refused401++;
    expect(await counts()).toEqual(before);
    expect(e2e.api.calls.slice(since)).toEqual([]);
  });

  it("four minutes ahead is still within Slack's window", async () => {
    const body = slashCommandBody({ command: "/screening", text: "help", userId: "UCLOCK", responseUrl: e2e.api.responseUrl("clock") });
    expect((await signedPost(body, FORM_CONTENT_TYPE, Math.floor(Date.now() / 1000) + 4 * 60)).status).toBe(200);
  });
});

describe("requests for another team", () => {
  it("a slash command for another team_id is acknowledged, creates no screening and calls nothing", async () => {
    figures.otherTeam++;
    const before = await counts();
    const since = e2e.api.calls.length;
    const body = slashCommandBody({ command: "/screening", text: "new", userId: "UOTHERTEAM", teamId: "T0ELSEWHERE", responseUrl: e2e.api.responseUrl("other-team") });
    const reply = await signedPost(body, FORM_CONTENT_TYPE);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe("");
    expect(await counts()).toEqual(before);
    expect(e2e.api.calls.slice(since)).toEqual([]);
    expect(e2e.logs.some((l) => l.includes("request for another team"))).toBe(true);
    if ((await counts()).screenings !== before.screenings) figures.processed++;
  });

  it("an event for another team changes nothing either", async () => {
    figures.otherTeam++;
    const before = await counts();
    const since = e2e.api.calls.length;
    const body = eventBody({ type: "app_home_opened", user: "UOTHERTEAM", tab: "home", identity: { teamId: "T0ELSEWHERE" } });
    const reply = await signedPost(body, JSON_CONTENT_TYPE);
    expect(reply.status).toBe(200);
    expect(await counts()).toEqual(before);
    if (e2e.api.calls.length !== since) figures.processed++;
    expect(e2e.api.calls.slice(since)).toEqual([]);
  });

  it("the same command for the installation's team is processed", async () => {
    const body = slashCommandBody({ command: "/screening", text: "help", userId: "USAMETEAM", teamId: DEFAULT_IDENTITY.teamId, responseUrl: e2e.api.responseUrl("same-team") });
    const reply = await signedPost(body, FORM_CONTENT_TYPE);
    expect(reply.status).toBe(200);
    expect(`${reply.text} ${JSON.stringify(e2e.api.responses.at(-1)?.body ?? {})}`).toMatch(/screening/);
  });
});

describe("afterwards", () => {
  it("the process is alive and answers", async () => {
    await stillServing();
    figures.processAlive = true;
    expect(figures.processed).toBe(0);
  });
});
