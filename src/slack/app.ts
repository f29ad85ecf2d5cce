// Builds the Bolt app: receiver (HTTP with /slack/events and /healthz, or Socket Mode), the
// Web API client (pointed at SLACK_API_URL when set), listeners, and the delivery worker.
// Transport only: every listener hands its work to a use case in src/services/.
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Receiver } from "@slack/bolt";
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
import { isWellFormedRequest, requestKind } from "./parse/envelope.js";

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
  let httpReceiver: HTTPReceiver | undefined;
  if (config.mode === "socket") {
    receiver = new SocketModeReceiver({
      appToken: config.slackAppToken ?? "",
      logger: botLogger,
      customRoutes: [healthRoute],
      // Socket Mode needs no public endpoint; /healthz is still served on PORT.
      installerOptions: { port: config.port },
    });
  } else {
    httpReceiver = new HTTPReceiver({
      signingSecret: config.slackSigningSecret ?? "",
      endpoints: "/slack/events",
      customRoutes: [healthRoute],
      processBeforeResponse: opts.processBeforeResponse ?? false,
      logger: botLogger,
      // A listener that throws must not show Slack (or the user) a stack trace; it is logged.
      processEventErrorHandler: async ({ error, response }) => {
        log.error("listener error", { error: describeError(error) });
        if (!response.headersSent) {
          response.writeHead(500);
          response.end();
        }
        return true;
      },
      unhandledRequestHandler: ({ response }) => {
        log.warn("a request from Slack was not acknowledged in time");
        if (!response.headersSent) {
          response.writeHead(404);
          response.end();
        }
      },
    });
    receiver = httpReceiver;
  }

  const app = new App({
    token: config.slackBotToken,
    receiver,
    logger: botLogger,
    // No auth.test at construction: the bot works the same against Slack and its stand-ins.
    tokenVerificationEnabled: false,
    botId: "B0DDBOT",
    botUserId: "U0DDBOT",
    clientOptions: {
      ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
      // The outbox retries deliveries itself; a listener's call must not wait minutes.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      // Without a timeout one stalled connection would hold the delivery worker, and every
      // delivery behind it, until the process restarts; a timed-out call is retried.
      timeout: opts.slackTimeoutMs ?? 10_000,
      logger: botLogger,
    },
  });

  // Before Bolt reads a payload (it reads user, view and actions before any middleware runs, and a
  // missing one would end in a 500): a shape Slack never sends is acknowledged and dropped.
  const processEvent = app.processEvent.bind(app);
  app.processEvent = async (event) => {
    if (!isWellFormedRequest(event.body)) {
      log.warn("ignored a malformed request", { kind: requestKind(event.body) });
      await event.ack();
      return;
    }
    await processEvent(event);
    // A request no listener took (a type, command or id the bot does not know) is answered now
    // rather than by Bolt's 404 three seconds later; a second ack of a handled one is refused.
    await event.ack().catch(() => undefined);
  };

  const worker = startDeliveryWorker({
    prisma: opts.services.prisma,
    client: app.client,
    ruleSet: opts.services.ruleSet,
    log,
    pollMs: opts.deliveryPollMs ?? 1000,
  });
  const services: ServiceContext = { ...opts.services, onDeliveriesEnqueued: () => worker.kick() };
  const approvers = approverDirectory({
    userIds: config.approverUserIds,
    usergroupId: config.approverUsergroupId,
    hardStop: { userIds: config.hardStopApproverUserIds, usergroupId: config.hardStopApproverUsergroupId },
    client: app.client,
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

  return {
    app,
    worker,
    async start(port) {
      if (config.mode === "socket") {
        await app.start();
      } else {
        await app.start(port);
      }
      // Deliveries left pending by an earlier run (or another instance) resume now.
      worker.start();
      return httpReceiver ? boundPort(httpReceiver) : undefined;
    },
    async stop() {
      await worker.stop();
      await app.stop();
    },
  };
}

function boundPort(receiver: HTTPReceiver): number | undefined {
  // HTTPReceiver keeps its node:http server in a private field; read the port through it.
  const server: unknown = Reflect.get(receiver, "server");
  if (server && typeof server === "object" && "address" in server && typeof server.address === "function") {
    const address: unknown = server.address();
    if (address && typeof address === "object" && "port" in address && typeof address.port === "number") return address.port;
  }
  return undefined;
}
