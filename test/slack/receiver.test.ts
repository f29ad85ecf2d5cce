import { createHmac } from "node:crypto";
import type { App, ReceiverEvent } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { RedactingLogger } from "../../src/log.js";
import { budgetLeftMs } from "../../src/services/request-budget.js";
import {
  ADMISSION,
  addressOf,
  admit,
  answerSslCheck,
  answerUrlVerification,
  checkSlackSignature,
  dropMalformedShapes,
  dropOtherInstallations,
  otherInstallation,
  parseBody,
  parseSlackBody,
  REQUEST_BUDGET_MS,
  SlackHttpReceiver,
  verifySignature,
  type InboundRequest,
} from "../../src/slack/receiver.js";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const NOW = 1_800_000_000;
const BODY = "command=%2Fscreening&text=help&user_id=U1&team_id=T1";

function sign(body: string, ts: number | string, secret = SECRET): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
}

function check(overrides: Partial<Parameters<typeof checkSlackSignature>[0]> = {}) {
  return checkSlackSignature({ signingSecret: SECRET, rawBody: BODY, signature: sign(BODY, NOW), timestamp: String(NOW), nowSec: NOW, ...overrides });
}

describe("checkSlackSignature", () => {
  it("accepts Slack's documented example", () => {
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const result = checkSlackSignature({
      signingSecret: SECRET,
      rawBody: body,
      signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
      timestamp: "1531420618",
      nowSec: 1531420618 + 10,
    });
    expect(result).toEqual({ ok: true });
  });

  it("accepts a correct signature now and at both edges of the five-minute window", () => {
    expect(check()).toEqual({ ok: true });
    for (const ts of [NOW - 300, NOW + 300]) expect(check({ timestamp: String(ts), signature: sign(BODY, ts) })).toEqual({ ok: true });
  });

  it("refuses timestamps more than five minutes old or ahead, even correctly signed", () => {
    const at = (ts: number) => check({ timestamp: String(ts), signature: sign(BODY, ts) });
    expect(at(NOW - 301)).toEqual({ ok: false, reason: "stale timestamp" });
    expect(at(NOW + 301)).toEqual({ ok: false, reason: "future timestamp" });
    expect(at(NOW + 6 * 60)).toEqual({ ok: false, reason: "future timestamp" });
    expect(at(NOW + 86_400)).toEqual({ ok: false, reason: "future timestamp" });
  });

  it("refuses missing or malformed headers", () => {
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: "missing headers" });
    expect(check({ timestamp: undefined })).toEqual({ ok: false, reason: "missing headers" });
    expect(check({ signature: "" })).toEqual({ ok: false, reason: "missing headers" });
    for (const ts of ["abc", "1.5", "-1", " 1800000000", "1e9", "9".repeat(13)]) expect(check({ timestamp: ts })).toMatchObject({ ok: false, reason: "bad timestamp" });
  });

  it("refuses a wrong secret, a changed body, a wrong version and a truncated signature", () => {
    expect(check({ signature: sign(BODY, NOW, "another secret") })).toEqual({ ok: false, reason: "bad signature" });
    expect(check({ rawBody: `${BODY}&text=new` })).toEqual({ ok: false, reason: "bad signature" });
    expect(check({ signature: sign(BODY, NOW).replace(/^v0=/, "v1=") })).toEqual({ ok: false, reason: "bad signature" });
    expect(check({ signature: sign(BODY, NOW).slice(0, -2) })).toEqual({ ok: false, reason: "bad signature" });
    expect(check({ signature: "v0=deadbeef" })).toEqual({ ok: false, reason: "bad signature" });
  });
});

describe("parseSlackBody", () => {
  const FORM = "application/x-www-form-urlencoded";
  const JSON_TYPE = "application/json";

  it("reads commands as form fields, interactivity from the payload field, events as JSON", () => {
    expect(parseSlackBody(FORM, BODY)).toEqual({ ok: true, body: { command: "/screening", text: "help", user_id: "U1", team_id: "T1" } });
    expect(parseSlackBody(FORM, `payload=${encodeURIComponent(JSON.stringify({ type: "block_actions" }))}`)).toEqual({ ok: true, body: { type: "block_actions" } });
    expect(parseSlackBody(JSON_TYPE, '{"type":"event_callback"}')).toEqual({ ok: true, body: { type: "event_callback" } });
  });

  it("decodes a payload field the way a form decoder does: + is a space, %2B a plus, a bad escape left as it is", () => {
    const payload = { type: "view_submission", text: "a+b & c = 100% sure" };
    const slackEncoded = `payload=${encodeURIComponent(JSON.stringify(payload)).replaceAll("%20", "+")}`;
    expect(parseSlackBody(FORM, slackEncoded)).toEqual({ ok: true, body: payload });
    // decodeURIComponent refuses %zz; the general decoder keeps it verbatim
    expect(parseSlackBody(FORM, `payload=${encodeURIComponent('{"text":"')}%zz${encodeURIComponent('"}')}`)).toEqual({ ok: true, body: { text: "%zz" } });
    // a second field: the general way, the payload still read
    expect(parseSlackBody(FORM, `payload=${encodeURIComponent('{"type":"x"}')}&other=1`)).toEqual({ ok: true, body: { type: "x" } });
    expect(parseSlackBody(FORM, "payload=null").ok).toBe(false);
  });

  it.each([
    ["payload=null", FORM, "payload=null"],
    ["payload=[]", FORM, "payload=%5B%5D"],
    ["a payload string", FORM, "payload=%22hi%22"],
    ["payload not JSON", FORM, "payload=%7Bnot"],
    ["an empty payload", FORM, "payload="],
    ["two payload fields", FORM, "payload=%7B%7D&payload=%7B%7D"],
    ["an empty form", FORM, ""],
    ["JSON null", JSON_TYPE, "null"],
    ["a JSON array", JSON_TYPE, "[]"],
    ["a JSON string", JSON_TYPE, '"x"'],
    ["a JSON number", JSON_TYPE, "42"],
    ["invalid JSON", JSON_TYPE, "{"],
    ["an empty JSON body", JSON_TYPE, ""],
    ["a charset suffix", `${FORM}; charset=utf-8`, BODY],
    ["text/plain", "text/plain", BODY],
    ["no content type", undefined, BODY],
  ])("refuses %s", (_what, contentType, body) => {
    expect(parseSlackBody(contentType, body).ok).toBe(false);
  });
});

describe("addressOf", () => {
  it("finds the team in a command, an interaction payload and an event envelope", () => {
    expect(addressOf({ team_id: "T1", api_app_id: "A1" })).toEqual({ teamId: "T1", appId: "A1" });
    expect(addressOf({ type: "block_actions", team: { id: "T2" } })).toEqual({ teamId: "T2" });
    expect(addressOf({ type: "event_callback", team_id: "T3", event: {} })).toEqual({ teamId: "T3" });
  });

  it("names nothing when the request names nothing (an org-wide install sends team: null)", () => {
    expect(addressOf({ type: "block_actions", team: null })).toEqual({});
    expect(addressOf({ team_id: 7 })).toEqual({});
  });
});

describe("otherInstallation", () => {
  const installation = { teamId: "T1", appId: "A1" };
  it("names another team or app, and nothing for ours or for a request that names none", () => {
    expect(otherInstallation({ team_id: "T2" }, installation)).toBe("another team");
    expect(otherInstallation({ team_id: "T1", api_app_id: "A2" }, installation)).toBe("another app");
    expect(otherInstallation({ team_id: "T1", api_app_id: "A1" }, installation)).toBeNull();
    expect(otherInstallation({ type: "block_actions", team: null }, installation)).toBeNull();
    expect(otherInstallation({ team_id: "T2" }, undefined)).toBeNull();
    expect(otherInstallation({ team_id: "T1", api_app_id: "A2" }, { teamId: "T1" })).toBeNull();
  });
});

describe("the admission pipeline", () => {
  const lines: string[] = [];
  const ctx = { signingSecret: SECRET, installation: { teamId: "T1" }, log: new RedactingLogger((l) => lines.push(l)) };
  const FORM = "application/x-www-form-urlencoded";
  const signed = (rawBody: string, contentType: string | undefined = FORM): InboundRequest => {
    const ts = Math.floor(Date.now() / 1000);
    return { contentType, rawBody, signature: sign(rawBody, ts), timestamp: String(ts) };
  };
  const payload = (p: unknown) => `payload=${encodeURIComponent(JSON.stringify(p))}`;
  const COMMAND = "command=%2Fscreening&text=help&user_id=U1&team_id=T1&trigger_id=1.2.3";

  it("runs its named steps in order", () => {
    expect(ADMISSION).toEqual([answerSslCheck, verifySignature, parseBody, answerUrlVerification, dropOtherInstallations, dropMalformedShapes]);
  });

  it("lets a signed, well-formed request for this installation through, with its body", () => {
    expect(admit(signed(COMMAND), ctx)).toEqual({ pass: true, request: expect.objectContaining({ body: expect.objectContaining({ command: "/screening", user_id: "U1" }) }) });
  });

  it.each([
    ["ssl_check, unsigned", { contentType: FORM, rawBody: "ssl_check=1&token=x", signature: undefined, timestamp: undefined }, { status: 200 }],
    ["ssl_check with its name escaped, unsigned", { contentType: FORM, rawBody: "token=x&ssl%5Fcheck=1", signature: undefined, timestamp: undefined }, { status: 200 }],
    ["ssl_check=1 inside a payload's text, unsigned", { contentType: FORM, rawBody: payload({ type: "view_submission", text: "ssl_check=1" }), signature: undefined, timestamp: undefined }, { status: 401 }],
    ["a wrong signature", { ...signed(COMMAND), signature: "v0=00" }, { status: 401 }],
    ["a body that is not an object", signed("payload=null"), { status: 400, text: "malformed request" }],
    ["a charset suffix", signed(COMMAND, `${FORM}; charset=utf-8`), { status: 400, text: "malformed request" }],
    ["url_verification", signed(JSON.stringify({ type: "url_verification", challenge: "c1" }), "application/json"), { status: 200, json: { challenge: "c1" } }],
    ["url_verification without a challenge", signed(JSON.stringify({ type: "url_verification" }), "application/json"), { status: 400 }],
    ["another team", signed(COMMAND.replace("team_id=T1", "team_id=T2")), { status: 200 }],
    ["a shape Slack never sends", signed(payload({ type: "view_submission", user: { id: "U1" } })), { status: 200 }],
  ] as const)("answers %s without dispatching it", (_what, request, answer) => {
    const verdict = admit(request, ctx);
    expect(verdict.pass).toBe(false);
    expect(verdict).toMatchObject(answer);
  });
});

describe("SlackHttpReceiver", () => {
  let receiver: SlackHttpReceiver | undefined;
  afterEach(async () => {
    await receiver?.stop();
    receiver = undefined;
  });

  /** A receiver around a stand-in for Bolt's App whose processEvent runs `handle`. */
  async function start(handle: (event: ReceiverEvent) => Promise<void>, opts: { requestBudgetMs?: number } = {}) {
    receiver = new SlackHttpReceiver({ signingSecret: SECRET, log: new RedactingLogger(() => undefined), processBeforeResponse: true, ...opts });
    receiver.init({ processEvent: handle } as unknown as App);
    await receiver.start(0);
    return async (rawBody: string) => {
      const ts = Math.floor(Date.now() / 1000);
      return fetch(`http://127.0.0.1:${receiver?.port}/slack/events`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-signature": sign(rawBody, ts), "x-slack-request-timestamp": String(ts) },
        body: rawBody,
      });
    };
  }
  const COMMAND = "command=%2Fscreening&text=help&user_id=U1&team_id=T1&trigger_id=1.2.3";

  it("runs the listeners on the request's budget, counted from its arrival (REQUEST_BUDGET_MS by default)", async () => {
    let left = Number.NaN;
    const send = await start(async (event) => {
      left = budgetLeftMs();
      await event.ack({ text: "ok" });
    });
    const res = await send(COMMAND);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ text: "ok" });
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(REQUEST_BUDGET_MS);
    expect(budgetLeftMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it("takes another budget when given one, and counts the time spent before dispatch", async () => {
    let left = Number.NaN;
    const send = await start(
      async (event) => {
        left = budgetLeftMs();
        await event.ack();
      },
      { requestBudgetMs: 40 },
    );
    await send(COMMAND);
    expect(left).toBeLessThanOrEqual(40);
  });
});
