// A stand-in for Slack's Web API on node:http, for the end-to-end tests and the local sandbox.
// Point Bolt at it with clientOptions.slackApiUrl = fake.url. It answers the methods this bot
// calls the way Slack does (HTTP 200 with {ok: true, ...} or {ok: false, error}), refuses what
// Slack's Block Kit limits refuse, records every call, can fail on purpose (429 with
// Retry-After, 5xx, a dropped connection, any error code) or answer late (after the client's
// timeout, the call carried out all the same), and serves response_urls.
// State (messages, modals, Home tabs, DMs) lives in FakeWorkspace; this file moves bytes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readBody, sendJson } from "./http-io.js";
import { FakeWorkspace, type FakeEphemeral, type FakeMessage, type FakeView, type Json, type ResponseActionOutcome, type ResponseOrigin, type WorkspaceOptions } from "./fake-workspace.js";
import type { SandboxIdentity } from "./identity.js";

export { BLOCK_KIT_LIMITS, checkBlockKitLimits, limitViolations, type LimitViolation, type Surface } from "./block-kit-limits.js";
export type {
  ApiResult,
  FakeChannel,
  FakeChannelInput,
  FakeEphemeral,
  FakeMessage,
  FakeUserInput,
  FakeView,
  Json,
  ResponseActionOutcome,
  ResponseOrigin,
  WorkspaceOptions,
} from "./fake-workspace.js";
export { FakeWorkspace, SlackApiError } from "./fake-workspace.js";

export interface FakeSlackApiOptions extends WorkspaceOptions {
  /** default 0: a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** tokens the fake accepts; default any non-empty token (a missing one is not_authed) */
  tokens?: string[];
  /** largest request body accepted, default 5 MB */
  maxBodyBytes?: number;
}

/** One Web API call as it arrived, with what the fake answered. */
export interface ApiCall {
  method: string;
  /** the arguments, with blocks/view/attachments/metadata JSON-decoded and the token left out */
  args: Json;
  /** milliseconds since the epoch */
  at: number;
  /** HTTP status answered; 0 when the connection was dropped on purpose */
  status: number;
  /** the JSON answered; undefined when the connection was dropped */
  response: Json | undefined;
  /** set when a `delayMs` fault held the answer back this long */
  answeredAfterMs?: number;
}

export interface Fault {
  /** HTTP status; default 429 when retryAfter is given, else 200 when error is given, else 500 */
  status?: 429 | 500 | 503;
  /** error code in the body; defaults: ratelimited (429), internal_error (500), service_unavailable (503) */
  error?: string;
  /** seconds, sent as Retry-After with a 429; default 1 */
  retryAfter?: number;
  /** how many calls fail; default 1 */
  times?: number;
  /** destroy the connection without answering */
  network?: boolean;
  /**
   * Slow, not failed: the call is carried out at once (a message is posted), and its answer is
   * sent only after this many milliseconds, by which time a client with a shorter timeout has
   * given up. The call is recorded when it is carried out, with the answer it gets.
   */
  delayMs?: number;
  /** only calls whose arguments (as recorded) satisfy this count; others pass untouched */
  match?: (args: Json) => boolean;
}

export interface ResponseUrlPost {
  id: string;
  body: unknown;
  at: number;
  status: number;
}

export type FakeSlackEvent = { kind: "call"; call: ApiCall } | { kind: "response"; response: ResponseUrlPost };

/**
 * A file uploaded the way Bolt's files.uploadV2 does it: files.getUploadURLExternal hands out an
 * upload URL (on this server), the bytes are posted there, and files.completeUploadExternal
 * shares the file in a channel or DM (as a message naming it).
 */
export interface FakeFile {
  id: string;
  filename: string;
  /** the length announced to files.getUploadURLExternal */
  length: number;
  /** the bytes posted to the upload URL; undefined until they are */
  bytes?: Buffer;
  title?: string;
  /** where files.completeUploadExternal shared it, and the message that shows it */
  channel?: string;
  ts?: string;
  initialComment?: string;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** only calls recorded at or after this index of `calls` count (e.g. calls.length before acting) */
  since?: number;
}

export interface FakeSlackApi {
  /** "http://127.0.0.1:PORT/api/": Bolt's clientOptions.slackApiUrl */
  readonly url: string;
  /** "http://127.0.0.1:PORT" */
  readonly baseUrl: string;
  readonly port: number;
  readonly identity: SandboxIdentity;
  /** the state behind the API, for what the helpers below do not cover */
  readonly workspace: FakeWorkspace;
  /** every Web API call, oldest first */
  readonly calls: readonly ApiCall[];
  /** every POST to a response_url, oldest first */
  readonly responses: readonly ResponseUrlPost[];
  callsTo(method: string): ApiCall[];
  /**
   * Resolves with the first call to `method` (among those already recorded, from `since`, and
   * those still to come) whose arguments satisfy `predicate`; rejects after the timeout
   * (default 5000 ms) naming the calls it did see.
   */
  waitFor(method: string, predicate?: (args: Json, call: ApiCall) => boolean, timeout?: number | WaitOptions): Promise<ApiCall>;
  waitForResponse(predicate?: (post: ResponseUrlPost) => boolean, timeout?: number | WaitOptions): Promise<ResponseUrlPost>;
  /** Forgets calls, response_url posts, pending faults and all Slack state; keeps users, groups, channels. */
  reset(): void;
  /** The next `times` calls to `method` ("*" for any method) fail, or answer late, as described. */
  failNext(method: string, fault?: Fault): void;
  messages(channel: string): FakeMessage[];
  message(channel: string, ts: string): FakeMessage | undefined;
  /** all views ever created, by id, as they are now */
  readonly views: Map<string, FakeView>;
  view(id: string): FakeView | undefined;
  homeOf(user: string): FakeView | undefined;
  dms(user: string): FakeMessage[];
  ephemerals(filter?: { user?: string; channel?: string }): FakeEphemeral[];
  /** every file uploaded (files.getUploadURLExternal), oldest first, with its bytes once posted */
  files(): FakeFile[];
  /** "http://127.0.0.1:PORT/response/<id>"; `origin` says which message and person a post there concerns */
  responseUrl(id?: string, origin?: ResponseOrigin): string;
  /** What Slack's client does with a view_submission's ack (see FakeWorkspace.applyResponseAction). */
  applyResponseAction(viewId: string, ack: unknown): ResponseActionOutcome;
  /** Called after every recorded call and response_url post; returns an unsubscribe function. */
  subscribe(listener: (event: FakeSlackEvent) => void): () => void;
  close(): Promise<void>;
}

/** Fields Slack takes as JSON-encoded strings in form bodies. */
const JSON_FIELDS = ["blocks", "view", "attachments", "metadata"] as const;
const DEFAULT_WAIT_MS = 5000;

export async function startFakeSlackApi(opts: FakeSlackApiOptions = {}): Promise<FakeSlackApi> {
  const api = new FakeSlackApiServer(opts);
  await api.listen(opts.port ?? 0, opts.host ?? "127.0.0.1");
  return api;
}

interface Waiter<T> {
  match: (x: T) => boolean;
  resolve: (x: T) => void;
  reject: (err: Error) => void;
}

class FakeSlackApiServer implements FakeSlackApi {
  readonly workspace: FakeWorkspace;
  readonly calls: ApiCall[] = [];
  readonly responses: ResponseUrlPost[] = [];
  private readonly server: Server;
  private readonly faults = new Map<string, Fault[]>();
  private readonly listeners = new Set<(event: FakeSlackEvent) => void>();
  private readonly callWaiters = new Set<Waiter<ApiCall>>();
  private readonly responseWaiters = new Set<Waiter<ResponseUrlPost>>();
  /** answers held back by a `delayMs` fault */
  private readonly delayed = new Set<NodeJS.Timeout>();
  private readonly tokens: Set<string> | undefined;
  private readonly maxBodyBytes: number;
  private readonly uploads = new Map<string, FakeFile>();
  private origin = "";
  private boundPort = 0;
  private responseCounter = 0;

  constructor(opts: FakeSlackApiOptions) {
    this.workspace = new FakeWorkspace(opts);
    this.tokens = opts.tokens ? new Set(opts.tokens) : undefined;
    this.maxBodyBytes = opts.maxBodyBytes ?? 5 * 1024 * 1024;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: "fatal_error", detail: err instanceof Error ? err.message : String(err) });
        else res.destroy();
      });
    });
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("the fake Slack API is not listening on a TCP port");
    this.boundPort = address.port;
    const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
    this.origin = `http://${urlHost}:${address.port}`;
  }

  get url(): string {
    return `${this.origin}/api/`;
  }
  get baseUrl(): string {
    return this.origin;
  }
  get port(): number {
    return this.boundPort;
  }
  get identity(): SandboxIdentity {
    return this.workspace.identity;
  }
  get views(): Map<string, FakeView> {
    return this.workspace.views;
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  waitFor(method: string, predicate: (args: Json, call: ApiCall) => boolean = () => true, timeout: number | WaitOptions = DEFAULT_WAIT_MS): Promise<ApiCall> {
    const match = (c: ApiCall) => c.method === method && predicate(c.args, c);
    return this.waitIn(this.calls, this.callWaiters, match, timeout, () => {
      const seen = this.callsTo(method).map((c) => JSON.stringify(c.args).slice(0, 200));
      return `no matching call to ${method}; calls to it so far: ${seen.length === 0 ? "none" : seen.join(" | ")}`;
    });
  }

  waitForResponse(predicate: (post: ResponseUrlPost) => boolean = () => true, timeout: number | WaitOptions = DEFAULT_WAIT_MS): Promise<ResponseUrlPost> {
    return this.waitIn(this.responses, this.responseWaiters, predicate, timeout, () => `no matching response_url post; ${this.responses.length} so far`);
  }

  private waitIn<T>(log: T[], waiters: Set<Waiter<T>>, match: (x: T) => boolean, timeout: number | WaitOptions, describe: () => string): Promise<T> {
    const { timeoutMs = DEFAULT_WAIT_MS, since = 0 } = typeof timeout === "number" ? { timeoutMs: timeout } : timeout;
    const already = log.slice(since).find(match);
    if (already) return Promise.resolve(already);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        match,
        resolve: (x) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(x);
        },
        reject: (err) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`waited ${timeoutMs} ms: ${describe()}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  }

  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.faults.clear();
    this.uploads.clear();
    this.workspace.reset();
  }

  failNext(method: string, fault: Fault = {}): void {
    const queue = this.faults.get(method) ?? [];
    queue.push({ ...fault, times: Math.max(1, fault.times ?? 1) });
    this.faults.set(method, queue);
  }

  messages(channel: string): FakeMessage[] {
    return this.workspace.messages(channel);
  }
  message(channel: string, ts: string): FakeMessage | undefined {
    return this.workspace.message(channel, ts);
  }
  view(id: string): FakeView | undefined {
    return this.workspace.view(id);
  }
  homeOf(user: string): FakeView | undefined {
    return this.workspace.homeOf(user);
  }
  dms(user: string): FakeMessage[] {
    return this.workspace.dms(user);
  }
  ephemerals(filter?: { user?: string; channel?: string }): FakeEphemeral[] {
    return this.workspace.ephemerals(filter);
  }
  files(): FakeFile[] {
    return [...this.uploads.values()].map((f) => ({ ...f, ...(f.bytes ? { bytes: Buffer.from(f.bytes) } : {}) }));
  }
  applyResponseAction(viewId: string, ack: unknown): ResponseActionOutcome {
    return this.workspace.applyResponseAction(viewId, ack);
  }

  responseUrl(id?: string, origin?: ResponseOrigin): string {
    const key = id ?? `R${String(++this.responseCounter).padStart(4, "0")}${Date.now().toString(36)}`;
    this.workspace.registerResponseUrl(key, origin);
    return `${this.origin}/response/${encodeURIComponent(key)}`;
  }

  subscribe(listener: (event: FakeSlackEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    const closed = new Error("the fake Slack API was closed while waiting");
    for (const w of [...this.callWaiters]) w.reject(closed);
    for (const w of [...this.responseWaiters]) w.reject(closed);
    for (const t of this.delayed) clearTimeout(t);
    this.delayed.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- HTTP -------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    if (url.pathname.startsWith("/upload/") && req.method === "POST") return this.handleUpload(decodeURIComponent(url.pathname.slice("/upload/".length)), req, res);
    const read = await readBody(req, this.maxBodyBytes);
    if (read === "too_large") return sendJson(res, 413, { ok: false, error: "request_too_large" });

    if (url.pathname.startsWith("/api/")) {
      return this.handleApi(decodeURIComponent(url.pathname.slice("/api/".length)), req, res, url, read);
    }
    if (url.pathname.startsWith("/response/") && req.method === "POST") {
      return this.handleResponseUrl(decodeURIComponent(url.pathname.slice("/response/".length)), req, res, read);
    }
    return sendJson(res, 404, { ok: false, error: "not_found" });
  }

  private handleApi(method: string, req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const parsed = parseApiArgs(req.headers["content-type"], body, url.searchParams);
    const args = "args" in parsed ? parsed.args : {};
    const token = bearer(req.headers.authorization) ?? (typeof args.token === "string" && args.token.length > 0 ? args.token : undefined);
    const recorded = recordedArgs(args);

    const fault = this.takeFault(method, recorded);
    if (fault?.delayMs !== undefined) {
      const response = "error" in parsed ? { ok: false, error: parsed.error } : this.answer(method, args, token);
      this.record({ method, args: recorded, at: Date.now(), status: 200, response, answeredAfterMs: fault.delayMs });
      const timer = setTimeout(() => {
        this.delayed.delete(timer);
        // The client may have given up (and closed the connection) meanwhile.
        if (!res.destroyed && !res.writableEnded) sendJson(res, 200, response);
      }, fault.delayMs);
      this.delayed.add(timer);
      return;
    }
    if (fault?.network) {
      this.record({ method, args: recorded, at: Date.now(), status: 0, response: undefined });
      res.socket?.destroy();
      return;
    }
    if (fault) {
      const status = fault.status ?? (fault.retryAfter !== undefined ? 429 : fault.error !== undefined ? 200 : 500);
      const error = fault.error ?? (status === 429 ? "ratelimited" : status === 503 ? "service_unavailable" : "internal_error");
      const response = { ok: false, error };
      const headers: Record<string, string> = status === 429 ? { "Retry-After": String(fault.retryAfter ?? 1) } : {};
      this.record({ method, args: recorded, at: Date.now(), status, response });
      return sendJson(res, status, response, headers);
    }

    const response = "error" in parsed ? { ok: false, error: parsed.error } : this.answer(method, args, token);
    this.record({ method, args: recorded, at: Date.now(), status: 200, response });
    sendJson(res, 200, response);
  }

  private answer(method: string, args: Json, token: string | undefined): Json {
    if (token !== undefined && this.tokens !== undefined && !this.tokens.has(token)) return { ok: false, error: "invalid_auth" };
    if (token && method === "files.getUploadURLExternal") return this.uploadUrl(args);
    if (token && method === "files.completeUploadExternal") return this.completeUpload(args, token);
    return this.workspace.call(method, args, token);
  }

  // ---- files: getUploadURLExternal → POST the bytes → completeUploadExternal ----------------

  private uploadUrl(args: Json): Json {
    const filename = typeof args.filename === "string" ? args.filename : "";
    const length = Number(args.length);
    if (filename === "" || !Number.isInteger(length) || length <= 0) return { ok: false, error: "invalid_arguments" };
    const id = `F${String(this.uploads.size + 1).padStart(4, "0")}${Date.now().toString(36).toUpperCase()}`;
    this.uploads.set(id, { id, filename, length });
    return { ok: true, upload_url: `${this.origin}/upload/${id}`, file_id: id };
  }

  private async handleUpload(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const file = this.uploads.get(id);
    if (!file) return sendJson(res, 404, { ok: false, error: "file_not_found" });
    // Bolt posts the file as multipart/form-data (one part); anything else is taken as the bytes.
    const type = req.headers["content-type"] ?? "";
    let bytes = raw;
    if (type.toLowerCase().startsWith("multipart/form-data")) {
      const form = await new Response(raw, { headers: { "content-type": type } }).formData();
      const part = [...form.values()].find((v) => typeof v !== "string");
      if (part !== undefined && typeof part !== "string") bytes = Buffer.from(await part.arrayBuffer());
    }
    file.bytes = bytes;
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end(`OK - ${bytes.length}`);
  }

  private completeUpload(args: Json, token: string): Json {
    let files: unknown = args.files;
    if (typeof files === "string") {
      try {
        files = JSON.parse(files);
      } catch {
        return { ok: false, error: "invalid_arguments" };
      }
    }
    if (!Array.isArray(files) || files.length === 0) return { ok: false, error: "invalid_arguments" };
    const done: FakeFile[] = [];
    for (const f of files) {
      const file = this.uploads.get(String((f as { id?: unknown }).id));
      if (!file) return { ok: false, error: "file_not_found" };
      // Slack: the bytes must have been posted first
      if (!file.bytes || file.bytes.length !== file.length) return { ok: false, error: "file_upload_failed" };
      const title = (f as { title?: unknown }).title;
      if (typeof title === "string") file.title = title;
      done.push(file);
    }
    const channel = typeof args.channel_id === "string" ? args.channel_id : typeof args.channels === "string" ? args.channels : undefined;
    if (channel) {
      const comment = typeof args.initial_comment === "string" ? args.initial_comment : "";
      const names = done.map((f) => f.title ?? f.filename).join(", ");
      const posted = this.workspace.call("chat.postMessage", { channel, text: comment ? `${comment}\n📎 ${names}` : `📎 ${names}`, ...(typeof args.thread_ts === "string" ? { thread_ts: args.thread_ts } : {}) }, token);
      if (!posted.ok) return posted;
      for (const file of done) {
        file.channel = String(posted.channel);
        file.ts = String(posted.ts);
        if (comment) file.initialComment = comment;
      }
    }
    return { ok: true, files: done.map((f) => ({ id: f.id, name: f.filename, title: f.title ?? f.filename, size: f.length, ...(f.channel ? { channels: [f.channel] } : {}) })) };
  }

  private handleResponseUrl(id: string, req: IncomingMessage, res: ServerResponse, body: string): void {
    const type = mediaType(req.headers["content-type"]);
    let payload: unknown;
    try {
      if (type === "application/x-www-form-urlencoded") {
        const p = new URLSearchParams(body).get("payload");
        payload = p === null ? undefined : JSON.parse(p);
      } else {
        payload = JSON.parse(body);
      }
    } catch {
      payload = undefined;
    }
    const answer = payload === undefined ? { status: 400, body: { ok: false, error: "invalid_payload" } } : this.workspace.postToResponseUrl(id, payload);
    const post: ResponseUrlPost = { id, body: payload ?? body, at: Date.now(), status: answer.status };
    this.responses.push(post);
    for (const w of [...this.responseWaiters]) if (w.match(post)) w.resolve(post);
    this.emit({ kind: "response", response: post });
    sendJson(res, answer.status, answer.body);
  }

  /** The first fault queued for this method (then for "*") that applies to these arguments; used up by one. */
  private takeFault(method: string, args: Json): Fault | undefined {
    for (const key of [method, "*"]) {
      const queue = this.faults.get(key);
      if (!queue) continue;
      const index = queue.findIndex((f) => f.match === undefined || f.match(args));
      const fault = queue[index];
      if (!fault) continue;
      const remaining = (fault.times ?? 1) - 1;
      if (remaining <= 0) queue.splice(index, 1);
      else fault.times = remaining;
      if (queue.length === 0) this.faults.delete(key);
      return fault;
    }
    return undefined;
  }

  private record(call: ApiCall): void {
    this.calls.push(call);
    for (const w of [...this.callWaiters]) if (w.match(call)) w.resolve(call);
    this.emit({ kind: "call", call });
  }

  private emit(event: FakeSlackEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener must not break the API it listens to.
      }
    }
  }
}

function isRecord(x: unknown): x is Json {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return m?.[1];
}

/** Arguments of a Web API call from its query string and body, as Slack reads them. */
function parseApiArgs(contentType: string | undefined, body: string, query: URLSearchParams): { args: Json } | { error: string } {
  const args: Json = Object.fromEntries(query.entries());
  const type = mediaType(contentType);
  if (body.length === 0) return { args };
  if (type === "") return { error: "missing_post_type" };
  if (type === "application/x-www-form-urlencoded") {
    // As `for (const [k, v] of new URLSearchParams(body)) args[k] = v`, faster on large fields.
    for (const field of body.split("&")) {
      if (field === "") continue;
      const eq = field.indexOf("=");
      args[formDecode(eq < 0 ? field : field.slice(0, eq))] = eq < 0 ? "" : formDecode(field.slice(eq + 1));
    }
    return { args };
  }
  if (type === "application/json") {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return { error: "invalid_json" };
    }
    if (!isRecord(value)) return { error: "invalid_json" };
    return { args: { ...args, ...value } };
  }
  return { error: "invalid_post_type" };
}

/**
 * One name or value of a form body, decoded as URLSearchParams decodes it ("+" is a space, then
 * %XX bytes as UTF-8). decodeURIComponent does the same, faster, whenever it accepts the text (all
 * escapes well-formed, their bytes valid UTF-8); URLSearchParams decodes what it refuses. The body
 * is text decoded from UTF-8, so it holds no lone surrogates (which URLSearchParams would replace).
 */
function formDecode(text: string): string {
  const spaced = text.includes("+") ? text.replaceAll("+", " ") : text;
  if (!spaced.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return new URLSearchParams(`v=${text}`).get("v") ?? "";
  }
}

/**
 * What a test reads back: JSON fields decoded, no token. A JSON field is decoded when it is first
 * read (most recorded views and blocks never are), then it is an ordinary property.
 */
function recordedArgs(args: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(args)) {
    if (k === "token") continue;
    if ((JSON_FIELDS as readonly string[]).includes(k) && typeof v === "string") decodeOnRead(out, k, v);
    else out[k] = v;
  }
  return out;
}

/** out[key] = JSON.parse(text), or the text as sent when it is not JSON (the method answers with the parse error), parsed on first read. */
function decodeOnRead(out: Json, key: string, text: string): void {
  const settle = (value: unknown): unknown => {
    try {
      Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    } catch {
      // frozen meanwhile: the getter keeps answering
    }
    return value;
  };
  let decoded: { value: unknown } | undefined;
  Object.defineProperty(out, key, {
    enumerable: true,
    configurable: true,
    get() {
      if (!decoded) {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          value = text;
        }
        decoded = { value };
      }
      return settle(decoded.value);
    },
    set(value: unknown) {
      decoded = { value };
      settle(value);
    },
  });
}

