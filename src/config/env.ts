// The environment, validated once at start (see docs: contract.md, "Configuration").
// A missing or malformed value yields one line per problem naming the variable and what is
// expected. Secret values are never echoed, not even in error messages.
import { statSync } from "node:fs";
import { z } from "zod";
import { DEFAULT_REMINDER_POLICY, type ReminderPolicy } from "../domain/reminders.js";

export type Mode = "http" | "socket" | "sandbox";

export interface Config {
  mode: Mode;
  slackBotToken?: string | undefined;
  slackSigningSecret?: string | undefined;
  slackAppToken?: string | undefined;
  /** base URL every Web API call goes to (always ends with "/") */
  slackApiUrl?: string | undefined;
  port: number;
  databaseUrl?: string | undefined;
  complianceChannelId: string;
  approverUserIds: string[];
  approverUsergroupId?: string | undefined;
  /** who may approve a hard stop under an authorisation; both unset: the approvers */
  hardStopApproverUserIds: string[];
  hardStopApproverUsergroupId?: string | undefined;
  rulesDir: string;
  /** restricted-party list files (CSL CSV or JSON); empty: no list screening */
  screeningLists: string[];
  /** reminders of drafts and escalations left waiting, and the daily digest (REMINDERS_*) */
  reminders: ReminderSettings;
  /** MISUSE_REPORTS_ANONYMOUS: whether a misuse report may be sent without the reporter's name */
  misuseReportsAnonymous: "allowed" | "never";
  /** years a screening's record is kept after its last change before it may be deleted (RECORDS_RETENTION_YEARS) */
  recordsRetentionYears: number;
  /**
   * how long after it arrives a request may still start to write (SLACK_REQUEST_BUDGET_MS, default
   * 2500: Slack waits 3 s); past it the person is told "busy, nothing was saved"
   */
  requestBudgetMs: number;
}

const SECRET_VARS = new Set(["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL"]);

const optional = (schema: z.ZodType<string>) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v), schema.optional());

export interface ReminderSettings {
  /** REMINDERS_ENABLED=false: no reminders and no digest */
  enabled: boolean;
  policy: ReminderPolicy;
  /** how often each instance looks for what is due (REMINDERS_CHECK_SECONDS) */
  checkIntervalMs: number;
}

const HOUR_MS = 3_600_000;
const DEFAULT_CHECK_SECONDS = 900;

/** A comma-separated list of positive numbers (decimals allowed) up to `max`, e.g. "24,48,72". */
function PositiveList(unit: string, max: number, example: string) {
  const message = `comma-separated numbers of ${unit}, each above 0 and at most ${max}, such as ${example}`;
  return z
    .string()
    .regex(/^\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*$/, message)
    .refine((s) => s.split(",").every((n) => Number(n) > 0 && Number(n) <= max), message);
}

const Flag = (what: string) => z.string().regex(/^(true|false|1|0|yes|no)$/i, `true or false (${what})`);
const isOn = (s: string) => /^(true|1|yes)$/i.test(s);
const listOf = (s: string, unitMs: number) => s.split(",").map((n) => Math.round(Number(n) * unitMs));

/** RECORDS_RETENTION_YEARS: whole years, never below the five the EAR (15 CFR 762.6) and the EU Dual-Use Regulation (Art. 27) ask for. */
function RetentionYears() {
  return z
    .string()
    .regex(/^\d{1,3}$/, "a whole number of years from 5 to 100 (records are kept at least 5 years: EAR 15 CFR 762.6)")
    .refine((s) => Number(s) >= 5 && Number(s) <= 100, "a whole number of years from 5 to 100 (records are kept at least 5 years: EAR 15 CFR 762.6)");
}

/** RECORDS_RETENTION_YEARS alone, for the command-line tools that need only it (records:delete, export). */
export function recordsRetentionYears(env: Readonly<Record<string, string | undefined>>): { ok: true; years: number } | { ok: false; problem: string } {
  const parsed = z.object({ RECORDS_RETENTION_YEARS: optional(RetentionYears()) }).safeParse({ RECORDS_RETENTION_YEARS: env.RECORDS_RETENTION_YEARS });
  if (!parsed.success) return { ok: false, problem: `RECORDS_RETENTION_YEARS: expected ${parsed.error.issues[0]?.message ?? "a whole number of years"}${describeValue(env.RECORDS_RETENTION_YEARS)}` };
  return { ok: true, years: parsed.data.RECORDS_RETENTION_YEARS === undefined ? 5 : Number(parsed.data.RECORDS_RETENTION_YEARS) };
}

const EnvSchema = z.object({
  SLACK_BOT_TOKEN: optional(z.string().regex(/^xoxb-[A-Za-z0-9-]+$/, "a bot token starting with xoxb-")),
  SLACK_SIGNING_SECRET: optional(z.string().regex(/^[A-Za-z0-9]{16,}$/, "the app's signing secret (letters and digits, from Basic Information)")),
  SLACK_APP_TOKEN: optional(z.string().regex(/^xapp-[A-Za-z0-9-]+$/, "an app-level token starting with xapp-")),
  SLACK_API_URL: optional(
    z.string().refine((s) => /^https?:\/\/[^\s]+$/.test(s) && URL.canParse(s), "an http(s) URL such as http://127.0.0.1:4000/api/"),
  ),
  PORT: optional(z.string().regex(/^\d{1,5}$/, "a port number from 0 to 65535").refine((s) => Number(s) <= 65535, "a port number from 0 to 65535")),
  DATABASE_URL: optional(
    z.string().refine((s) => /^postgres(ql)?:\/\//.test(s) && URL.canParse(s), "a postgresql:// URL (unset it to use the embedded database in ./data)"),
  ),
  COMPLIANCE_CHANNEL_ID: optional(z.string().regex(/^[CG][A-Z0-9]{2,}$/, "a channel ID such as C0123456789 (not a channel name)")),
  APPROVER_USER_IDS: optional(
    z.string().regex(/^[UW][A-Z0-9]{2,}(\s*,\s*[UW][A-Z0-9]{2,})*$/, "comma-separated Slack user IDs such as U0123ABC,U0456DEF"),
  ),
  APPROVER_USERGROUP_ID: optional(z.string().regex(/^S[A-Z0-9]{2,}$/, "a user group ID such as S0123ABC")),
  HARD_STOP_APPROVER_USER_IDS: optional(
    z.string().regex(/^[UW][A-Z0-9]{2,}(\s*,\s*[UW][A-Z0-9]{2,})*$/, "comma-separated Slack user IDs such as U0123ABC,U0456DEF"),
  ),
  HARD_STOP_APPROVER_USERGROUP_ID: optional(z.string().regex(/^S[A-Z0-9]{2,}$/, "a user group ID such as S0123ABC")),
  RULES_DIR: optional(z.string()),
  SCREENING_LISTS: optional(z.string()),
  REMINDERS_ENABLED: optional(Flag("reminders and the daily digest")),
  REMINDERS_DRAFT_DAYS: optional(PositiveList("days", 365, "3 or 3,7")),
  REMINDERS_ESCALATION_HOURS: optional(PositiveList("hours", 8760, "24,48,72")),
  REMINDERS_DIGEST_HOUR_UTC: optional(
    z.string().regex(/^(off|\d{1,2})$/i, "an hour of the day in UTC from 0 to 23, or off").refine((s) => /^off$/i.test(s) || Number(s) <= 23, "an hour of the day in UTC from 0 to 23, or off"),
  ),
  REMINDERS_QUIET_WEEKENDS: optional(Flag("move reminders due on a Saturday or Sunday to Monday 09:00 UTC")),
  REMINDERS_CHECK_SECONDS: optional(z.string().regex(/^\d{1,5}$/, "whole seconds from 1 to 86400").refine((s) => Number(s) >= 1 && Number(s) <= 86_400, "whole seconds from 1 to 86400")),
  MISUSE_REPORTS_ANONYMOUS: optional(z.enum(["allowed", "never"], "allowed or never (whether a misuse report may be sent without the reporter's name)")),
  RECORDS_RETENTION_YEARS: optional(RetentionYears()),
  SLACK_REQUEST_BUDGET_MS: optional(
    z.string().regex(/^\d{3,6}$/, "milliseconds from 500 to 600000").refine((s) => Number(s) >= 500 && Number(s) <= 600_000, "milliseconds from 500 to 600000"),
  ),
});

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export interface ConfigChecks {
  /** whether a path names a readable file (default: the file system's answer) */
  isFile?: (path: string) => boolean;
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>, checks: ConfigChecks = {}): ConfigResult {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const shown = SECRET_VARS.has(name) ? "" : describeValue(env[name]);
      return `${name}: expected ${issue.message}${shown}`;
    });
    return { ok: false, problems: [...new Set(problems)] };
  }
  const e = parsed.data;
  const problems: string[] = [];
  const hasToken = e.SLACK_BOT_TOKEN !== undefined;
  const hasSecret = e.SLACK_SIGNING_SECRET !== undefined;
  const hasAppToken = e.SLACK_APP_TOKEN !== undefined;

  let mode: Mode;
  if (!hasToken && !hasSecret && !hasAppToken) {
    mode = "sandbox";
  } else if (!hasToken) {
    mode = hasAppToken ? "socket" : "http";
    problems.push("SLACK_BOT_TOKEN: required to connect to Slack (xoxb-…, from OAuth & Permissions); unset every SLACK_ variable to run the local sandbox instead");
  } else if (hasAppToken) {
    mode = "socket";
  } else {
    mode = "http";
    if (!hasSecret) problems.push("SLACK_SIGNING_SECRET: required in HTTP mode (from Basic Information → App Credentials)");
  }
  if (mode !== "sandbox" && e.COMPLIANCE_CHANNEL_ID === undefined) {
    problems.push("COMPLIANCE_CHANNEL_ID: required when connected to Slack: the ID of the channel that receives escalations, such as C0123456789");
  }
  const screeningLists = e.SCREENING_LISTS === undefined ? [] : e.SCREENING_LISTS.split(",").map((s) => s.trim());
  problems.push(...screeningListProblems(screeningLists, checks.isFile ?? isFile));
  if (problems.length > 0) return { ok: false, problems };

  const apiUrl = e.SLACK_API_URL === undefined ? undefined : e.SLACK_API_URL.endsWith("/") ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`;
  return {
    ok: true,
    config: {
      mode,
      slackBotToken: e.SLACK_BOT_TOKEN,
      slackSigningSecret: e.SLACK_SIGNING_SECRET,
      slackAppToken: e.SLACK_APP_TOKEN,
      slackApiUrl: apiUrl,
      port: e.PORT === undefined ? 3000 : Number(e.PORT),
      databaseUrl: e.DATABASE_URL,
      // The sandbox brings its own channel.
      complianceChannelId: e.COMPLIANCE_CHANNEL_ID ?? "C0SANDBOXCOMPLIANCE",
      approverUserIds: e.APPROVER_USER_IDS === undefined ? [] : e.APPROVER_USER_IDS.split(",").map((s) => s.trim()),
      approverUsergroupId: e.APPROVER_USERGROUP_ID,
      hardStopApproverUserIds: e.HARD_STOP_APPROVER_USER_IDS === undefined ? [] : e.HARD_STOP_APPROVER_USER_IDS.split(",").map((s) => s.trim()),
      hardStopApproverUsergroupId: e.HARD_STOP_APPROVER_USERGROUP_ID,
      rulesDir: e.RULES_DIR ?? "./rules",
      screeningLists,
      reminders: {
        enabled: e.REMINDERS_ENABLED === undefined ? true : isOn(e.REMINDERS_ENABLED),
        policy: {
          draftIntervalsMs: e.REMINDERS_DRAFT_DAYS === undefined ? DEFAULT_REMINDER_POLICY.draftIntervalsMs : listOf(e.REMINDERS_DRAFT_DAYS, 24 * HOUR_MS),
          escalationIntervalsMs:
            e.REMINDERS_ESCALATION_HOURS === undefined ? DEFAULT_REMINDER_POLICY.escalationIntervalsMs : listOf(e.REMINDERS_ESCALATION_HOURS, HOUR_MS),
          digestHourUtc:
            e.REMINDERS_DIGEST_HOUR_UTC === undefined ? DEFAULT_REMINDER_POLICY.digestHourUtc : /^off$/i.test(e.REMINDERS_DIGEST_HOUR_UTC) ? null : Number(e.REMINDERS_DIGEST_HOUR_UTC),
          quietWeekends: e.REMINDERS_QUIET_WEEKENDS === undefined ? DEFAULT_REMINDER_POLICY.quietWeekends : isOn(e.REMINDERS_QUIET_WEEKENDS),
        },
        checkIntervalMs: (e.REMINDERS_CHECK_SECONDS === undefined ? DEFAULT_CHECK_SECONDS : Number(e.REMINDERS_CHECK_SECONDS)) * 1000,
      },
      misuseReportsAnonymous: e.MISUSE_REPORTS_ANONYMOUS === "never" ? "never" : "allowed",
      recordsRetentionYears: e.RECORDS_RETENTION_YEARS === undefined ? 5 : Number(e.RECORDS_RETENTION_YEARS),
      requestBudgetMs: e.SLACK_REQUEST_BUDGET_MS === undefined ? 2500 : Number(e.SLACK_REQUEST_BUDGET_MS),
    },
  };
}

/** Warnings that do not stop the bot but that an operator should see. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.mode !== "sandbox" && config.approverUserIds.length === 0 && config.approverUsergroupId === undefined) {
    warnings.push("Neither APPROVER_USER_IDS nor APPROVER_USERGROUP_ID is set: nobody can decide escalations until one is.");
  }
  return warnings;
}

/** Each list file must exist and be a CSL download (.csv or .json); one line per problem. */
function screeningListProblems(paths: readonly string[], exists: (path: string) => boolean): string[] {
  const problems: string[] = [];
  for (const path of paths) {
    if (path === "") problems.push("SCREENING_LISTS: expected comma-separated paths of list files (an empty one is in the list)");
    else if (!/\.(csv|json)$/i.test(path)) problems.push(`SCREENING_LISTS: ${path}: expected a .csv or .json file (the Consolidated Screening List download)`);
    else if (!exists(path)) problems.push(`SCREENING_LISTS: ${path}: no such file`);
  }
  return problems;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function describeValue(v: string | undefined): string {
  if (v === undefined) return "";
  const shown = v.length > 40 ? `${v.slice(0, 40)}…` : v;
  return ` (got "${shown.replace(/[^\x20-\x7E]/g, "?")}")`;
}
