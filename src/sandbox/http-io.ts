// Reading request bodies and writing JSON answers, for the sandbox's two small HTTP servers (the
// fake Slack Web API and the browser page's server).
import type { IncomingMessage, ServerResponse } from "node:http";

/** The whole body as UTF-8, or "too_large" past `max` bytes (read to the end, not kept). */
export function readBody(req: IncomingMessage, max: number): Promise<string | "too_large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? "too_large" : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // Encoded once: its length is the Content-Length.
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": bytes.length, ...headers });
  res.end(bytes);
}
