// Simulated people driving complete screenings through correctly signed HTTP requests, the
// way Slack's clients would: a requester types the command, fills and submits every page the
// app shows, submits the review; approvers click a decision button on the message in the
// compliance channel and submit the decision modal. Slack's side is the project's Web API
// stand-in (src/sandbox/slack-api.ts): views live there, and the latencies that end in a Web
// API call are measured until the stand-in records that call (its subscribe() hook).
import { performance } from "node:perf_hooks";
import type { ApiCall, FakeSlackApi, FakeSlackEvent, FakeView } from "../src/sandbox/slack-api.js";
import { newTriggerId, SlackRequestSender, type SlackHttpResponse } from "../src/sandbox/slack-requests.js";
import { fillInputs, findButton, type AnswerInput } from "./fill.js";

/** The ids a flow is recognised by: the bot's own, or the baseline's. */
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
  /** answers by question id (bot) or block id suffix (baseline) */
  input: Readonly<Record<string, AnswerInput>>;
  /** decisions to send (1 or 2 approvals) */
  approvals: number;
  /** pages the transaction goes through; the baseline submits this many */
  pages: number;
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

export interface LoadResult {
  samples: LatencySamples;
  screenings: number;
  completed: number;
  /** screenings that failed, plus views.open calls later than Slack's 3 s trigger_id lifetime */
  errors: number;
  /** views.open later than 3 s after the request whose trigger_id it used (Slack would refuse it) */
  expiredTriggers: number;
  /** the first errors, verbatim */
  errorSamples: string[];
  requests: number;
  wallMs: number;
  /** CPU time of this (load generator + Slack stand-in) process during the load */
  driverCpuMs: number;
}

export interface LoadOptions {
  concurrency: number;
  /** each wait for a Web API call gives up after this long (an error) */
  timeoutMs?: number;
  /** pause between a person's steps; 0 = as fast as the app answers */
  thinkMs?: number;
  /** baseline: its page never changes, so submit `pages` pages, then the review */
  fixedPages?: boolean;
  /** called after each finished screening (progress) */
  onProgress?: (done: number, total: number) => void;
}

interface Hit {
  at: number;
  call: ApiCall;
}

class BenchError extends Error {}

/** Slack's trigger_id lives about 3 s: a views.open later than that fails with expired_trigger_id. */
export const TRIGGER_LIFETIME_MS = 3_000;

/** Waits for Web API calls by key: views.open by trigger_id, escalation posts by requester, chat.update by message. */
class CallWatcher {
  private readonly waiters = new Map<string, { resolve: (hit: Hit) => void; timer: NodeJS.Timeout }>();
  /** views.update calls nobody waited for yet (the update can come before its waiter is registered) */
  private readonly early = new Map<string, Hit>();
  private readonly unsubscribe: () => void;

  constructor(
    api: FakeSlackApi,
    private readonly complianceChannel: string,
  ) {
    this.unsubscribe = api.subscribe((event) => this.onEvent(event));
  }

  /** Register before sending the request that causes the call. */
  expect(key: string, timeoutMs: number): Promise<Hit> {
    const early = this.early.get(key);
    if (early) {
      this.early.delete(key);
      return Promise.resolve(early);
    }
    return new Promise<Hit>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new BenchError(`no ${key.split(":")[0]} call within ${timeoutMs} ms (${key})`));
      }, timeoutMs);
      this.waiters.set(key, {
        timer,
        resolve: (hit) => {
          clearTimeout(timer);
          this.waiters.delete(key);
          resolve(hit);
        },
      });
    });
  }

  close(): void {
    this.unsubscribe();
    for (const w of this.waiters.values()) clearTimeout(w.timer);
    this.waiters.clear();
    this.early.clear();
  }

  private onEvent(event: FakeSlackEvent): void {
    if (event.kind !== "call") return;
    const at = performance.now();
    const call = event.call;
    const args = call.args;
    const keys: string[] = [];
    if (call.method === "views.open" && typeof args.trigger_id === "string") keys.push(`views.open:${args.trigger_id}`);
    else if (call.method === "views.update" && typeof args.view_id === "string") {
      const key = `views.update:${args.view_id}`;
      if (!this.waiters.has(key)) this.early.set(key, { at, call });
      keys.push(key);
    }
    else if (call.method === "chat.postMessage" && args.channel === this.complianceChannel && args.thread_ts === undefined) {
      for (const m of JSON.stringify(args).matchAll(/<@([UW][A-Z0-9]+)>/g)) keys.push(`escalation:${m[1]}`);
    } else if (call.method === "chat.update") keys.push(`chat.update:${String(args.channel)}:${String(args.ts)}`);
    for (const key of keys) this.waiters.get(key)?.resolve({ at, call });
  }
}

export const escalationKey = (requester: string) => `escalation:${requester}`;

function responseOk(call: ApiCall): Record<string, unknown> {
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

/** Runs `plan` with `concurrency` simulated people at a time and collects latencies and errors. */
export async function runLoad(api: FakeSlackApi, appBaseUrl: string, signingSecret: string, ids: FlowIds, plan: readonly PlannedScreening[], opts: LoadOptions): Promise<LoadResult> {
  const sender = new SlackRequestSender(appBaseUrl, signingSecret);
  const watcher = new CallWatcher(api, ids.complianceChannel);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const think = opts.thinkMs ?? 0;
  const samples: LatencySamples = {
    slashToViewsOpen: [],
    slashToFirstPage: [],
    pageSubmission: [],
    finalSubmission: [],
    finalToEscalationPosted: [],
    decisionButtonToViewsOpen: [],
    decisionToChatUpdate: [],
  };
  let requests = 0;
  let completed = 0;
  let errors = 0;
  let expiredTriggers = 0;
  const errorSamples: string[] = [];
  const noteError = (message: string) => {
    errors++;
    if (errorSamples.length < 20) errorSamples.push(message);
  };
  // The stand-in does not expire trigger ids; Slack does. Counted, and the screening goes on
  // (so the load keeps its shape), but it is an error: a real person would have seen no modal.
  const checkTrigger = (what: string, requester: string, latencyMs: number) => {
    if (latencyMs <= TRIGGER_LIFETIME_MS) return;
    expiredTriggers++;
    noteError(`${requester}: ${what} came ${Math.round(latencyMs)} ms after the request; Slack's trigger_id expires after 3 s (expired_trigger_id)`);
  };
  const pause = async () => {
    if (think > 0) await sleep(think);
  };

  const submitView = async (user: string, view: FakeView, values: Record<string, unknown>, callbackId?: string) => {
    requests++;
    return sender.viewSubmission({ user, view: { ...view, ...(callbackId ? { callback_id: callbackId } : {}), state: { values } } });
  };

  async function screening(p: PlannedScreening): Promise<void> {
    // 1. /screening new → views.open
    const trigger = newTriggerId();
    const opened = watcher.expect(`views.open:${trigger}`, timeoutMs);
    opened.catch(() => undefined);
    let t0 = performance.now();
    requests++;
    const cmd = await sender.slashCommand({ command: ids.command, text: "new", userId: p.requester, channelId: "C0BENCHGENERAL", triggerId: trigger, responseUrl: api.responseUrl() });
    if (cmd.status !== 200) throw new BenchError(`slash command: HTTP ${cmd.status} ${cmd.text.slice(0, 200)}`);
    const openHit = await opened;
    samples.slashToViewsOpen.push(openHit.at - t0);
    checkTrigger("views.open", p.requester, openHit.at - t0);
    let view = responseOk(openHit.call).view as FakeView;
    if (ids.loading && view.callback_id === ids.loading) {
      // the placeholder is replaced by the first page once the screening is created
      const shown = await watcher.expect(`views.update:${view.id}`, timeoutMs);
      samples.slashToFirstPage.push(shown.at - t0);
      view = responseOk(shown.call).view as FakeView;
    } else {
      samples.slashToFirstPage.push(openHit.at - t0);
    }

    // 2. every page
    for (let page = 0; ; page++) {
      if (opts.fixedPages ? page >= p.pages : view.callback_id !== ids.page) break;
      if (page >= 60) throw new BenchError("more than 60 pages: the interview does not end");
      await pause();
      t0 = performance.now();
      const reply = await submitView(p.requester, view, fillInputs(view.blocks, p.input));
      samples.pageSubmission.push(performance.now() - t0);
      check(reply, `page ${page + 1} (${String((view.title as { text?: string } | undefined)?.text ?? view.callback_id)})`, "update");
      const outcome = api.applyResponseAction(view.id, reply.json);
      if (outcome.kind !== "updated") throw new BenchError(`page ${page + 1}: Slack would not show the next view: ${JSON.stringify(outcome).slice(0, 300)}`);
      view = outcome.view;
    }

    // 3. the review, submitted → result view; escalation posted to the compliance channel
    if (!opts.fixedPages && view.callback_id !== ids.review) throw new BenchError(`expected the review, got ${view.callback_id}`);
    await pause();
    const posted = watcher.expect(escalationKey(p.requester), timeoutMs);
    posted.catch(() => undefined);
    t0 = performance.now();
    const final = await submitView(p.requester, view, {}, opts.fixedPages ? ids.review : undefined);
    samples.finalSubmission.push(performance.now() - t0);
    check(final, "final submission", "update");
    const shown = api.applyResponseAction(view.id, final.json);
    if (shown.kind !== "updated") throw new BenchError(`final submission: Slack would not show the result: ${JSON.stringify(shown).slice(0, 300)}`);
    const postHit = await posted;
    samples.finalToEscalationPosted.push(postHit.at - t0);
    const post = responseOk(postHit.call);
    const channel = String(post.channel);
    const ts = String(post.ts);

    // 4. each approver: button → decision modal → submitted → message updated
    for (let k = 0; k < p.approvals; k++) {
      const approver = ids.approvers[k % ids.approvers.length] ?? "";
      const message = api.message(channel, ts);
      if (!message) throw new BenchError(`escalation message ${channel}/${ts} not found`);
      const button = findButton(message.blocks ?? [], ids.approveAction);
      if (!button) throw new BenchError(`no ${ids.approveAction} button on the escalation message (decision ${k + 1})`);
      await pause();
      const trigger2 = newTriggerId();
      const modalOpened = watcher.expect(`views.open:${trigger2}`, timeoutMs);
      modalOpened.catch(() => undefined);
      t0 = performance.now();
      requests++;
      const click = await sender.blockActions({
        user: approver,
        actions: [{ action_id: ids.approveAction, block_id: button.blockId, value: button.value, type: "button" }],
        container: "message",
        channel,
        message,
        triggerId: trigger2,
        responseUrl: api.responseUrl(undefined, { channel, ts, user: approver }),
      });
      if (click.status !== 200) throw new BenchError(`decision button: HTTP ${click.status}`);
      const modalHit = await modalOpened;
      samples.decisionButtonToViewsOpen.push(modalHit.at - t0);
      checkTrigger("views.open (decision modal)", approver, modalHit.at - t0);
      const modal = responseOk(modalHit.call).view as FakeView;
      if (modal.callback_id !== ids.decision) throw new BenchError(`expected the decision modal, got ${modal.callback_id}`);
      await pause();
      const updated = watcher.expect(`chat.update:${channel}:${ts}`, timeoutMs);
      updated.catch(() => undefined);
      t0 = performance.now();
      const decided = await submitView(approver, modal, fillInputs(modal.blocks, { [ids.rationaleBlock]: "Bench: end user vetted, lawful use, safeguards agreed." }, ""));
      check(decided, `decision ${k + 1}`, "clear");
      api.applyResponseAction(modal.id, decided.json);
      const updateHit = await updated;
      samples.decisionToChatUpdate.push(updateHit.at - t0);
      responseOk(updateHit.call);
    }
  }

  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  let finished = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const p = plan[i];
      if (!p) return;
      try {
        await screening(p);
        completed++;
      } catch (err) {
        noteError(`${p.requester}: ${err instanceof Error ? err.message : String(err)}`);
      }
      opts.onProgress?.(++finished, plan.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
  } finally {
    watcher.close();
  }
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  return { samples, screenings: plan.length, completed, errors, expiredTriggers, errorSamples, requests, wallMs, driverCpuMs: (cpu.user + cpu.system) / 1000 };
}
