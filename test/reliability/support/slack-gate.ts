// A gate between the bot and the fake Slack Web API: passes every call through, or, for the
// methods the test closes it for, answers as Slack does in an outage (HTTP 500, 429 with
// Retry-After, or a dropped connection) without the call reaching Slack. Unlike the fake's
// own failNext (a number of calls), the gate stays closed until the test opens it: "Slack is
// down until the bot has been restarted". Only calls the gate passes reach the fake, so what the
// fake holds is what Slack would have accepted.
import { createServer, type IncomingMessage, type Server } from "node:http";

/** hang: the call is accepted and never answered (until the gate stops), as a stalled connection */
export type GateFault = "500" | "429" | "network" | "hang";

export interface SlackGate {
  /** give the bot this as SLACK_API_URL */
  readonly url: string;
  /** method ("*" for any) → how it fails while closed */
  close(faults: Readonly<Record<string, GateFault>>): void;
  open(): void;
  /** resolves at the next call to `method` the gate fails */
  nextFault(method: string): Promise<void>;
  /** calls answered with a fault so far */
  readonly faultsInjected: number;
  stop(): Promise<void>;
}

export async function startSlackGate(targetBaseUrl: string): Promise<SlackGate> {
  let closed = new Map<string, GateFault>();
  let faults = 0;
  let waiting: Array<{ method: string; resolve: () => void }> = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? "/";
      const method = decodeURIComponent(path.replace(/^\/api\//, "").split("?")[0] ?? "");
      const fault = path.startsWith("/api/") ? (closed.get(method) ?? closed.get("*")) : undefined;
      if (fault) {
        faults++;
        const due = waiting.filter((w) => w.method === method);
        waiting = waiting.filter((w) => w.method !== method);
        for (const w of due) w.resolve();
        if (fault === "network") {
          req.socket.destroy();
          return;
        }
        if (fault === "hang") return;
        const status = fault === "429" ? 429 : 500;
        const text = JSON.stringify({ ok: false, error: fault === "429" ? "ratelimited" : "internal_error" });
        res.writeHead(status, { "Content-Type": "application/json", ...(status === 429 ? { "Retry-After": "1" } : {}) });
        res.end(text);
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of ["content-type", "authorization"]) {
        const v = req.headers[name];
        if (typeof v === "string") headers[name] = v;
      }
      try {
        const upstream = await fetch(`${targetBaseUrl}${path}`, { method: req.method ?? "POST", headers, ...(req.method === "GET" ? {} : { body }) });
        const text = await upstream.text();
        res.writeHead(upstream.status, { "Content-Type": upstream.headers.get("content-type") ?? "application/json", ...retryAfter(upstream.headers) });
        res.end(text);
      } catch {
        res.socket?.destroy();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    close(f) {
      closed = new Map(Object.entries(f));
    },
    open() {
      closed = new Map();
    },
    nextFault(method) {
      return new Promise((resolve) => waiting.push({ method, resolve }));
    },
    get faultsInjected() {
      return faults;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function retryAfter(headers: Headers): Record<string, string> {
  const v = headers.get("retry-after");
  return v ? { "Retry-After": v } : {};
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
