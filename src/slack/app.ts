// Builds the Bolt app: receiver (HTTP with /slack/events and /healthz, or Socket Mode), the
// Web API client (pointed at SLACK_API_URL when set), listeners, and the delivery worker.
// Transport only: every listener hands its work to a use case in src/services/.
import { App, LogLevel, SocketModeReceiver, webApi, type Receiver } from "@slack/bolt";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "../config/env.js";
import type { RedactingLogger } from "../log.js";
import { describeError } from "../store/errors.js";
import type { ServiceContext } from "../services/context.js";
import { approverDirectory } from "./approvers.js";
import { startDeliveryWorker, type DeliveryWorker } from "./delivery-worker.js";
import { registerDecisionButtons } from "./listeners/actions/decision-buttons.js";
import { registerInterviewNavigation } from "./listeners/actions/interview-navigation.js";
import { registerViewAnswers } from "./listeners/actions/view-answers.js";
import { registerReplyButton } from "./listeners/actions/reply-button.js";
import { registerResolveMatch } from "./listeners/actions/resolve-match.js";
import { registerScreeningCommand } from "./listeners/commands/screening.js";
import { registerAppHome } from "./listeners/events/app-home.js";
import { registerDecisionView } from "./listeners/views/decision.js";
import { registerInterviewViews } from "./listeners/views/interview.js";
import { registerReplyView } from "./listeners/views/reply.js";
import { SlackHttpReceiver } from "./receiver.js";

export interface Health {
  ok: boolean;
  details: Record<string, unknown>;
}

export interface SlackAppOptions {
  config: Pick<
    Config,
    "mode"
    | "port"
    | "slackBotToken"
    | "slackSigningSecret"
    | "slackAppToken"
    | "slackApiUrl"
    | "approverUserIds"
    | "approverUsergroupId"
    | "hardStopApproverUserIds"
    | "hardStopApproverUsergroupId"
  >;
  /** the use-case context, minus the hook the app itself provides */
  services: Omit<ServiceContext, "onDeliveriesEnqueued">;
  log: RedactingLogger;
  health: () => Promise<Health>;
  /** hold the HTTP response until the listener finishes (tests, FaaS) */
  processBeforeResponse?: boolean;
  deliveryPollMs?: number;
  /** how long one Web API call may take (default 10 s) */
  slackTimeoutMs?: number;
}

export interface SlackApp {
  app: App;
  worker: DeliveryWorker;
  /** starts listening (HTTP: on `port`, 0 for any free port) and returns the bound port */
  start(port: number): Promise<number | undefined>;
  stop(): Promise<void>;
}

export function createSlackApp(opts: SlackAppOptions): SlackApp {
  const { config, log } = opts;
  const botLogger = log.forBolt();
  botLogger.setLevel(LogLevel.WARN);

  const healthRoute = {
    path: "/healthz",
    method: ["GET"],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      opts
        .health()
        .catch((): Health => ({ ok: false, details: { database: "error" } }))
        .then((h) => {
          res.writeHead(h.ok ? 200 : 503, { "content-type": "application/json" });
          res.end(JSON.stringify({ ok: h.ok, ...h.details }));
        });
    },
  };

  let receiver: Receiver;
  let httpReceiver: SlackHttpReceiver | undefined;
  if (config.mode === "socket") {
    receiver = new SocketModeReceiver({
      appToken: config.slackAppToken ?? "",
      logger: botLogger,
      customRoutes: [healthRoute],
      // Socket Mode needs no public endpoint; /healthz is still served on PORT.
      installerOptions: { port: config.port },
    });
  } else {
    // Our own receiver rather than Bolt's HTTPReceiver: receiver.ts says why.
    httpReceiver = new SlackHttpReceiver({
      signingSecret: config.slackSigningSecret ?? "",
      log,
      routes: [{ method: "GET", path: healthRoute.path, handler: healthRoute.handler }],
      processBeforeResponse: opts.processBeforeResponse ?? false,
    });
    receiver = httpReceiver;
  }

  const clientOptions = {
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    // The outbox retries deliveries itself; a listener's call must not wait minutes.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    // Without a timeout one stalled connection would hold the delivery worker, and every
    // delivery behind it, until the process restarts; a timed-out call is retried.
    timeout: opts.slackTimeoutMs ?? 10_000,
    logger: botLogger,
  };
  // The bot's own client (delivery worker, approver look-ups, auth.test at start); listeners get
  // Bolt's per-request client, built from the same options and the token `authorize` returns.
  const client = new webApi.WebClient(config.slackBotToken, clientOptions);
  // Who the bot is, from auth.test at start (Bolt's "ignore my own events" needs it). Bolt reads
  // these at construction when given a token, so a token-returning `authorize` hands them over
  // instead; until auth.test answers (or if it fails) they are unknown and nothing is ignored.
  const self: { botId?: string; botUserId?: string } = {};
  const app = new App({
    receiver,
    logger: botLogger,
    authorize: async () => ({ botToken: config.slackBotToken, botId: self.botId, botUserId: self.botUserId }),
    clientOptions,
  });

  const worker = startDeliveryWorker({
    prisma: opts.services.prisma,
    client,
    ruleSet: opts.services.ruleSet,
    log,
    pollMs: opts.deliveryPollMs ?? 1000,
  });
  const services: ServiceContext = { ...opts.services, onDeliveriesEnqueued: () => worker.kick() };
  const approvers = approverDirectory({
    userIds: config.approverUserIds,
    usergroupId: config.approverUsergroupId,
    hardStop: { userIds: config.hardStopApproverUserIds, usergroupId: config.hardStopApproverUsergroupId },
    client,
    log,
  });
  const deps = { services, approvers };

  registerScreeningCommand(app, deps);
  registerInterviewViews(app, deps);
  registerDecisionView(app, deps);
  registerDecisionButtons(app, deps);
  registerViewAnswers(app, deps);
  registerInterviewNavigation(app, deps);
  registerAppHome(app, deps);
  registerReplyButton(app, deps);
  registerReplyView(app, deps);
  registerResolveMatch(app, deps);

  app.error(async (error) => {
    log.error("unhandled Slack error", { error: describeError(error) });
  });

  /** auth.test, once: the installation's team (and app) for the receiver, the bot's own ids for Bolt. */
  async function learnInstallation(): Promise<void> {
    try {
      const me = await client.auth.test();
      if (me.bot_id) self.botId = me.bot_id;
      if (me.user_id) self.botUserId = me.user_id;
      if (me.team_id) httpReceiver?.setInstallation({ teamId: me.team_id, ...(me.app_id ? { appId: me.app_id } : {}) });
    } catch (error) {
      // Slack unreachable for a moment must not keep the bot down: it starts, and requests are not
      // checked against the installation's team until a restart learns it.
      log.warn("auth.test failed at start; requests are not checked against the installation's team", { error: describeError(error) });
    }
  }

  return {
    app,
    worker,
    async start(port) {
      await learnInstallation();
      if (config.mode === "socket") {
        await app.start();
      } else {
        await app.start(port);
      }
      // Deliveries left pending by an earlier run (or another instance) resume now.
      worker.start();
      return httpReceiver?.port;
    },
    async stop() {
      await worker.stop();
      await app.stop();
    },
  };
}
