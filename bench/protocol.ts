// Messages between the bench (parent, which also hosts the Slack Web API stand-in) and its two
// kinds of child process, over the IPC channel of child_process.fork:
//   - the process under test (bench/server.ts): the bot, or the bare Bolt baseline;
//   - the load generator (bench/load-child.ts): the simulated people (bench/driver.ts).
// Three processes, so that neither the stand-in nor the load generator shares an event loop (or
// a CPU count) with the app under test, nor with each other.

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

export interface StartRequest {
  type: "start";
  kind: ServerKind;
  slackApiUrl: string;
  /** bot only: the embedded database's folder */
  dataDir?: string;
  /** bot only: a PostgreSQL database to run on instead (migrated by the bot as it starts) */
  databaseUrl?: string;
  /** baseline only: what the bot showed and sent for each scenario, replayed (bench/baseline-app.ts) */
  scripts?: RecordedScript[];
  rulesDir: string;
  processBeforeResponse: boolean;
}

/** Creates and migrates an embedded database in `dataDir` (initdb), then exits. */
export interface InitRequest {
  type: "init";
  dataDir: string;
}

/** Times the bot's use cases one by one on an in-memory database (bench/breakdown.ts), then exits. */
export interface BreakdownRequest {
  type: "breakdown";
  rulesDir: string;
  screenings: number;
}

export type ParentMessage =
  | StartRequest
  | InitRequest
  | BreakdownRequest
  | { type: "stats" }
  | { type: "cpu" }
  | { type: "seed"; count: number }
  | { type: "stop" };

export interface ProcessStats {
  rssBytes: number;
  /** process.resourceUsage().maxRSS, in bytes */
  maxRssBytes: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** bot only */
  dbBytes?: number;
  screenings?: number;
  pendingDeliveries?: number;
  failedDeliveries?: number;
}

export type ChildMessage =
  | { type: "ready"; port: number; startMs: number }
  | { type: "initialised"; ms: number; stats: ProcessStats }
  | { type: "breakdown"; breakdown: Breakdown }
  | { type: "stats"; stats: ProcessStats }
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
