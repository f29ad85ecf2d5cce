// The load generator's process, started by the bench with child_process.fork: runs the
// simulated people (bench/driver.ts) against the app under test, in a process of its own, so
// that neither the app (another child) nor the Slack Web API stand-in (in the parent) shares its
// event loop. The stand-in's state is reached over IPC: Web API calls the load waits for arrive
// as messages, stamped when the stand-in recorded them; the rest are questions and answers.
import type { FakeMessage, FakeView, ResponseActionOutcome } from "../src/sandbox/slack-api.js";
import { runLoad, type RecordedCall, type SlackSide, type WatchedCall } from "./driver.js";
import type { LoadChildMessage, LoadParentMessage, LoadRun, StandInRequest } from "./protocol.js";

const listeners = new Set<(call: WatchedCall) => void>();
const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
let nextId = 0;

function send(message: LoadChildMessage): void {
  process.send?.(message);
}

function ask<T>(request: StandInRequest): Promise<T> {
  const id = ++nextId;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: (v) => resolve(v as T), reject });
    send({ type: "ask", id, request });
  });
}

const slack: SlackSide = {
  subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  responseUrl: (origin) => ask<string>({ method: "responseUrl", ...(origin ? { origin } : {}) }),
  applyResponseAction: (viewId, ack) => ask<ResponseActionOutcome>({ method: "applyResponseAction", viewId, ack }),
  message: (channel, ts) => ask<FakeMessage | undefined>({ method: "message", channel, ts }),
  view: (id) => ask<FakeView | undefined>({ method: "view", id }),
  settle: (tokens, quietMs) => ask<void>({ method: "settle", tokens, quietMs }),
  script: (query) => ask<RecordedCall[][]>({ method: "script", query }),
};

async function run(r: LoadRun): Promise<void> {
  const result = await runLoad(slack, r.appBaseUrl, r.signingSecret, r.ids, r.plan, {
    ...r.options,
    onProgress: (done, total) => send({ type: "progress", done, total }),
    onWindow: (edge) => send({ type: "window", edge }),
  });
  send({ type: "done", result });
}

process.on("message", (raw: unknown) => {
  const m = raw as LoadParentMessage;
  switch (m.type) {
    case "call":
      for (const listener of listeners) listener(m.call);
      return;
    case "answer": {
      const waiter = pending.get(m.id);
      pending.delete(m.id);
      if (!waiter) return;
      if (m.ok) waiter.resolve(m.value);
      else waiter.reject(new Error(m.error));
      return;
    }
    case "run":
      run(m.run).catch((err: unknown) => send({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
      return;
  }
});

process.on("disconnect", () => {
  // The bench went away: do not linger.
  setTimeout(() => process.exit(0), 1_000).unref();
});
