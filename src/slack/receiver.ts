// The HTTP receiver: Bolt's `Receiver` seam (as in bolt-js's examples/custom-receiver), owning
// its node:http server. Transport only: it admits a request through a pipeline of named steps
// (`ADMISSION`: ssl_check, signature and timestamp, a body that parses into an object,
// url_verification, the installation's team and app, a shape Slack sends), each of which either
// lets it through or answers it, and hands what passes to `app.processEvent` inside the
// request's budget (services/request-budget.ts), counted from its arrival. Everything else is
// the listeners' (and the global middleware's, listeners/middleware.ts). Bolt's own HTTPReceiver
// reads fields of the parsed body before checking it is an object (a signed `payload=null`
// killed the process), accepts timestamps from the future, and knows nothing of the installation.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parse as parseQueryString } from "node:querystring";
import { ReceiverMultipleAckError, type App, type Receiver, type ReceiverEvent } from "@slack/bolt";
import type { RedactingLogger } from "../log.js";
import { runWithRequestBudget } from "../services/request-budget.js";
import { describeError } from "../log-safe.js";
import { isWellFormedRequest, requestKind } from "./parse/envelope.js";

export const EVENTS_PATH = "/slack/events";
/** Slack's window for X-Slack-Request-Timestamp, both ways. */
export const SIGNATURE_TOLERANCE_SEC = 5 * 60;
const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";
const JSON_CONTENT_TYPE = "application/json";
const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;
/** Bolt's: Slack gives up after 3 s, so a request nothing acknowledged is answered just after. */
const DEFAULT_UNHANDLED_TIMEOUT_MS = 3001;
/**
 * How long after its arrival a request may still start a commit (services/request-budget.ts);
 * what is left of Slack's 3 s is for the commit itself and the answer. A request that waited
 * this long before any listener work is answered "busy" at once (listeners/middleware.ts).
 */
export const REQUEST_BUDGET_MS = 2500;

export type SignatureCheck = { ok: true } | { ok: false; reason: "missing headers" | "bad timestamp" | "stale timestamp" | "future timestamp" | "bad signature" };

/**
 * Slack's v0 request signature: `v0=` + hex HMAC-SHA256(secret, `v0:{ts}:{raw body}`), compared
 * in constant time, with the timestamp no more than five minutes old and no more than five
 * minutes ahead (a future timestamp would let a captured request be replayed later).
 */
export function checkSlackSignature(input: {
  signingSecret: string;
  rawBody: string;
  signature: string | undefined;
  timestamp: string | undefined;
  nowSec?: number;
  toleranceSec?: number;
}): SignatureCheck {
  const { signingSecret, rawBody, signature, timestamp } = input;
  const nowSec = input.nowSec ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSec ?? SIGNATURE_TOLERANCE_SEC;
  if (!signature || !timestamp) return { ok: false, reason: "missing headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "bad timestamp" };
  const ts = Number(timestamp);
  if (ts < nowSec - tolerance) return { ok: false, reason: "stale timestamp" };
  if (ts > nowSec + tolerance) return { ok: false, reason: "future timestamp" };
  const expected = Buffer.from(`v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${rawBody}`).digest("hex")}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad signature" };
  return { ok: true };
}

export type ParsedBody = { ok: true; body: Record<string, unknown> } | { ok: false; reason: string };

/**
 * A request body as Slack sends it: commands as form fields, interactivity as a form field
 * `payload` holding JSON, events as JSON. Anything that is not an object of that shape (empty,
 * `payload=null`, invalid JSON, an array, a string, another content type) is refused.
 */
export function parseSlackBody(contentType: string | undefined, rawBody: string): ParsedBody {
  if (contentType === FORM_CONTENT_TYPE) {
    const single = onlyPayload(rawBody);
    if (single !== undefined) return parseJsonObject(single);
    const fields = parseQueryString(rawBody);
    if (Object.keys(fields).length === 0) return { ok: false, reason: "empty form" };
    if (!("payload" in fields)) return { ok: true, body: { ...fields } };
    const payload = fields.payload;
    if (typeof payload !== "string") return { ok: false, reason: "payload is not one field" };
    return parseJsonObject(payload);
  }
  if (contentType === JSON_CONTENT_TYPE) return parseJsonObject(rawBody);
  return { ok: false, reason: "unsupported content type" };
}

/**
 * Interactivity is one form field, `payload=…`, tens of kilobytes of escaped JSON for a view
 * submission: decoded natively (decodeURIComponent), a few times faster than querystring's
 * JavaScript decoder. Anything else, or an escape decodeURIComponent refuses, goes the general way.
 */
function onlyPayload(rawBody: string): string | undefined {
  if (!rawBody.startsWith("payload=") || rawBody.includes("&")) return undefined;
  try {
    return decodeURIComponent(rawBody.slice("payload=".length).replaceAll("+", " "));
  } catch {
    return undefined;
  }
}

function parseJsonObject(text: string): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "invalid JSON" };
  }
  if (!isRecord(value)) return { ok: false, reason: "not a JSON object" };
  return { ok: true, body: value };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** The team (form field `team_id`, payload `team.id`, event envelope `team_id`) and app a request names, when it names them. */
export function addressOf(body: Record<string, unknown>): { teamId?: string; appId?: string } {
  const team = body.team;
  const teamId = typeof body.team_id === "string" ? body.team_id : isRecord(team) && typeof team.id === "string" ? team.id : undefined;
  const appId = typeof body.api_app_id === "string" ? body.api_app_id : undefined;
  return { ...(teamId ? { teamId } : {}), ...(appId ? { appId } : {}) };
}

export interface Installation {
  teamId: string;
  appId?: string;
}

/** "another team" or "another app" when the request names one other than the installation's; null otherwise (or when unknown). */
export function otherInstallation(body: Record<string, unknown>, installation: Installation | undefined): "another team" | "another app" | null {
  if (!installation) return null;
  const address = addressOf(body);
  if (address.teamId !== undefined && address.teamId !== installation.teamId) return "another team";
  if (address.appId !== undefined && installation.appId !== undefined && address.appId !== installation.appId) return "another app";
  return null;
}

/** A request from Slack as the admission steps see it: what arrived, and the body once parsed. */
export interface InboundRequest {
  contentType: string | undefined;
  rawBody: string;
  signature: string | undefined;
  timestamp: string | undefined;
  /** set by `parseBody`; the steps after it can rely on it */
  body?: Record<string, unknown>;
}

export interface AdmissionContext {
  signingSecret: string;
  installation: Installation | undefined;
  log: RedactingLogger;
}

/** What an admission step decided: let the request through (with its body, once parsed), or answer it now. */
export type Admission =
  | { pass: true; request: InboundRequest }
  | { pass: false; status: number; text?: string; json?: unknown };

export type AdmissionStep = (request: InboundRequest, ctx: AdmissionContext) => Admission;

const pass = (request: InboundRequest): Admission => ({ pass: true, request });

/** Slack's ssl_check is unsigned and carries nothing to act on: answered before the signature, as Bolt does. */
export const answerSslCheck: AdmissionStep = (request) =>
  request.contentType === FORM_CONTENT_TYPE && mentionsSslCheck(request.rawBody) && parseQueryString(request.rawBody).ssl_check === "1" ? { pass: false, status: 200 } : pass(request);

/**
 * Whether a form body could hold an `ssl_check` field (its name as is, or with the underscore
 * escaped): parsing every view submission's tens of kilobytes just to look for it was a
 * noticeable share of the main thread under load.
 */
function mentionsSslCheck(rawBody: string): boolean {
  return /ssl(?:_|%5f)check/i.test(rawBody);
}

/** The v0 signature, with a timestamp within five minutes either way; else 401. */
export const verifySignature: AdmissionStep = (request, ctx) => {
  const check = checkSlackSignature({ signingSecret: ctx.signingSecret, rawBody: request.rawBody, signature: request.signature, timestamp: request.timestamp });
  if (check.ok) return pass(request);
  ctx.log.warn("refused a request that failed signature verification", { reason: check.reason });
  return { pass: false, status: 401 };
};

/** A body that parses into an object, with the content type exactly as Slack sends it; else 400. */
export const parseBody: AdmissionStep = (request, ctx) => {
  const parsed = parseSlackBody(request.contentType, request.rawBody);
  if (parsed.ok) return pass({ ...request, body: parsed.body });
  ctx.log.warn("refused a malformed request", { reason: parsed.reason });
  return { pass: false, status: 400, text: "malformed request" };
};

/** Slack's url_verification handshake, answered with its challenge. */
export const answerUrlVerification: AdmissionStep = (request) => {
  const body = request.body ?? {};
  if (body.type !== "url_verification") return pass(request);
  if (typeof body.challenge !== "string") return { pass: false, status: 400, text: "malformed request" };
  return { pass: false, status: 200, json: { challenge: body.challenge } };
};

/** A request naming another team or app is acknowledged and dropped. */
export const dropOtherInstallations: AdmissionStep = (request, ctx) => {
  const other = otherInstallation(request.body ?? {}, ctx.installation);
  if (!other) return pass(request);
  ctx.log.warn(`request for ${other}`, { kind: requestKind(request.body) });
  return { pass: false, status: 200 };
};

/**
 * Bolt reads user, view and actions before any middleware runs (a missing one ends in a 500):
 * a shape Slack never sends is acknowledged and dropped.
 */
export const dropMalformedShapes: AdmissionStep = (request, ctx) => {
  if (isWellFormedRequest(request.body)) return pass(request);
  ctx.log.warn("ignored a malformed request", { kind: requestKind(request.body) });
  return { pass: false, status: 200 };
};

/** The admission pipeline, in order. */
export const ADMISSION: readonly AdmissionStep[] = [answerSslCheck, verifySignature, parseBody, answerUrlVerification, dropOtherInstallations, dropMalformedShapes];

/** Runs the admission steps in order: the first that answers wins; a request that passes them all has its body. */
export function admit(request: InboundRequest, ctx: AdmissionContext, steps: readonly AdmissionStep[] = ADMISSION): Admission {
  let current = request;
  for (const step of steps) {
    const verdict = step(current, ctx);
    if (!verdict.pass) return verdict;
    current = verdict.request;
  }
  return current.body ? pass(current) : { pass: false, status: 400, text: "malformed request" };
}

export interface ReceiverRoute {
  method: "GET";
  path: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

export interface SlackHttpReceiverOptions {
  signingSecret: string;
  log: RedactingLogger;
  routes?: ReceiverRoute[];
  /** hold the HTTP response until the listeners finish (tests, FaaS) */
  processBeforeResponse?: boolean;
  unhandledRequestTimeoutMs?: number;
  bodyLimitBytes?: number;
  /** REQUEST_BUDGET_MS unless set */
  requestBudgetMs?: number;
}

export class SlackHttpReceiver implements Receiver {
  private app: App | undefined;
  private server: Server | undefined;
  private installation: Installation | undefined;

  constructor(private readonly opts: SlackHttpReceiverOptions) {}

  init(app: App): void {
    this.app = app;
  }

  /** The workspace (and app) this bot is installed in; requests naming another are dropped. Unset: no check. */
  setInstallation(installation: Installation | undefined): void {
    this.installation = installation;
  }

  start(port: number): Promise<Server> {
    if (this.server) return Promise.reject(new Error("the receiver is already started"));
    const server = createServer((req, res) => {
      // The request's clock starts here, at arrival: time spent reading, checking or queueing it counts.
      const receivedAt = Date.now();
      // Nothing a request does may end the process: whatever escapes is logged and answered 500.
      this.route(req, res, receivedAt).catch((error: unknown) => {
        this.opts.log.error("request handling failed", { error: describeError(error) });
        answer(res, 500);
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, () => {
        server.off("error", reject);
        server.on("error", (error) => this.opts.log.error("HTTP server error", { error: describeError(error) }));
        resolve(server);
      });
    });
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }

  /** The port listened on, once started. */
  get port(): number | undefined {
    const address = this.server?.address();
    return address && typeof address === "object" ? (address as AddressInfo).port : undefined;
  }

  private async route(req: IncomingMessage, res: ServerResponse, receivedAt: number): Promise<void> {
    const path = pathOf(req.url);
    const method = (req.method ?? "").toUpperCase();
    if (path === EVENTS_PATH && method === "POST") return this.handleSlackRequest(req, res, receivedAt);
    const route = this.opts.routes?.find((r) => r.path === path && r.method === method);
    if (route) return route.handler(req, res);
    req.resume();
    answer(res, 404);
  }

  private async handleSlackRequest(req: IncomingMessage, res: ServerResponse, receivedAt: number): Promise<void> {
    const { log } = this.opts;
    const raw = await readBody(req, this.opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT);
    if (raw === "too large") {
      log.warn("refused a request body over the size limit");
      return answer(res, 413);
    }
    const verdict = admit(
      {
        contentType: req.headers["content-type"],
        rawBody: raw.toString("utf8"),
        signature: headerOf(req, "x-slack-signature"),
        timestamp: headerOf(req, "x-slack-request-timestamp"),
      },
      { signingSecret: this.opts.signingSecret, installation: this.installation, log },
    );
    if (!verdict.pass) {
      if (verdict.json !== undefined) return sendContent(res, verdict.json);
      return answer(res, verdict.status, verdict.text);
    }
    await this.dispatch(req, res, verdict.request.body ?? {}, receivedAt);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, receivedAt: number): Promise<void> {
    const { log } = this.opts;
    const ack = new ResponseAck(res, this.opts.processBeforeResponse ?? false, this.opts.unhandledRequestTimeoutMs ?? DEFAULT_UNHANDLED_TIMEOUT_MS, log);
    const retryNum = headerOf(req, "x-slack-retry-num");
    const retryReason = headerOf(req, "x-slack-retry-reason");
    const event: ReceiverEvent = {
      body,
      ack: (response?: unknown) => ack.ack(response),
      ...(retryNum !== undefined && /^\d{1,6}$/.test(retryNum) ? { retryNum: Number(retryNum) } : {}),
      ...(retryReason !== undefined ? { retryReason } : {}),
      customProperties: {},
    };
    if (!this.app) {
      ack.settle();
      return answer(res, 503);
    }
    const app = this.app;
    try {
      // Everything the listeners do runs on the request's clock: the use cases refuse to commit
      // past it ("busy", nothing written), and a request already past it is answered "busy" before
      // any listener work (listeners/middleware.ts).
      await runWithRequestBudget({ receivedAt, budgetMs: this.opts.requestBudgetMs ?? REQUEST_BUDGET_MS }, () => app.processEvent(event));
      // A request no listener took (a type, command or id the bot does not know) is answered now
      // rather than by a 404 three seconds later.
      if (!ack.acknowledged) await ack.ack(undefined);
      ack.flush();
    } catch (error) {
      // A listener that throws must not show Slack (or the user) a stack trace; it is logged.
      log.error("listener error", { error: describeError(error) });
      ack.settle();
      answer(res, 500);
    }
  }
}

/** Bolt's ack() over HTTP: sends (or, with processBeforeResponse, stores) the response body once. */
class ResponseAck {
  acknowledged = false;
  private stored: { body: unknown } | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    private readonly processBeforeResponse: boolean,
    timeoutMs: number,
    log: RedactingLogger,
  ) {
    this.timer = setTimeout(() => {
      if (this.acknowledged) return;
      log.warn("a request from Slack was not acknowledged in time");
      answer(res, 404);
    }, timeoutMs);
  }

  async ack(body: unknown): Promise<void> {
    if (this.acknowledged) throw new ReceiverMultipleAckError();
    this.settle();
    if (this.processBeforeResponse) this.stored = { body };
    else sendContent(this.res, body);
  }

  /** Counts as acknowledged from now on: no timeout answer. */
  settle(): void {
    this.acknowledged = true;
    clearTimeout(this.timer);
  }

  /** Sends the stored response (processBeforeResponse) once the listeners are done. */
  flush(): void {
    if (this.stored) sendContent(this.res, this.stored.body);
    this.stored = undefined;
  }
}

function sendContent(res: ServerResponse, body: unknown): void {
  if (res.headersSent) return;
  if (body === undefined || body === null || body === "") return answer(res, 200);
  if (typeof body === "string") return answer(res, 200, body);
  res.writeHead(200, { "content-type": JSON_CONTENT_TYPE });
  res.end(JSON.stringify(body));
}

function answer(res: ServerResponse, status: number, text?: string): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  if (text === undefined) {
    res.writeHead(status);
    res.end();
  } else {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    res.end(text);
  }
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? "/", "http://localhost").pathname;
  } catch {
    return "";
  }
}

/** The whole body, or "too large" once it passes `limit` (the rest is read and dropped). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > limit ? "too large" : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
