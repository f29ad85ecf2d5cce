// The Web API client's transport (src/slack/web-api-transport.ts), through a real WebClient
// against a local HTTP server: what Slack receives, what the client makes of each kind of answer,
// and that a failure keeps the shape the delivery worker reads to tell "not sent" from "outcome
// unknown".
import { webApi } from "@slack/bolt";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { classify, mayHaveReachedSlack } from "../../src/slack/delivery-worker.js";
import { webApiTransport, type WebApiTransport } from "../../src/slack/web-api-transport.js";
import { BotWebClient } from "../../src/slack/web-client.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
const connections: unknown[] = [];
let transport: WebApiTransport;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => handler(req, body, res));
  });
  server.on("connection", (socket) => connections.push(socket));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
});
afterEach(() => transport?.close());
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

type MakeClient = (opts: { timeout?: number; slackApiUrl?: string }) => webApi.WebClient;
const quiet: webApi.Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => webApi.LogLevel.ERROR, setName() {} };
const CLIENTS: [string, MakeClient][] = [
  // Bolt's per-request client, as app.ts configures it
  ["WebClient on the transport", (opts) => new webApi.WebClient("xoxb-test-token", { slackApiUrl: opts.slackApiUrl ?? baseUrl, fetch: transport.fetch, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: opts.timeout ?? 2_000, logger: quiet })],
  // the bot's own client (web-client.ts)
  ["BotWebClient", (opts) => new BotWebClient("xoxb-test-token", { slackApiUrl: opts.slackApiUrl ?? baseUrl, fetch: transport.fetch, timeout: opts.timeout ?? 2_000, logger: quiet })],
];
let make: MakeClient;

function client(opts: { timeout?: number; slackApiUrl?: string } = {}) {
  transport = webApiTransport();
  return make(opts);
}

const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(value));
};

async function failure(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error("the call succeeded");
}

describe.each(CLIENTS)("the Web API transport: %s", (_name, makeClient) => {
  beforeAll(() => {
    make = makeClient;
  });

  it("sends the method's arguments, signed with the token, and hands back Slack's answer", async () => {
    const seen: { url?: string; auth?: string; type?: string; body?: string } = {};
    handler = (req, body, res) => {
      Object.assign(seen, { url: req.url, auth: req.headers.authorization, type: req.headers["content-type"], body });
      json(res, 200, { ok: true, channel: "C1", ts: "1.000100", message: { text: "héllo ✓" } }, { "x-oauth-scopes": "chat:write, commands" });
    };
    const result = await client().chat.postMessage({ channel: "C1", text: "héllo ✓", blocks: [{ type: "section", text: { type: "mrkdwn", text: "a & b = c" } }] });
    expect(result).toMatchObject({ ok: true, ts: "1.000100", message: { text: "héllo ✓" }, response_metadata: { scopes: ["chat:write", "commands"] } });
    expect(seen.url).toBe("/api/chat.postMessage");
    expect(seen.auth).toBe("Bearer xoxb-test-token");
    expect(seen.type).toBe("application/x-www-form-urlencoded");
    const form = new URLSearchParams(seen.body);
    expect(form.get("text")).toBe("héllo ✓");
    expect(JSON.parse(form.get("blocks") ?? "null")).toEqual([{ type: "section", text: { type: "mrkdwn", text: "a & b = c" } }]);
  });

  it("keeps its connection open between calls", async () => {
    handler = (_req, _body, res) => json(res, 200, { ok: true });
    const c = client();
    const before = connections.length;
    for (let i = 0; i < 5; i++) await c.auth.test();
    expect(connections.length - before).toBe(1);
  });

  it("reports Slack's refusal as a platform error that was not carried out", async () => {
    handler = (_req, _body, res) => json(res, 200, { ok: false, error: "channel_not_found" });
    const error = await failure(client().chat.postMessage({ channel: "CNOPE", text: "x" }));
    expect(error).toMatchObject({ code: "slack_webapi_platform_error", data: { error: "channel_not_found" } });
    expect(classify(error)).toMatchObject({ permanent: true, reason: "channel_not_found" });
    expect(mayHaveReachedSlack(error)).toBe(false);
  });

  it("reports a rate limit with Slack's Retry-After", async () => {
    handler = (_req, _body, res) => json(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": "7" });
    const error = await failure(client().chat.postMessage({ channel: "C1", text: "x" }));
    expect(classify(error)).toEqual({ permanent: false, reason: "rate limited", retryAfterMs: 7_000 });
    expect(mayHaveReachedSlack(error)).toBe(false);
  });

  it("reports a 5xx as an HTTP error whose outcome is unknown", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("upstream down");
    };
    const error = await failure(client().chat.postMessage({ channel: "C1", text: "x" }));
    expect(error).toMatchObject({ code: "slack_webapi_http_error", statusCode: 503, body: "upstream down" });
    expect(classify(error)).toMatchObject({ permanent: false, reason: "HTTP 503" });
    expect(mayHaveReachedSlack(error)).toBe(true);
  });

  it("gives up at the client's timeout: a timeout, outcome unknown", async () => {
    const held: ServerResponse[] = [];
    handler = (_req, _body, res) => void held.push(res);
    const started = Date.now();
    const error = await failure(client({ timeout: 150 }).chat.postMessage({ channel: "C1", text: "x" }));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(held).toHaveLength(1);
    expect(classify(error)).toMatchObject({ permanent: false, reason: "timed out" });
    expect(mayHaveReachedSlack(error)).toBe(true);
    for (const res of held) res.destroy();
  });

  it("tells a connection lost after sending (outcome unknown) from one never made (not sent)", async () => {
    handler = (req) => req.socket.destroy();
    const lost = await failure(client().chat.postMessage({ channel: "C1", text: "x" }));
    expect(classify(lost)).toMatchObject({ permanent: false, reason: "network error" });
    expect(mayHaveReachedSlack(lost)).toBe(true);

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await failure(client({ slackApiUrl: `http://127.0.0.1:${port}/api/` }).auth.test());
    expect(refused).toMatchObject({ code: "slack_webapi_request_error" });
    expect(mayHaveReachedSlack(refused)).toBe(false);
  });

  it("leaves everything but the Web API client's string POSTs to the fallback fetch", async () => {
    const fallback = vi.fn<webApi.FetchFunction>(async () => ({ ok: true, status: 200, statusText: "OK", url: "", headers: { get: () => null, entries: () => [] }, text: async () => "", json: async () => ({}), arrayBuffer: async () => new ArrayBuffer(0) }));
    const { fetch } = webApiTransport(fallback);
    await fetch(`${baseUrl}respond`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const form = new FormData();
    form.append("file", "x");
    await fetch(`${baseUrl}files.upload`, { method: "POST", body: form, redirect: "error" });
    expect(fallback).toHaveBeenCalledTimes(2);
  });
});
