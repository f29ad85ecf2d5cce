// Messages between the bench (parent) and the process under test (child, bench/server.ts),
// over the IPC channel of child_process.fork.

import type { Breakdown } from "./breakdown.js";

export const BENCH_SECRETS = {
  signingSecret: "benchSigningSecret0123456789abcdef",
  botToken: "xoxb-bench-0000-fake",
} as const;
export const COMPLIANCE_CHANNEL = "C0BENCHCOMPLIANCE";
export const APPROVERS = ["UBENCHAPPROVER1", "UBENCHAPPROVER2", "UBENCHAPPROVER3"] as const;

export type ServerKind = "bot" | "baseline";

export interface StartRequest {
  type: "start";
  kind: ServerKind;
  slackApiUrl: string;
  /** bot only: the embedded database's folder */
  dataDir?: string;
  /** bot only: a PostgreSQL database to run on instead (migrated by the bot as it starts) */
  databaseUrl?: string;
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

export type ParentMessage = StartRequest | InitRequest | BreakdownRequest | { type: "stats" } | { type: "seed"; count: number } | { type: "stop" };

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
  | { type: "seeded"; added: number; auditEvents: number; ms: number; sqlMs: number; auditMs: number }
  | { type: "stopped"; stats: ProcessStats }
  | { type: "error"; message: string };
