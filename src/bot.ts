// Composition root: rule set, database, Slack app and delivery worker, started together and
// stopped together. Used by main.ts, the sandbox and the end-to-end tests.
import { webApi } from "@slack/bolt";
import type { Config } from "./config/env.js";
import type { RedactingLogger } from "./log.js";
import { createListIndexCache } from "./lists/index-cache.js";
import { importListsAtStart } from "./lists/import.js";
import { systemClock, type Clock } from "./domain/clock.js";
import { startDailyAnchor, type PublishAnchor } from "./services/audit-anchor.js";
import { startReminderScheduler, type ReminderScheduler } from "./services/reminders.js";
import { rescreenAfterNewListSet } from "./services/party-screening.js";
import { promptAfterNewListSet, promptAfterNewRuleSet, startReviewPrompts } from "./services/rescreening.js";
import { describeError } from "./log-safe.js";
import { newestListSet } from "./store/lists.js";
import { formatProblem, loadRuleSet } from "./rules/load.js";
import { createSlackApp } from "./slack/app.js";
import { reminderRecipients } from "./slack/reminder-recipients.js";
import { openDatabase, type Database } from "./store/database.js";
import { deliveryCounts, failedDeliveries, releaseLeasesOfDeadProcess, requeueFailedEscalationPosts } from "./store/deliveries.js";

export interface RunningBot {
  port: number | undefined;
  /** the reminders' scheduler (src/services/reminders.ts); undefined when reminders are off */
  reminders?: ReminderScheduler | undefined;
  /**
   * Runs every periodic job's pass now, on the clock as it is (the sandbox after moving its
   * clock forward): what has come due is sent without waiting for the next timer.
   */
  runDueWork(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the bot with a validated configuration; used by main() and by the e2e tests. */
export interface StartOptions {
  processBeforeResponse?: boolean;
  dataDir?: string;
  deliveryPollMs?: number;
  /** an already opened database (tests); the bot then leaves closing it to the caller */
  database?: Database;
  /** how long one Slack Web API call may take before it counts as failed (default 10 s) */
  slackTimeoutMs?: number;
  /**
   * the audit trail's head published in the compliance channel once a day (src/services/audit-anchor.ts):
   * first attempt `firstDelayMs` after start (default 5 minutes), then every `intervalMs` (default 1 hour); false: never
   */
  auditAnchor?: false | { firstDelayMs?: number; intervalMs?: number };
  /** how often the embedded database's data folder is checked (default 2 s) */
  dataFolderCheckMs?: number;
  /**
   * the time as the bot sees it: every use case's `now` and the reminders' scheduler read it
   * (default the system clock; tests and the sandbox move it forward). Request signatures and
   * the outbox's leases keep the real time.
   */
  clock?: Clock;
  /**
   * the reminders' scheduler: first pass `firstDelayMs` after start (default one interval), then
   * every `intervalMs` (default REMINDERS_CHECK_SECONDS); false: not started (also when
   * REMINDERS_ENABLED=false)
   */
  reminders?: false | { firstDelayMs?: number; intervalMs?: number };
  /**
   * re-screening prompts as reviews come up (src/services/rescreening.ts): first pass
   * `firstDelayMs` after start (default one interval), then every `intervalMs` (default
   * REMINDERS_CHECK_SECONDS); false: not started
   */
  reviewPrompts?: false | { firstDelayMs?: number; intervalMs?: number };
}

export async function startBot(config: Config, log: RedactingLogger, opts: StartOptions = {}): Promise<RunningBot> {
  log.addSecrets(config.slackBotToken, config.slackSigningSecret, config.slackAppToken, config.databaseUrl);

  const rules = await loadRuleSet(config.rulesDir);
  if (!rules.ok) {
    throw new StartupError([`The rule set in ${config.rulesDir} is invalid:`, ...rules.problems.map(formatProblem)]);
  }
  const ruleSet = rules.ruleSet;

  const clock = opts.clock ?? systemClock;
  const now = () => clock.now();
  const db =
    opts.database ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: opts.dataDir ?? "./data",
      // /healthz turns 503 by itself; the log says why
      onStopped: (reason) => log.error("the embedded database stopped: every request is refused until the bot is restarted", { reason }),
    }));
  // With several instances only the one that won the migration lock applies anything.
  if (db.appliedMigrations.length > 0) log.info("database migrations applied", { migrations: db.appliedMigrations });
  if (db.kind === "pglite") {
    const released = await releaseLeasesOfDeadProcess(db.prisma);
    if (released > 0) log.warn("resuming deliveries the previous run left in flight", { count: released });
  }
  const requeued = await requeueFailedEscalationPosts(db.prisma);
  if (requeued > 0) log.warn("retrying escalation posts that failed before", { count: requeued });
  // SCREENING_LISTS changed since the set in force: imported now. Broken files are logged and the
  // set in force kept; they never stop the bot (src/lists/import.ts says why).
  const before = config.screeningLists.length > 0 ? await newestListSet(db.prisma) : null;
  const after = await importListsAtStart(db.prisma, config.screeningLists, log);
  // The matcher's index of the set in force, built once (about a second for the full list) and
  // now, rather than on the first page that names a party.
  const partyLists = config.screeningLists.length > 0 ? createListIndexCache(db.prisma) : undefined;
  const inForce = partyLists ? await partyLists.current() : null;
  if (inForce && after && after.contentHash !== before?.contentHash) {
    // A new list set: screenings with compliance, and those approved this year, are screened again.
    const summary = await rescreenAfterNewListSet(
      { prisma: db.prisma, sql: db.sql, ruleSet, complianceChannelId: config.complianceChannelId, now, log, onDeliveriesEnqueued: () => {}, partyLists },
      inForce,
    );
    log.info("screened again against the new list set", { screenings: summary.screened, withNewMatches: summary.withNewMatches.length });
    // ...and decided screenings the rules name get a re-screening prompt (rules: review.on_new_list_set)
    await promptAfterNewListSet({ prisma: db.prisma, sql: db.sql, ruleSet, complianceChannelId: config.complianceChannelId, now, log, onDeliveriesEnqueued: () => {}, partyLists }, inForce);
  }
  const slack = createSlackApp({
    config,
    log,
    services: { prisma: db.prisma, sql: db.sql, ruleSet, complianceChannelId: config.complianceChannelId, now, log, partyLists, recordsRetentionYears: config.recordsRetentionYears, misuseReportsAnonymous: config.misuseReportsAnonymous },
    processBeforeResponse: opts.processBeforeResponse ?? false,
    requestBudgetMs: config.requestBudgetMs,
    ...(opts.deliveryPollMs ? { deliveryPollMs: opts.deliveryPollMs } : {}),
    ...(opts.slackTimeoutMs ? { slackTimeoutMs: opts.slackTimeoutMs } : {}),
    health: async () => {
      const up = await db.ping();
      if (!up) return { ok: false, details: { database: "unavailable" } };
      const [counts, failed] = await Promise.all([deliveryCounts(db.prisma), failedDeliveries(db.prisma, 5)]);
      return {
        ok: true,
        details: {
          database: "ok",
          rules: ruleSet.version.slice(0, 12),
          deliveries: counts,
          ...(failed.length > 0 ? { failedDeliveries: failed.map((f) => ({ id: f.id, kind: f.kind, error: f.lastError })) } : {}),
        },
      };
    },
  });
  // The embedded database's folder removed, moved or replaced while running: every statement is
  // refused from then on and /healthz answers 503 (src/store/data-folder-watch.ts); said once,
  // and the delivery worker (and the reminders' scheduler) stop rather than failing every second.
  let reminders: ReminderScheduler | undefined;
  const stopWatchingDataFolder = db.watchDataFolder(
    (lost) => {
      log.error(lost.message, { dataDir: lost.dataDir, what: lost.what });
      void slack.worker.stop();
      void reminders?.stop();
    },
    opts.dataFolderCheckMs ? { intervalMs: opts.dataFolderCheckMs } : {},
  );
  const port = await slack.start(config.port);
  // The audit trail's head, published daily where the database's administrator cannot edit it.
  const anchor =
    opts.auditAnchor === false
      ? undefined
      : startDailyAnchor({
          sql: db.sql,
          publish: slackAnchorPublisher({ token: config.slackBotToken, channel: config.complianceChannelId, apiUrl: config.slackApiUrl, timeoutMs: opts.slackTimeoutMs, log }),
          now,
          log,
          ...(opts.auditAnchor ?? {}),
        });
  // Reminders of drafts and escalations left waiting, and the daily digest: every instance looks,
  // the claim in the database makes each go out once (src/services/reminders.ts).
  reminders =
    opts.reminders === false || !config.reminders.enabled
      ? undefined
      : startReminderScheduler({
          sql: db.sql,
          now,
          log,
          policy: config.reminders.policy,
          complianceChannelId: config.complianceChannelId,
          recipients: reminderRecipients({ config, log, timeoutMs: opts.slackTimeoutMs, logger: log.forBolt() }),
          onDeliveriesEnqueued: (ids) => slack.worker.kick(ids),
          intervalMs: opts.reminders?.intervalMs ?? config.reminders.checkIntervalMs,
          ...(opts.reminders?.firstDelayMs !== undefined ? { firstDelayMs: opts.reminders.firstDelayMs } : {}),
        });
  // Re-screening before renewal (src/services/rescreening.ts): a rule-set version not seen before
  // prompts the screenings the rules name (once per version), and every instance looks for
  // reviews coming up; the claim in the database makes each prompt go out once.
  const reviewContext = { prisma: db.prisma, sql: db.sql, ruleSet, complianceChannelId: config.complianceChannelId, now, log, partyLists, onDeliveriesEnqueued: (ids?: readonly string[]) => slack.worker.kick(ids) };
  await promptAfterNewRuleSet(reviewContext).catch((err: unknown) => log.error("re-screening prompts after a new rule set failed", { error: describeError(err) }));
  const reviews =
    opts.reviewPrompts === false
      ? undefined
      : startReviewPrompts(reviewContext, {
          intervalMs: opts.reviewPrompts?.intervalMs ?? config.reminders.checkIntervalMs,
          firstDelayMs: opts.reviewPrompts?.firstDelayMs ?? opts.reviewPrompts?.intervalMs ?? config.reminders.checkIntervalMs,
        });
  log.info("bot started", {
    mode: config.mode,
    port,
    database: db.kind,
    ...(db.createdFrom ? { newDataFolder: db.createdFrom === "prebuilt" ? "created from the build's empty database" : "created by initdb (no current prebuilt database: run npm run build)" } : {}),
    rules: ruleSet.version.slice(0, 12),
    label: ruleSet.label,
  });
  return {
    port,
    reminders,
    async runDueWork() {
      await reminders?.runNow();
      await reviews?.runNow();
    },
    async stop() {
      stopWatchingDataFolder();
      await reviews?.stop();
      await reminders?.stop();
      await anchor?.stop();
      await slack.stop();
      if (!opts.database) await db.close();
    },
  };
}

/**
 * Posts a published audit-trail head (src/services/audit-anchor.ts) to the compliance channel,
 * with the head as message metadata too. Used by the daily job and `npm run audit:anchor`.
 */
export function slackAnchorPublisher(opts: {
  token: string | undefined;
  channel: string;
  apiUrl?: string | undefined;
  timeoutMs?: number | undefined;
  log?: RedactingLogger;
}): PublishAnchor {
  const client = new webApi.WebClient(opts.token, {
    ...(opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {}),
    // The daily job tries again within the hour; the CLI says it failed.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs ?? 10_000,
    ...(opts.log ? { logger: opts.log.forBolt() } : {}),
  });
  return async (text, metadata) => {
    await client.chat.postMessage({ channel: opts.channel, text, metadata });
  };
}

export class StartupError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join("\n"));
    this.name = "StartupError";
  }
}
