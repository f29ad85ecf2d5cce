// The sandbox's page: one static HTML page with plain JavaScript and CSS (src/sandbox/web/,
// served as they are, no build step), a small JSON API through which the page says what a
// person did, and server-sent events telling the page to fetch its state again. Everything a
// person does goes through ClientSimulator, which sends the bot the request Slack would.
//
// Listens on 127.0.0.1 only. Requests must name this server in Host (no DNS rebinding), and
// POSTs must be same-origin JSON (a foreign page cannot send application/json without a
// preflight this server never grants).
//
// The page's clock control (POST /api/clock with a step: hour, day or week) moves the sandbox's
// clock forward and has the bot send what has come due; /api/state carries the simulated time.
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { z } from "zod";
import { readBody, sendJson as sendJsonWith } from "./http-io.js";
import { UnknownPersonError, type ClientResult, type ClientSimulator } from "./client-simulator.js";
import { CLOCK_STEPS, type ClockState, type ClockStep } from "./clock.js";

const STATIC_FILES: Record<string, string> = {
  "/": "index.html",
  "/app.js": "app.js",
  "/blocks.js": "blocks.js",
  "/mrkdwn.js": "mrkdwn.js",
  "/app.css": "app.css",
  "/favicon.svg": "favicon.svg",
};

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

const MAX_BODY = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

const UserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/);
const FormValues = z.record(z.string().max(255), z.union([z.string().max(10_000), z.array(z.string().max(255)).max(200), z.null()]));
const BlockRef = { blockIndex: z.number().int().min(0).max(200), blockId: z.string().max(255).optional(), actionId: z.string().min(1).max(255) };

const Bodies = {
  message: z.object({ as: UserId, channel: z.string().max(40), text: z.string().max(40_000), threadTs: z.string().max(40).optional() }),
  messageAction: z.object({ as: UserId, channel: z.string().max(40), ts: z.string().max(40), ephemeral: z.boolean().optional(), ...BlockRef }),
  viewAction: z.object({ as: UserId, viewId: z.string().max(40), values: FormValues.optional(), ...BlockRef }),
  submit: z.object({ as: UserId, viewId: z.string().max(40), values: FormValues }),
  close: z.object({ as: UserId, viewId: z.string().max(40), values: FormValues.optional() }),
  home: z.object({ as: UserId }),
  dismiss: z.object({ as: UserId, key: z.string().max(200) }),
  clock: z.object({ as: UserId.optional(), step: z.enum(Object.keys(CLOCK_STEPS) as [ClockStep, ...ClockStep[]]) }),
};

/** The sandbox's clock as the page controls it (run.ts). */
export interface SandboxClockControl {
  state(): ClockState;
  /** moves the clock forward and waits until the bot has looked for what came due */
  advance(ms: number): Promise<ClockState>;
}

export interface SandboxWebServer {
  /** "http://127.0.0.1:PORT/": the page to open */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startSandboxWebServer(opts: { client: ClientSimulator; port: number; host?: string; clock?: SandboxClockControl }): Promise<SandboxWebServer> {
  const host = opts.host ?? "127.0.0.1";
  const files = await loadStaticFiles();
  const streams = new Set<ServerResponse>();
  let boundPort = 0;
  let pending: NodeJS.Timeout | undefined;

  // Many Web API calls arrive per click; the page needs to hear about them once.
  const unsubscribe = opts.client.subscribe(() => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      for (const res of streams) res.write(`data: changed\n\n`);
    }, 30);
  });
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(`: keep-alive\n\n`);
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof UnknownPersonError) return sendJson(res, 404, { ok: false, message: err.message });
      if (!res.headersSent) sendJson(res, 500, { ok: false, message: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHost(req.headers.host, boundPort)) return sendText(res, 421, "Misdirected request: open the sandbox at 127.0.0.1 or localhost.");
    const url = new URL(req.url ?? "/", "http://sandbox.invalid");
    const path = url.pathname;

    if (req.method === "GET" || req.method === "HEAD") {
      const file = STATIC_FILES[path];
      if (file !== undefined) {
        const content = files.get(file);
        if (content === undefined) return sendText(res, 404, "not found");
        const ext = file.slice(file.lastIndexOf(".") + 1);
        res.writeHead(200, { "Content-Type": CONTENT_TYPES[ext] ?? "application/octet-stream", "Content-Length": content.length, ...SECURITY_HEADERS });
        res.end(req.method === "HEAD" ? undefined : content);
        return;
      }
      if (path === "/api/state") {
        const as = UserId.safeParse(url.searchParams.get("as"));
        if (!as.success || !opts.client.isPerson(as.data)) return sendJson(res, 404, { ok: false, message: "unknown person" });
        return sendJson(res, 200, { ...opts.client.pageState(as.data), clock: opts.clock ? opts.clock.state() : null });
      }
      if (path === "/api/events") {
        res.writeHead(200, { "Content-Type": "text/event-stream", Connection: "keep-alive", ...SECURITY_HEADERS });
        res.write(`retry: 1000\ndata: hello\n\n`);
        streams.add(res);
        req.on("close", () => streams.delete(res));
        return;
      }
      return sendText(res, 404, "not found");
    }

    if (req.method !== "POST") return sendText(res, 405, "method not allowed");
    if (!sameOrigin(req.headers.origin, req.headers.host)) return sendJson(res, 403, { ok: false, message: "cross-origin request refused" });
    if ((req.headers["content-type"] ?? "").split(";")[0]?.trim() !== "application/json") return sendJson(res, 415, { ok: false, message: "send JSON" });
    const raw = await readBody(req, MAX_BODY);
    if (raw === "too_large") return sendJson(res, 413, { ok: false, message: "request too large" });
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return sendJson(res, 400, { ok: false, message: "invalid JSON" });
    }

    const run = async <T>(schema: z.ZodType<T>, act: (input: T) => Promise<ClientResult> | ClientResult) => {
      const parsed = schema.safeParse(body);
      if (!parsed.success) return sendJson(res, 400, { ok: false, message: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
      const result = await act(parsed.data);
      return sendJson(res, 200, result);
    };
    const c = opts.client;
    switch (path) {
      case "/api/message":
        return run(Bodies.message, (b) => c.typeMessage(b.as, b.channel, b.text, b.threadTs));
      case "/api/message-action":
        return run(Bodies.messageAction, (b) => c.clickMessageButton(b.as, b));
      case "/api/view-action":
        return run(Bodies.viewAction, (b) => c.clickViewButton(b.as, b));
      case "/api/submit":
        return run(Bodies.submit, (b) => c.submitView(b.as, b.viewId, b.values));
      case "/api/close":
        return run(Bodies.close, (b) => c.closeView(b.as, b.viewId, b.values ?? {}));
      case "/api/home":
        return run(Bodies.home, (b) => c.openHome(b.as));
      case "/api/clock": {
        const clock = opts.clock;
        if (!clock) return sendJson(res, 404, { ok: false, message: "this sandbox has no clock control" });
        const parsed = Bodies.clock.safeParse(body);
        if (!parsed.success) return sendJson(res, 400, { ok: false, message: `step: expected one of ${Object.keys(CLOCK_STEPS).join(", ")}` });
        let state: ClockState;
        try {
          state = await clock.advance(CLOCK_STEPS[parsed.data.step]);
        } catch (err) {
          if (err instanceof RangeError) return sendJson(res, 400, { ok: false, message: err.message });
          throw err;
        }
        // The page redraws the time at once; what the bot sends arrives as usual (events below).
        for (const stream of streams) stream.write(`data: changed\n\n`);
        return sendJson(res, 200, { ok: true, clock: state });
      }
      case "/api/dismiss":
        return run(Bodies.dismiss, (b) => {
          c.dismiss(b.as, b.key);
          return { ok: true };
        });
      default:
        return sendText(res, 404, "not found");
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the sandbox page is not listening on a TCP port");
  boundPort = address.port;

  return {
    url: `http://127.0.0.1:${boundPort}/`,
    port: boundPort,
    async close() {
      unsubscribe();
      clearInterval(heartbeat);
      if (pending) clearTimeout(pending);
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function loadStaticFiles(): Promise<Map<string, Buffer>> {
  const dir = new URL("./web/", import.meta.url);
  const files = new Map<string, Buffer>();
  for (const name of new Set(Object.values(STATIC_FILES))) files.set(name, await readFile(new URL(name, dir)));
  return files;
}

function allowedHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host.toLowerCase());
}

/** Browsers send Origin on cross-origin POSTs (and on same-origin fetch POSTs); it must be us. */
function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  return host !== undefined && origin.toLowerCase() === `http://${host.toLowerCase()}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonWith(res, status, body, SECURITY_HEADERS);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...SECURITY_HEADERS });
  res.end(text);
}
