// The baseline: a bare Bolt 5 app on the bot's own HTTP receiver (src/slack/receiver.ts) and Web
// API client options, that answers every request of a screening with what the bot answered and
// makes the same Web API calls, with the same arguments (views, messages, DMs: same size, same
// order), as the bot did for that request, and does nothing else: no database, no rules, no
// rendering, no parsing beyond Bolt's own. What the bot costs beyond this is the bot's own work.
//
// What it replays: before the bot's main run the bench records one screening of each scenario,
// request by request, with the Web API calls the bot made because of each (bench/driver.ts,
// RecordedScript; recorded unhurried, so that every call lands with the request that caused it).
// Replaying, the baseline puts in the live requester, trigger_id, view ids and hashes and the
// escalation message's ts, and its own private_metadata (which replay, which request next). The
// slash command's text names the scenario ("new 3"). So whatever the bot does per step (today:
// /screening → views.open placeholder + views.update first page; page → response_action
// update; review → update + escalation post + DM; decision button → views.open + views.update of
// the modal; decision → clear + chat.update + DM), the baseline does the same.
import { App, LogLevel, webApi } from "@slack/bolt";
import type { RedactingLogger } from "../src/log.js";
import { SlackHttpReceiver } from "../src/slack/receiver.js";
import type { RecordedScript, StepKind } from "./driver.js";

type Json = Record<string, unknown>;

/** A recorded value with its requester's id taken out, to be put back per replay. */
class Template {
  private readonly parts: string[];

  constructor(value: unknown, requester: string) {
    this.parts = JSON.stringify(value ?? null).split(requester);
  }

  fill(requester: string): Json | null {
    return JSON.parse(this.parts.join(requester)) as Json | null;
  }
}

interface ReplayCall {
  method: string;
  args: Template;
  response: { viewId?: string; viewHash?: string; ts?: string };
  /** the escalation post: its ts is the one later steps update */
  escalation: boolean;
}

interface ReplayStep {
  kind: StepKind;
  ack: Template | null;
  calls: ReplayCall[];
}

interface Replay {
  scenario: number;
  steps: ReplayStep[];
}

function compile(s: RecordedScript): Replay {
  const t = (value: unknown) => new Template(value, s.requester);
  return {
    scenario: s.scenario,
    steps: s.steps.map((step) => ({
      kind: step.kind,
      ack: step.ack && Object.keys(step.ack).length > 0 ? t(step.ack) : null,
      calls: step.calls.map((c) => ({ method: c.method, args: t(c.args), response: c.response, escalation: c.method === "chat.postMessage" && c.response.ts === s.escalationTs })),
    })),
  };
}

/** One screening being replayed: its recorded ids mapped to the live ones as they come. */
interface Session {
  replay: Replay;
  requester: string;
  next: number;
  ids: Map<string, string>;
  escalationTs?: string;
}

export interface BaselineOptions {
  signingSecret: string;
  token: string;
  slackApiUrl: string;
  processBeforeResponse: boolean;
  log: RedactingLogger;
  /** one per scenario (by RecordedScript.scenario); a scenario with none replays another */
  scripts: readonly RecordedScript[];
}

export interface RunningBaseline {
  port: number;
  stop(): Promise<void>;
}

/** The scenario the command's text names ("new 3"), else 0. */
function scenarioOf(text: string): number {
  const n = Number(text.trim().split(/\s+/)[1]);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

function readState(privateMetadata: string | undefined): { r: string; n: number } | undefined {
  try {
    const state = JSON.parse(privateMetadata ?? "") as { r?: unknown; n?: unknown };
    return typeof state.r === "string" && typeof state.n === "number" ? { r: state.r, n: state.n } : undefined;
  } catch {
    return undefined;
  }
}

export async function startBaseline(opts: BaselineOptions): Promise<RunningBaseline> {
  if (opts.scripts.length === 0) throw new Error("the baseline has nothing to replay: no screening of the bot was recorded");
  const replays = opts.scripts.map(compile);
  const byScenario = new Map(replays.map((r) => [r.scenario, r]));
  const replayFor = (scenario: number): Replay => byScenario.get(scenario) ?? (replays[scenario % replays.length] as Replay);

  const botLogger = opts.log.forBolt();
  botLogger.setLevel(LogLevel.WARN);
  const receiver = new SlackHttpReceiver({ signingSecret: opts.signingSecret, log: opts.log, processBeforeResponse: opts.processBeforeResponse });
  // The bot's client options (src/slack/app.ts).
  const clientOptions = { slackApiUrl: opts.slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000, logger: botLogger };
  const client = new webApi.WebClient(opts.token, clientOptions);
  const self: { botId?: string; botUserId?: string } = {};
  const app = new App({ receiver, logger: botLogger, authorize: async () => ({ botToken: opts.token, botId: self.botId, botUserId: self.botUserId }), clientOptions });

  /** by live requester */
  const sessions = new Map<string, Session>();
  /** live escalation ts → requester */
  const byTs = new Map<string, string>();

  /** The views it sends carry which session and which request comes next. */
  const withState = (session: Session, args: Json | null): Json => {
    const out = { ...(args ?? {}) };
    const view = out.view;
    if (view && typeof view === "object") out.view = { ...(view as Json), private_metadata: JSON.stringify({ r: session.requester, n: session.next }) };
    return out;
  };

  /** The HTTP answer the bot gave to this request, if it gave one. */
  const ackOf = (session: Session, step: ReplayStep): Json | undefined => (step.ack ? withState(session, step.ack.fill(session.requester)) : undefined);

  /** The Web API calls the bot made for this request, in order, with the live ids put in. */
  async function replayCalls(session: Session, step: ReplayStep, triggerId: string | undefined): Promise<void> {
    for (const call of step.calls) {
      const args = withState(session, call.args.fill(session.requester));
      if (triggerId !== undefined && typeof args.trigger_id === "string") args.trigger_id = triggerId;
      for (const key of ["view_id", "ts", "thread_ts"] as const) {
        const v = args[key];
        if (typeof v === "string") args[key] = session.ids.get(v) ?? v;
      }
      if (typeof args.hash === "string") {
        const live = session.ids.get(args.hash);
        if (live) args.hash = live;
        else delete args.hash;
      }
      try {
        const res = (await client.apiCall(call.method, args)) as { view?: { id?: string; hash?: string }; ts?: string };
        if (call.response.viewId && res.view?.id) session.ids.set(call.response.viewId, res.view.id);
        if (call.response.viewHash && res.view?.hash) session.ids.set(call.response.viewHash, res.view.hash);
        if (call.response.ts && res.ts) session.ids.set(call.response.ts, res.ts);
        if (call.escalation && res.ts) {
          session.escalationTs = res.ts;
          byTs.set(res.ts, session.requester);
        }
      } catch (error) {
        // The bot, too, carries on when Slack refuses; updating a modal already submitted is routine
        // (logged as info, as the bot does), anything else a warning.
        const log = call.method === "views.update" ? opts.log.info.bind(opts.log) : opts.log.warn.bind(opts.log);
        log("replayed call failed", { method: call.method, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  function advance(session: Session): ReplayStep | undefined {
    const step = session.replay.steps[session.next];
    session.next++;
    if (session.next >= session.replay.steps.length) {
      sessions.delete(session.requester);
      if (session.escalationTs) byTs.delete(session.escalationTs);
    }
    return step;
  }

  app.command(/.*/, async ({ ack, command }) => {
    const session: Session = { replay: replayFor(scenarioOf(command.text)), requester: command.user_id, next: 0, ids: new Map() };
    sessions.set(session.requester, session);
    const step = advance(session);
    if (!step) return void (await ack());
    const body = ackOf(session, step);
    await (body ? ack(body as never) : ack());
    await replayCalls(session, step, command.trigger_id);
  });

  app.view({ callback_id: /.*/, type: "view_submission" }, async ({ ack, view }) => {
    const state = readState(view.private_metadata);
    const session = state ? sessions.get(state.r) : undefined;
    const step = session ? advance(session) : undefined;
    if (!session || !step) return void (await ack());
    const body = ackOf(session, step);
    await (body ? ack(body as never) : ack());
    await replayCalls(session, step, undefined);
  });

  app.action(/.*/, async ({ ack, body }) => {
    const ts = body.type === "block_actions" ? body.message?.ts : undefined;
    const requester = ts ? byTs.get(ts) : undefined;
    const session = requester ? sessions.get(requester) : undefined;
    const step = session ? advance(session) : undefined;
    if (!session || !step) return void (await ack());
    const answer = ackOf(session, step);
    await (answer ? ack(answer as never) : ack());
    await replayCalls(session, step, body.type === "block_actions" ? body.trigger_id : undefined);
  });

  app.error(async (error) => {
    opts.log.error("unhandled Slack error", { error: error instanceof Error ? error.message : String(error) });
  });

  // As the bot at start: auth.test once, for the receiver's installation check and Bolt's own ids.
  try {
    const me = await client.auth.test();
    if (me.bot_id) self.botId = me.bot_id;
    if (me.user_id) self.botUserId = me.user_id;
    if (me.team_id) receiver.setInstallation({ teamId: me.team_id, ...(me.app_id ? { appId: me.app_id } : {}) });
  } catch (error) {
    opts.log.warn("auth.test failed at start", { error: error instanceof Error ? error.message : String(error) });
  }
  await app.start(0);
  const port = receiver.port;
  if (port === undefined) throw new Error("the baseline is not listening on a TCP port");
  return { port, stop: () => app.stop().then(() => undefined) };
}
