import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { addressOf, checkSlackSignature, parseSlackBody } from "../../src/slack/receiver.js";

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
