// Simulated people driving complete screenings through correctly signed HTTP requests, the
// way Slack's clients would: a requester types the command, fills and submits every page the
// app shows, submits the review; approvers click a decision button on the message in the
// compliance channel and submit the decision modal. Slack's side is the project's Web API
// stand-in (src/sandbox/slack-api.ts), which runs in another process (the bench's parent): the
// load generator reaches its state through `SlackSide` (bench/load-child.ts carries it over
// IPC), and the latencies that end in a Web API call are measured until the stand-in recorded
// that call, on the machine's monotonic clock (the same in both processes).
//
// Warm-up and steady state: the first `warmUp` screenings (by default one per user: the opening
// burst) are run but not measured; the measured screenings follow on the same users without a
// pause, and users keep going with unmeasured "filler" screenings until the last measured one
// has finished, so every measured request meets the full load. The measurement window runs from
// the first measured screening's start to the last one's end; requests, screenings and the app's
// CPU time are counted over that window. With think time, users' first requests are spread over
// one think time, so they do not all arrive at once.
import type { ApiCall, FakeMessage, FakeView, Json, ResponseActionOutcome, ResponseOrigin } from "../src/sandbox/slack-api.js";
import { newTriggerId, SlackRequestSender, type SlackHttpResponse } from "../src/sandbox/slack-requests.js";
import { fillInputs, findButton, type AnswerInput } from "./fill.js";
import { monotonicMs } from "./protocol.js";

/** The ids a flow is recognised by (the bot's; the baseline answers to the same). */
export interface FlowIds {
  command: string;
  /** callback_id of a questionnaire page, of the review, of the decision modal */
  page: string;
  /** callback_id of a placeholder modal that the app opens first and then replaces with views.update (none: it opens the page itself) */
  loading?: string;
  review: string;
  decision: string;
  approveAction: string;
  complianceChannel: string;
  approvers: readonly string[];
  /** the block id (and answer key) of the decision modal's rationale */
  rationaleBlock: string;
}

export interface PlannedScreening {
  requester: string;
  /** which scenario (bench/scenarios.ts) this is, by index */
  scenario: number;
  /** answers by question id */
  input: Readonly<Record<string, AnswerInput>>;
  /** decisions to send (1 or 2 approvals) */
  approvals: number;
  /** the slash command's text (default "new") */
  commandText?: string;
}

export interface LatencySamples {
  slashToViewsOpen: number[];
  slashToFirstPage: number[];
  pageSubmission: number[];
  finalSubmission: number[];
  finalToEscalationPosted: number[];
  decisionButtonToViewsOpen: number[];
  decisionToChatUpdate: number[];
}

/** A Web API call as the load generator sees it: the keys it is waited for by, when the stand-in recorded it, and its answer. */
export interface WatchedCall {
  keys: string[];
  /** monotonicMs() in the stand-in's process when it recorded the call */
  at: number;
  method: string;
  response: Json | undefined;
}

/** The requests of a screening, in order. */
export type StepKind = "slash" | "page" | "review" | "button" | "decision";

/** A Web API call as the app made it: arguments as sent (token left out), and the ids its answer gave. */
export interface RecordedCall {
  method: string;
  args: Json;
  response: { viewId?: string; viewHash?: string; ts?: string };
}

/** One request of a recorded screening: what the app answered over HTTP, and the Web API calls it made because of it. */
export interface RecordedStep {
  kind: StepKind;
  /** the HTTP response's JSON body (none: an empty 200) */
  ack: Json | undefined;
  calls: RecordedCall[];
}

/** One screening of a scenario as the bot answered it, step by step: the baseline replays it (bench/baseline-app.ts). */
export interface RecordedScript {
  scenario: number;
  /** the requester it was recorded with: replaced by the replaying requester */
  requester: string;
  /** the escalation message's ts when recorded: replaced by the replay's */
  escalationTs: string;
  steps: RecordedStep[];
}

/** Which calls belong to a recorded screening (their arguments name one of `tokens`), and to which of its steps (by time). */
export interface ScriptQuery {
  tokens: string[];
  /** monotonicMs() when each step's request was sent */
  steps: Array<{ kind: StepKind; sentAt: number }>;
}

/** The stand-in's side of a load, wherever the stand-in runs. */
export interface SlackSide {
  /** every Web API call with keys (watchKeys), as the stand-in records it */
  subscribe(listener: (call: WatchedCall) => void): () => void;
  responseUrl(origin?: ResponseOrigin): Promise<string>;
  applyResponseAction(viewId: string, ack: unknown): Promise<ResponseActionOutcome>;
  message(channel: string, ts: string): Promise<FakeMessage | undefined>;
  /** a view as Slack shows it now */
  view(id: string): Promise<FakeView | undefined>;
  /** resolves once no call naming one of `tokens` has come for `quietMs` (recording: a step's calls are all in) */
  settle(tokens: string[], quietMs: number): Promise<void>;
  /** the calls of a recorded screening, per step */
  script(query: ScriptQuery): Promise<RecordedCall[][]>;
}

export interface LoadResult {
  samples: LatencySamples;
  /** measured screenings planned, and those completed */
  screenings: number;
  completed: number;
  /** warm-up screenings run before the measured ones, and filler screenings run (or cut short) after */
  warmUpRun: number;
  fillersRun: number;
  /** failed screenings (any: warm-up, measured, filler), plus views.open calls later than Slack's 3 s trigger_id lifetime */
  errors: number;
  /** views.open later than 3 s after the request whose trigger_id it used (Slack would refuse it) */
  expiredTriggers: number;
  /** of `errors`, those in warm-up and filler screenings */
  unmeasuredErrors: number;
  /** the first errors, verbatim */
  errorSamples: string[];
  /** HTTP requests to the app answered within the measurement window */
  requests: number;
  /** HTTP requests of all kinds sent during the whole load */
  requestsTotal: number;
  /** screenings (of any kind) completed within the window */
  completedInWindow: number;
  /** the measurement window: first measured screening's start to the last one's end */
  wallMs: number;
  /** the whole load, warm-up and fillers included */
  totalMs: number;
  /** HTTP requests per measured screening (its own requests, mean) */
  requestsPerScreening: number;
  /** CPU time of this (load generator) process during the whole load */
  driverCpuMs: number;
  /** recorded screenings, one per scenario (options.record) */
  scripts: RecordedScript[];
}

export interface LoadOptions {
  concurrency: number;
  /** each wait for a Web API call gives up after this long (an error) */
  timeoutMs?: number;
  /** pause between a person's steps; 0 = as fast as the app answers */
  thinkMs?: number;
  /** unmeasured screenings first (default: one per user); 0 measures from the first request */
  warmUp?: number;
  /** keep users busy with unmeasured screenings until the last measured one finishes (default true) */
  sustain?: boolean;
  /** spread users' first requests over this long (default: thinkMs) */
  rampMs?: number;
  /** record each screening step by step (for the baseline), waiting after each step until its calls are in: for an unmeasured pass */
  record?: boolean;
  /** called after each finished measured screening (progress) */
  onProgress?: (done: number, total: number) => void;
  /** called when the measurement window opens and closes */
  onWindow?: (edge: "start" | "end") => void;
}

class BenchError extends Error {}
/** A warm-up or filler screening cut short when the measured ones are done: not an error. */
class Stopped extends Error {}

/** Slack's trigger_id lives about 3 s: a views.open later than that fails with expired_trigger_id. */
export const TRIGGER_LIFETIME_MS = 3_000;

export const escalationKey = (requester: string) => `escalation:${requester}`;

/**
 * The keys a load waits for a Web API call by: views.open by trigger_id, views.update by view id,
 * escalation posts (top-level posts to the compliance channel) by each user they mention,
 * chat.update by message. None: the load does not wait for it.
 */
export function watchKeys(call: ApiCall, complianceChannel: string): string[] {
  const args = call.args;
  if (call.method === "views.open" && typeof args.trigger_id === "string") return [`views.open:${args.trigger_id}`];
  if (call.method === "views.update" && typeof args.view_id === "string") return [`views.update:${args.view_id}`];
  if (call.method === "chat.postMessage" && args.channel === complianceChannel && args.thread_ts === undefined) {
    return [...JSON.stringify(args).matchAll(/<@([UW][A-Z0-9]+)>/g)].map((m) => escalationKey(m[1] ?? ""));
  }
  if (call.method === "chat.update") return [`chat.update:${String(args.channel)}:${String(args.ts)}`];
  return [];
}

/** What the load needs of a watched call's answer: views in full, of the rest only ok/error/channel/ts. */
export function watchedResponse(call: ApiCall): Json | undefined {
  const r = call.response;
  if (!r || call.method === "views.open" || call.method === "views.update") return r;
  const { ok, error, channel, ts } = r;
  return { ok, ...(error !== undefined ? { error } : {}), ...(channel !== undefined ? { channel } : {}), ...(ts !== undefined ? { ts } : {}) };
}

/** Waits for Web API calls by key (watchKeys). */
class CallWatcher {
  private readonly waiters = new Map<string, { resolve: (hit: WatchedCall) => void; timer: NodeJS.Timeout }>();
  /** views.update calls nobody waited for yet (the update can come before its waiter is registered) */
  private readonly early = new Map<string, WatchedCall>();
  private readonly unsubscribe: () => void;

  constructor(slack: SlackSide) {
    this.unsubscribe = slack.subscribe((call) => this.onCall(call));
  }

  /** Register before sending the request that causes the call. */
  expect(key: string, timeoutMs: number): Promise<WatchedCall> {
    const early = this.early.get(key);
    if (early) {
      this.early.delete(key);
      return Promise.resolve(early);
    }
    const hit = new Promise<WatchedCall>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new BenchError(`no ${key.split(":")[0]} call within ${timeoutMs} ms (${key})`));
      }, timeoutMs);
      this.waiters.set(key, {
        timer,
        resolve: (call) => {
          clearTimeout(timer);
          this.waiters.delete(key);
          resolve(call);
        },
      });
    });
    hit.catch(() => undefined);
    return hit;
  }

  close(): void {
    this.unsubscribe();
    for (const w of this.waiters.values()) clearTimeout(w.timer);
    this.waiters.clear();
    this.early.clear();
  }

  private onCall(call: WatchedCall): void {
    for (const key of call.keys) {
      const waiter = this.waiters.get(key);
      if (waiter) waiter.resolve(call);
      else if (key.startsWith("views.update:")) this.early.set(key, call);
    }
  }
}

function responseOk(call: WatchedCall): Json {
  const r = call.response;
  if (!r || r.ok !== true) throw new BenchError(`${call.method} answered ${JSON.stringify(r).slice(0, 300)}`);
  return r;
}

function check(reply: SlackHttpResponse, what: string, expected: string | undefined): void {
  if (reply.status !== 200) throw new BenchError(`${what}: HTTP ${reply.status} ${reply.text.slice(0, 200)}`);
  const action = (reply.json as { response_action?: string } | undefined)?.response_action;
  if (action !== expected) throw new BenchError(`${what}: expected response_action ${expected ?? "(none)"}, got ${reply.text.slice(0, 300)}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Kind = "warm-up" | "measured" | "filler";

/** Runs `plan` (the measured screenings) with `concurrency` simulated people at a time and collects latencies and errors. */
export async function runLoad(slack: SlackSide, appBaseUrl: string, signingSecret: string, ids: FlowIds, plan: readonly PlannedScreening[], opts: LoadOptions): Promise<LoadResult> {
  if (plan.length === 0) throw new Error("nothing to run");
  const sender = new SlackRequestSender(appBaseUrl, signingSecret);
  const watcher = new CallWatcher(slack);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const think = opts.thinkMs ?? 0;
  const users = Math.max(1, opts.concurrency);
  const warmUp = opts.warmUp ?? users;
  const sustain = opts.sustain ?? true;
  const rampMs = opts.rampMs ?? think;
  const samples: LatencySamples = {
    slashToViewsOpen: [],
    slashToFirstPage: [],
    pageSubmission: [],
    finalSubmission: [],
    finalToEscalationPosted: [],
    decisionButtonToViewsOpen: [],
    decisionToChatUpdate: [],
  };
  let windowStart: number | undefined;
  let windowEnd: number | undefined;
  let stop = false;
  let requestsInWindow = 0;
  let requestsTotal = 0;
  let completedInWindow = 0;
  let measuredRequests = 0;
  let completed = 0;
  let measuredFinished = 0;
  let errors = 0;
  let expiredTriggers = 0;
  let warmUpRun = 0;
  let fillersRun = 0;
  const errorSamples: string[] = [];
  let unmeasuredErrors = 0;
  const noteError = (message: string, measured: boolean) => {
    errors++;
    if (!measured) unmeasuredErrors++;
    if (errorSamples.length < 20) errorSamples.push(message);
  };
  const scripts = new Map<number, RecordedScript>();
  /** how long a recorded step's calls must have been quiet before the next step */
  const SETTLE_MS = 200;

  async function screening(p: PlannedScreening, kind: Kind): Promise<void> {
    const measured = kind === "measured";
    const sample = (key: keyof LatencySamples, ms: number) => {
      if (measured) samples[key].push(ms);
    };
    const record = opts.record === true && !scripts.has(p.scenario);
    const steps: Array<{ kind: StepKind; sentAt: number; ack: Json | undefined }> = [];
    const tokens = [p.requester];
    // A warm-up or filler screening stops at its next step once the measured ones are done.
    const step = async (pause: boolean) => {
      if (pause && think > 0) await sleep(think);
      if (stop && !measured) throw new Stopped();
    };
    // Every request to the app goes through here: counted (in the window if answered in it), and
    // when recording, noted with what it answered once its Web API calls are all in.
    const request = async (stepKind: StepKind, sentAt: number, send: () => Promise<SlackHttpResponse>): Promise<SlackHttpResponse> => {
      requestsTotal++;
      if (measured) measuredRequests++;
      const reply = await send();
      if (windowStart !== undefined && windowEnd === undefined) requestsInWindow++;
      if (record) steps.push({ kind: stepKind, sentAt, ack: reply.json as Json | undefined });
      return reply;
    };
    const settle = async () => {
      if (record) await slack.settle(tokens, SETTLE_MS);
    };
    const checkTrigger = (what: string, who: string, latencyMs: number) => {
      // The stand-in does not expire trigger ids; Slack does. Counted, and the screening goes on
      // (so the load keeps its shape), but it is an error: a real person would have seen no modal.
      if (latencyMs <= TRIGGER_LIFETIME_MS) return;
      expiredTriggers++;
      noteError(`${who}: ${what} came ${Math.round(latencyMs)} ms after the request; Slack's trigger_id expires after 3 s (expired_trigger_id)${measured ? "" : ` (${kind})`}`, measured);
    };
    const submitView = (stepKind: StepKind, sentAt: number, user: string, view: FakeView, values: Record<string, unknown>) =>
      request(stepKind, sentAt, () => sender.viewSubmission({ user, view: { ...view, state: { values } } }));

    // 1. /screening new → views.open (a placeholder) → views.update (the first page)
    await step(false);
    const trigger = newTriggerId();
    tokens.push(trigger);
    const responseUrl = await slack.responseUrl();
    const opened = watcher.expect(`views.open:${trigger}`, timeoutMs);
    let t0 = monotonicMs();
    const cmd = await request("slash", t0, () =>
      sender.slashCommand({ command: ids.command, text: p.commandText ?? "new", userId: p.requester, channelId: "C0BENCHGENERAL", triggerId: trigger, responseUrl }),
    );
    if (cmd.status !== 200) throw new BenchError(`slash command: HTTP ${cmd.status} ${cmd.text.slice(0, 200)}`);
    const openHit = await opened;
    sample("slashToViewsOpen", openHit.at - t0);
    checkTrigger("views.open", p.requester, openHit.at - t0);
    let view = responseOk(openHit).view as FakeView;
    tokens.push(view.id);
    if (ids.loading && view.callback_id === ids.loading) {
      const shown = await watcher.expect(`views.update:${view.id}`, timeoutMs);
      sample("slashToFirstPage", shown.at - t0);
      view = responseOk(shown).view as FakeView;
    } else {
      sample("slashToFirstPage", openHit.at - t0);
    }
    await settle();

    // 2. every page
    for (let page = 0; view.callback_id === ids.page; page++) {
      if (page >= 60) throw new BenchError("more than 60 pages: the interview does not end");
      await step(true);
      t0 = monotonicMs();
      const reply = await submitView("page", t0, p.requester, view, fillInputs(view.blocks, p.input));
      sample("pageSubmission", monotonicMs() - t0);
      check(reply, `page ${page + 1} (${String((view as { title?: { text?: string } }).title?.text ?? view.callback_id)})`, "update");
      const outcome = await slack.applyResponseAction(view.id, reply.json);
      if (outcome.kind !== "updated") throw new BenchError(`page ${page + 1}: Slack would not show the next view: ${JSON.stringify(outcome).slice(0, 300)}`);
      view = outcome.view;
      await settle();
    }

    // 3. the review, submitted → result view; escalation posted to the compliance channel
    if (view.callback_id !== ids.review) throw new BenchError(`expected the review, got ${view.callback_id}`);
    await step(true);
    const posted = watcher.expect(escalationKey(p.requester), timeoutMs);
    t0 = monotonicMs();
    const final = await submitView("review", t0, p.requester, view, {});
    sample("finalSubmission", monotonicMs() - t0);
    check(final, "final submission", "update");
    const shown = await slack.applyResponseAction(view.id, final.json);
    if (shown.kind !== "updated") throw new BenchError(`final submission: Slack would not show the result: ${JSON.stringify(shown).slice(0, 300)}`);
    const postHit = await posted;
    sample("finalToEscalationPosted", postHit.at - t0);
    const post = responseOk(postHit);
    const channel = String(post.channel);
    const ts = String(post.ts);
    tokens.push(ts);
    await settle();

    // 4. each approver: button → decision modal → submitted → message updated
    for (let k = 0; k < p.approvals; k++) {
      const approver = ids.approvers[k % ids.approvers.length] ?? "";
      const message = await slack.message(channel, ts);
      if (!message) throw new BenchError(`escalation message ${channel}/${ts} not found`);
      const button = findButton(message.blocks ?? [], ids.approveAction);
      if (!button) throw new BenchError(`no ${ids.approveAction} button on the escalation message (decision ${k + 1})`);
      await step(true);
      const trigger2 = newTriggerId();
      tokens.push(trigger2);
      const clickResponseUrl = await slack.responseUrl({ channel, ts, user: approver });
      const modalOpened = watcher.expect(`views.open:${trigger2}`, timeoutMs);
      t0 = monotonicMs();
      const click = await request("button", t0, () =>
        sender.blockActions({
          user: approver,
          actions: [{ action_id: ids.approveAction, block_id: button.blockId, value: button.value, type: "button" }],
          container: "message",
          channel,
          message,
          triggerId: trigger2,
          responseUrl: clickResponseUrl,
        }),
      );
      if (click.status !== 200) throw new BenchError(`decision button: HTTP ${click.status}`);
      const modalHit = await modalOpened;
      sample("decisionButtonToViewsOpen", modalHit.at - t0);
      checkTrigger("views.open (decision modal)", approver, modalHit.at - t0);
      let modal = responseOk(modalHit).view as FakeView;
      if (modal.callback_id !== ids.decision) throw new BenchError(`expected the decision modal, got ${modal.callback_id}`);
      tokens.push(modal.id);
      await settle();
      // Recording waited for the modal's own updates (if the app sends any): submit it as shown.
      if (record) modal = (await slack.view(modal.id)) ?? modal;
      await step(true);
      const updated = watcher.expect(`chat.update:${channel}:${ts}`, timeoutMs);
      t0 = monotonicMs();
      const decided = await submitView("decision", t0, approver, modal, fillInputs(modal.blocks, { [ids.rationaleBlock]: "Bench: end user vetted, lawful use, safeguards agreed." }, ""));
      check(decided, `decision ${k + 1}`, "clear");
      await slack.applyResponseAction(modal.id, decided.json);
      const updateHit = await updated;
      sample("decisionToChatUpdate", updateHit.at - t0);
      responseOk(updateHit);
      await settle();
    }

    if (record && !scripts.has(p.scenario)) {
      const calls = await slack.script({ tokens, steps: steps.map(({ kind: k, sentAt }) => ({ kind: k, sentAt })) });
      scripts.set(p.scenario, { scenario: p.scenario, requester: p.requester, escalationTs: ts, steps: steps.map((st, i) => ({ kind: st.kind, ack: st.ack, calls: calls[i] ?? [] })) });
    }
  }

  const cpu0 = process.cpuUsage();
  const started = monotonicMs();
  let next = 0;
  const total = warmUp + plan.length;
  const openWindow = () => {
    if (windowStart !== undefined) return;
    windowStart = monotonicMs();
    opts.onWindow?.("start");
  };
  const closeWindow = () => {
    windowEnd = monotonicMs();
    stop = true;
    opts.onWindow?.("end");
  };
  const pick = (s: number): { p: PlannedScreening; kind: Kind } | undefined => {
    const base = plan[s % plan.length];
    if (!base) return undefined;
    if (s < warmUp) return { p: { ...base, requester: `${base.requester}W${s.toString(36).toUpperCase()}` }, kind: "warm-up" };
    if (s < total) return { p: plan[s - warmUp] ?? base, kind: "measured" };
    return { p: { ...base, requester: `${base.requester}F${s.toString(36).toUpperCase()}` }, kind: "filler" };
  };
  const worker = async (user: number) => {
    if (rampMs > 0 && users > 1) await sleep(Math.round((user * rampMs) / users));
    for (;;) {
      if (stop) return;
      const s = next++;
      if (s >= total && !sustain) return;
      const chosen = pick(s);
      if (!chosen) return;
      if (chosen.kind === "measured") openWindow();
      if (chosen.kind === "warm-up") warmUpRun++;
      if (chosen.kind === "filler") fillersRun++;
      try {
        await screening(chosen.p, chosen.kind);
        if (chosen.kind === "measured") completed++;
        if (windowStart !== undefined && windowEnd === undefined) completedInWindow++;
      } catch (err) {
        if (!(err instanceof Stopped)) noteError(`${chosen.p.requester}${chosen.kind === "measured" ? "" : ` (${chosen.kind})`}: ${err instanceof Error ? err.message : String(err)}`, chosen.kind === "measured");
      }
      if (chosen.kind === "measured") {
        measuredFinished++;
        opts.onProgress?.(measuredFinished, plan.length);
        if (measuredFinished === plan.length) closeWindow();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: users }, (_, u) => worker(u)));
  } finally {
    watcher.close();
  }
  const ended = monotonicMs();
  const cpu = process.cpuUsage(cpu0);
  return {
    samples,
    screenings: plan.length,
    completed,
    warmUpRun,
    fillersRun,
    errors,
    unmeasuredErrors,
    expiredTriggers,
    errorSamples,
    requests: requestsInWindow,
    requestsTotal,
    completedInWindow,
    wallMs: (windowEnd ?? ended) - (windowStart ?? started),
    totalMs: ended - started,
    requestsPerScreening: measuredRequests / plan.length,
    driverCpuMs: (cpu.user + cpu.system) / 1000,
    scripts: [...scripts.values()].sort((a, b) => a.scenario - b.scenario),
  };
}
