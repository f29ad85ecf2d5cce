// Messages between the bench (parent, which also hosts the Slack Web API stand-in) and its
// forked child processes, over the IPC channel of child_process.fork:
//   - bench/server.ts: the bare Bolt baseline under test, or the bench's database tools;
//   - the load generator (bench/load-child.ts): the simulated people (bench/driver.ts).
// The bot under test is not forked: it runs as `node dist/main.js` (bench/bot-process.ts) and is
// configured by its environment. The app under test, the load generator and the stand-in each
// have a process of their own, so that none shares an event loop (or a CPU count) with another.

import type { Breakdown } from "./breakdown.js";
import type { FlowIds, LoadOptions, LoadResult, PlannedScreening, RecordedScript, ScriptQuery, WatchedCall } from "./driver.js";

export const BENCH_SECRETS = {
  signingSecret: "benchSigningSecret0123456789abcdef",
  botToken: "xoxb-bench-0000-fake",
} as const;
export const COMPLIANCE_CHANNEL = "C0BENCHCOMPLIANCE";
export const APPROVERS = ["UBENCHAPPROVER1", "UBENCHAPPROVER2", "UBENCHAPPROVER3"] as const;

/**
 * Milliseconds on the machine's monotonic clock (CLOCK_MONOTONIC on Linux, through libuv), the
 * same in every process: the stand-in stamps a Web API call with it, the load generator
 * subtracts the time it sent the request.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export type ServerKind = "bot" | "baseline";

/** Starts the baseline (bench/baseline-app.ts). */
export interface StartRequest {
  type: "start";
  slackApiUrl: string;
  /** what the bot showed and sent for each scenario, replayed */
  scripts: RecordedScript[];
  processBeforeResponse: boolean;
}

/** A phase's database, looked at while the bot is stopped: its embedded folder (the bot's ./data) or a server database. */
export type DatabaseTarget = { dataDir: string; databaseUrl?: undefined } | { databaseUrl: string; dataDir?: undefined };

export interface DatabaseFacts {
  dbBytes: number;
  screenings: number;
  pendingDeliveries: number;
  failedDeliveries: number;
}

/** Times the bot's use cases one by one on an in-memory database (bench/breakdown.ts), then exits. */
export interface BreakdownRequest {
  type: "breakdown";
  rulesDir: string;
  screenings: number;
}

export type ParentMessage =
  | StartRequest
  | BreakdownRequest
  | { type: "inspect"; target: DatabaseTarget }
  | { type: "cpu" }
  | { type: "seed"; target: DatabaseTarget; count: number }
  | { type: "stop" };

export interface ProcessStats {
  rssBytes: number;
  /** process.resourceUsage().maxRSS, in bytes */
  maxRssBytes: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

export type ChildMessage =
  | { type: "ready"; port: number; startMs: number }
  | { type: "facts"; facts: DatabaseFacts }
  | { type: "breakdown"; breakdown: Breakdown }
  | { type: "cpu"; cpuMs: number }
  | { type: "seeded"; added: number; auditEvents: number; ms: number; sqlMs: number; auditMs: number }
  | { type: "stopped"; stats: ProcessStats }
  | { type: "error"; message: string };

// ---- the load generator ---------------------------------------------------------------------

/** One load to run: the plan, and how. */
export interface LoadRun {
  appBaseUrl: string;
  signingSecret: string;
  ids: FlowIds;
  plan: PlannedScreening[];
  options: Omit<LoadOptions, "onProgress" | "onWindow">;
}

/** What the load generator asks the stand-in (its state lives in the parent). */
export type StandInRequest =
  | { method: "responseUrl"; origin?: { channel?: string; ts?: string; user?: string } }
  | { method: "applyResponseAction"; viewId: string; ack: unknown }
  | { method: "message"; channel: string; ts: string }
  | { method: "view"; id: string }
  | { method: "settle"; tokens: string[]; quietMs: number }
  | { method: "script"; query: ScriptQuery };

/** parent → load generator */
export type LoadParentMessage =
  | { type: "run"; run: LoadRun }
  | { type: "answer"; id: number; ok: true; value: unknown }
  | { type: "answer"; id: number; ok: false; error: string }
  | { type: "call"; call: WatchedCall };

/** load generator → parent */
export type LoadChildMessage =
  | { type: "ask"; id: number; request: StandInRequest }
  | { type: "window"; edge: "start" | "end" }
  | { type: "progress"; done: number; total: number }
  | { type: "done"; result: LoadResult }
  | { type: "error"; message: string };
