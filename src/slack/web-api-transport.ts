// The Web API client's HTTP transport: the `fetch` option @slack/web-api documents for
// "transport-level behaviour", given to the bot's own WebClient and to Bolt's (Bolt passes its
// `clientOptions` on). Under load, Node's built-in fetch (undici's WHATWG implementation: streams,
// Headers, AbortController plumbing per call) was the largest single cost of a Web API call in the
// bot's main thread, more than the call's own work. The Web API client only ever sends a small
// string body and reads the answer whole, so this transport does exactly that over node:http(s)
// with keep-alive connections, and answers with the small response shape the client declares
// (`FetchResponse`).
//
// Only the Web API client's calls take this path: a POST with a string body and `redirect:
// "error"`, which is how WebClient sends every method. Anything else (Bolt's `respond()` to a
// response_url, which follows redirects; a file upload's FormData) goes to the global fetch
// unchanged. Failures keep fetch's shape, which the delivery worker reads to tell "not sent"
// from "outcome unknown" (src/slack/delivery-worker.ts): a connection error rejects with
// TypeError("fetch failed") whose `cause` is the socket's error (with its code, e.g.
// ECONNREFUSED); an aborted call (the client's timeout) rejects with the signal's reason
// (a TimeoutError).
import http from "node:http";
import https from "node:https";
import type { webApi } from "@slack/bolt";

type FetchFunction = webApi.FetchFunction;
/** What the client reads of an answer (web-api's FetchResponse, not exported by name). */
type FetchResponse = Awaited<ReturnType<FetchFunction>>;
type FetchInit = Parameters<FetchFunction>[1];

/** A Web API transport with its own keep-alive connections; `close()` drops them. */
export interface WebApiTransport {
  fetch: FetchFunction;
  close(): void;
}

export function webApiTransport(fallback: FetchFunction = globalThis.fetch as unknown as FetchFunction): WebApiTransport {
  // Idle keep-alive sockets are unref'd by the agent, so they never hold the process open. The
  // idle timeout matters: only with one does Node's agent honour the server's "Keep-Alive:
  // timeout=N" (closing its end a second before the server does); without, a call could go out on
  // a connection the server was closing, and fail as "connection lost, outcome unknown".
  const options = { keepAlive: true, timeout: IDLE_CONNECTION_MS };
  const agents = { "http:": new http.Agent(options), "https:": new https.Agent(options) };

  const send: FetchFunction = (input, init) => {
    const url = typeof input === "string" ? new URL(input) : input;
    const agent = url.protocol === "http:" || url.protocol === "https:" ? agents[url.protocol] : undefined;
    if (!agent || !init || init.redirect !== "error" || typeof init.body !== "string") return fallback(input, init);
    return post(url, agent, init as FetchInit & { body: string });
  };

  return {
    fetch: send,
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}

/** How long an idle connection is kept at most (less when the server announces less). */
const IDLE_CONNECTION_MS = 30_000;

function post(url: URL, agent: http.Agent, init: NonNullable<FetchInit> & { body: string }): Promise<FetchResponse> {
  const signal = init.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const body = Buffer.from(init.body, "utf8");
  const headers: Record<string, string | number> = { ...init.headers, "content-length": body.length };
  const request = url.protocol === "https:" ? https.request : http.request;

  return new Promise<FetchResponse>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      reject(error);
    };
    const onAbort = () => {
      fail(signal?.reason);
      req.destroy();
    };
    const req = request(url, { method: init.method ?? "POST", headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", (error) => fail(new TypeError("fetch failed", { cause: error })));
      res.on("end", () => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        resolve(answer(url.href, res, Buffer.concat(chunks)));
      });
    });
    req.on("error", (error) => fail(new TypeError("fetch failed", { cause: error })));
    signal?.addEventListener("abort", onAbort, { once: true });
    req.end(body);
  });
}

function answer(url: string, res: http.IncomingMessage, body: Buffer): FetchResponse {
  const status = res.statusCode ?? 0;
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? "",
    url,
    headers: {
      get: (name: string) => headers.get(name.toLowerCase()) ?? null,
      entries: () => headers.entries(),
    },
    text: async () => body.toString("utf8"),
    json: async () => JSON.parse(body.toString("utf8")) as unknown,
    arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
  };
}
