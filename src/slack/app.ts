// Builds the Bolt app: receiver (HTTP with /slack/events and /healthz, or Socket Mode), the
// Web API client (pointed at SLACK_API_URL when set), the global middleware and the listener
// tables (listeners/index.ts), and the delivery worker.
// Transport only: every listener hands its work to a use case in src/services/.
import {
  App,
  LogLevel,
  SocketModeReceiver,
  webApi,
  type AnyMiddlewareArgs,
  type BlockButtonAction,
  type Middleware,
  type Receiver,
  type ViewClosedAction,
  type ViewSubmitAction,
} from "@slack/bolt";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "../config/env.js";
import type { RedactingLogger } from "../log.js";
import { describeError } from "../log-safe.js";
import type { ServiceContext } from "../services/context.js";
import { approverDirectory } from "./approvers.js";
import { startDeliveryWorker, type DeliveryWorker } from "./delivery-worker.js";
import type { SlackDeps } from "./context.js";
import { ACTIONS, buttonListeners, COMMANDS, EVENTS, SHORTCUTS, VIEWS, viewListeners } from "./listeners/index.js";
import { shedLateRequests, startRequestBudget } from "./listeners/middleware.js";
import { REQUEST_BUDGET_MS, SlackHttpReceiver } from "./receiver.js";
import { webApiTransport } from "./web-api-transport.js";
import { BotWebClient } from "./web-client.js";

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
  /**
   * how long after its arrival a request may still start a commit (default REQUEST_BUDGET_MS);
   * past it the use case refuses "busy", and a request that waited that long before any work is
   * answered "busy" at once (services/request-budget.ts, listeners/middleware.ts)
   */
  requestBudgetMs?: number;
}

export interface SlackApp {
  app: App;
  worker: DeliveryWorker;
  /** starts listening (HTTP: on `port`, 0 for any free port) and returns the bound port */
  start(port: number): Promise<number | undefined>;
  stop(): Promise<void>;
}

/** The listener tables (listeners/index.ts), registered with Bolt. */
export function registerListeners(app: App, deps: SlackDeps, client?: webApi.WebClient): void {
  // Listeners call Slack with the bot's own client (web-client.ts) rather than the one Bolt builds
  // per request from the same token and options; without one (tests), Bolt's.
  const own = <A extends { client: webApi.WebClient }>(args: A): A => (client ? { ...args, client } : args);
  for (const { command, listener } of COMMANDS) app.command(command, (args) => listener(own(args), deps));
  // Buttons and modals: one Bolt listener per surface, routed through its table (listeners/index.ts
  // says why). Every listener the table names for the request runs, as Bolt would run them; none
  // named, nothing runs, as with no matching Bolt listener.
  const buttons = buttonListeners(ACTIONS);
  app.action<BlockButtonAction>({ type: "block_actions" }, async (args) => {
    await Promise.all(buttons(args.action.action_id).map((listener) => listener(own(args), deps)));
  });
  const submitted = viewListeners(VIEWS, "view_submission");
  app.view<ViewSubmitAction>({ type: "view_submission" }, async (args) => {
    await Promise.all(submitted(args.view.callback_id).map((listener) => listener(args, deps)));
  });
  const closed = viewListeners(VIEWS, "view_closed");
  app.view<ViewClosedAction>({ type: "view_closed" }, async (args) => {
    await Promise.all(closed(args.view.callback_id).map((listener) => listener(args, deps)));
  });
  for (const { event, listener } of EVENTS) app.event(event, (args) => listener(own(args), deps));
  for (const { callbackId, listener } of SHORTCUTS) app.shortcut({ callback_id: callbackId }, (args) => listener(own(args), deps));
}

/** A dispatch step (listeners/middleware.ts) as Bolt global middleware. */
function asMiddleware(step: (args: AnyMiddlewareArgs & { client: webApi.WebClient; next: () => Promise<void> }) => Promise<void>): Middleware<AnyMiddlewareArgs> {
  return (args) => step(args);
}

export function createSlackApp(opts: SlackAppOptions): SlackApp {
  const { config, log } = opts;
  const requestBudgetMs = opts.requestBudgetMs ?? REQUEST_BUDGET_MS;
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
      requestBudgetMs,
    });
    receiver = httpReceiver;
  }

  const transport = webApiTransport();
  const clientOptions = {
    // Keep-alive node:http instead of the global fetch for Web API calls (web-api-transport.ts).
    fetch: transport.fetch,
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    // The outbox retries deliveries itself; a listener's call must not wait minutes.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    // Without a timeout one stalled connection would hold the delivery worker, and every
    // delivery behind it, until the process restarts; a timed-out call is retried.
    timeout: opts.slackTimeoutMs ?? 10_000,
    logger: botLogger,
  };
  // The bot's own client (listeners, delivery worker, approver look-ups, auth.test at start):
  // WebClient with a shorter path for ordinary calls (web-client.ts).
  const client = new BotWebClient(config.slackBotToken, {
    fetch: transport.fetch,
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    timeout: clientOptions.timeout,
    logger: botLogger,
  });
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
    sql: opts.services.sql,
    client,
    ruleSet: opts.services.ruleSet,
    log,
    pollMs: opts.deliveryPollMs ?? 1000,
  });
  const services: ServiceContext = { ...opts.services, onDeliveriesEnqueued: (ids) => worker.kick(ids) };
  const approvers = approverDirectory({
    userIds: config.approverUserIds,
    usergroupId: config.approverUsergroupId,
    hardStop: { userIds: config.hardStopApproverUserIds, usergroupId: config.hardStopApproverUsergroupId },
    client,
    log,
  });
  const deps: SlackDeps = { services, approvers };

  // Over HTTP the receiver starts each request's clock at arrival; Socket Mode has no receiver of ours.
  if (config.mode === "socket") app.use(asMiddleware(startRequestBudget(requestBudgetMs)));
  app.use(asMiddleware(shedLateRequests(log)));
  registerListeners(app, deps, client);

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
      transport.close();
    },
  };
}
