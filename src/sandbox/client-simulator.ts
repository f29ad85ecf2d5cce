// What Slack's client app does for each person in the sandbox. The page (web-server.ts) says
// what a person did: typed a slash command, clicked a button, submitted or closed a modal,
// opened the Home tab. This turns each into the request Slack would send (signed, over HTTP,
// to the bot's /slack/events, with a trigger_id the fake Web API accepts and a response_url on
// the fake) and applies the bot's HTTP answer as Slack would: a slash command's reply becomes
// an ephemeral message, a view_submission's response_action updates, pushes, clears or marks
// fields with errors. What the bot then does through the Web API (views.open, chat.postMessage,
// chat.update, views.publish) lands in the fake workspace, which the page reads back.
import { createHash } from "node:crypto";
import type { FakeMessage, FakeView, Json } from "./fake-workspace.js";
import { slackTimestamp } from "./ids.js";
import { BOT_DISPLAY_NAME, COMPLIANCE_CHANNEL_NAME, SANDBOX_PERSONS, type SandboxPerson } from "./people.js";
import type { FakeSlackApi, FakeSlackEvent } from "./slack-api.js";
import { newTriggerId, SlackRequestSender, type ActionInput, type SlackHttpResponse, type UserRef } from "./slack-requests.js";
import { buildViewState, type FormValues } from "./view-state.js";

export const SLASH_COMMAND = "/screening";

export interface ClientResult {
  ok: boolean;
  /** why nothing happened, in words for the person */
  message?: string;
}

/** Something Slack's client (or the sandbox) tells one person, shown like an ephemeral from Slackbot. */
interface Notice {
  key: string;
  channel: string | null;
  text: string;
  ts: string;
}

interface PersonState {
  /** root view id of the modal stack this person has open */
  modalRoot: string | null;
  /** field errors shown under the inputs of one version of one view */
  errors: { viewId: string; hash: string; errors: Record<string, string>; fromClient: boolean } | null;
  /** a banner inside the modal: the app did not answer, or Slack refused its answer */
  problem: { viewId: string; hash: string; text: string } | null;
  notices: Notice[];
  dismissed: Set<string>;
}

export interface TrafficEntry {
  at: number;
  /** "to-bot": a signed request to /slack/events; "to-slack": a Web API call or response_url post from the bot */
  direction: "to-bot" | "to-slack";
  label: string;
  ok: boolean;
  detail: string;
}

export interface PageMessage {
  ts: string;
  user: string;
  text: string;
  blocks: unknown[];
  edited: boolean;
  replies: PageMessage[];
}

export interface PageEphemeral {
  key: string;
  ts: string;
  /** the bot, or Slackbot for what Slack's client says itself */
  from: "bot" | "slackbot";
  text: string;
  blocks: unknown[];
}

export interface PageView {
  id: string;
  hash: string;
  type: string;
  title: unknown;
  submit: unknown;
  close: unknown;
  callback_id: string;
  blocks: unknown[];
}

export interface PageState {
  version: number;
  me: SandboxPerson;
  people: readonly SandboxPerson[];
  bot: { id: string; name: string };
  /** user id → display name, for <@U…> mentions */
  names: Record<string, string>;
  channel: { id: string; name: string };
  dmChannel: string;
  conversations: Record<string, { messages: PageMessage[]; ephemerals: PageEphemeral[] }>;
  /** notices not tied to a conversation */
  banners: PageEphemeral[];
  home: PageView | null;
  modal: { view: PageView; depth: number; errors: Record<string, string>; problem: string | null } | null;
  traffic: TrafficEntry[];
}

export interface ClientSimulatorOptions {
  api: FakeSlackApi;
  /** base URL of the bot, e.g. http://127.0.0.1:3000 */
  botUrl: string;
  signingSecret: string;
  complianceChannelId: string;
  people?: readonly SandboxPerson[];
  /** the workspace's time in milliseconds (the sandbox clock, which the page can move forward); default Date.now */
  now?: () => number;
}

const TRAFFIC_KEPT = 60;
const TRIGGERS_KEPT = 500;

export class ClientSimulator {
  private readonly api: FakeSlackApi;
  private readonly sender: SlackRequestSender;
  private readonly people: readonly SandboxPerson[];
  private readonly complianceChannelId: string;
  private readonly persons = new Map<string, PersonState>();
  /** trigger_id → the person whose action produced it, to know whose screen a views.open is for */
  private readonly triggers = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  private readonly traffic: TrafficEntry[] = [];
  private readonly unsubscribe: () => void;
  private version = 0;
  private counter = 0;
  private readonly now: () => number;

  constructor(opts: ClientSimulatorOptions) {
    this.api = opts.api;
    this.now = opts.now ?? Date.now;
    this.sender = new SlackRequestSender(opts.botUrl, opts.signingSecret);
    this.people = opts.people ?? SANDBOX_PERSONS;
    this.complianceChannelId = opts.complianceChannelId;
    for (const p of this.people) {
      this.persons.set(p.id, { modalRoot: null, errors: null, problem: null, notices: [], dismissed: new Set() });
    }
    this.unsubscribe = this.api.subscribe((event) => this.onSlackEvent(event));
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  /** Called whenever anything a page shows may have changed; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  isPerson(userId: string): boolean {
    return this.persons.has(userId);
  }

  // ---- what people do ---------------------------------------------------------------------

  /** The message box: a slash command, or a message in a channel or thread. */
  async typeMessage(userId: string, channel: string, text: string, threadTs?: string): Promise<ClientResult> {
    const me = this.person(userId);
    const conversation = this.conversationName(userId, channel);
    if (conversation === undefined) return { ok: false, message: "That conversation is not open to you." };
    const trimmed = text.trim();
    if (trimmed === "") return { ok: false, message: "Type something first." };
    if (trimmed.startsWith("/") && threadTs === undefined) return this.slashCommand(me, channel, trimmed);
    // In the app's Messages tab too (manifest: messages_tab_read_only_enabled false): the message
    // lands in the DM, and the bot, which subscribes to no message events, does not answer it.
    this.api.workspace.postAsUser(channel, userId, escapeForSlack(trimmed), threadTs);
    this.changed();
    return { ok: true };
  }

  /** A button on a message (top level or in a thread) or on an ephemeral message. */
  async clickMessageButton(userId: string, args: { channel: string; ts: string; blockIndex: number; blockId?: string | undefined; actionId: string; ephemeral?: boolean }): Promise<ClientResult> {
    const me = this.person(userId);
    if (this.conversationName(userId, args.channel) === undefined) return { ok: false, message: "That conversation is not open to you." };
    let blocks: unknown[];
    let message: { ts: string };
    if (args.ephemeral) {
      const eph = this.api.ephemerals({ user: userId, channel: args.channel }).find((e) => e.message_ts === args.ts);
      if (!eph) return { ok: false, message: "That message is gone." };
      blocks = eph.blocks ?? [];
      const ephemeralMessage = { ts: eph.message_ts, text: eph.text, blocks };
      message = ephemeralMessage;
    } else {
      const found = this.api.message(args.channel, args.ts);
      if (!found) return { ok: false, message: "That message is gone." };
      blocks = found.blocks ?? [];
      message = found;
    }
    const action = findAction(blocks, args);
    if (!action) return { ok: false, message: "That button is no longer there: the message has changed." };
    const responseId = this.nextId("btn");
    const responseUrl = this.api.responseUrl(responseId, { channel: args.channel, ...(args.ephemeral ? {} : { ts: args.ts }), user: userId });
    const reply = await this.deliver(`block_actions ${action.action_id}`, () =>
      this.sender.blockActions({
        user: this.userRef(me),
        actions: [action],
        container: "message",
        channel: { id: args.channel, name: this.channelName(args.channel) },
        message,
        isEphemeral: args.ephemeral === true,
        triggerId: this.newTrigger(userId),
        responseUrl,
      }),
    );
    return this.expectAck(userId, args.channel, reply);
  }

  /** A button inside a modal (with what is filled in so far) or on the Home tab. */
  async clickViewButton(userId: string, args: { viewId: string; blockIndex: number; blockId?: string | undefined; actionId: string; values?: FormValues }): Promise<ClientResult> {
    const me = this.person(userId);
    const view = this.ownView(userId, args.viewId);
    if (!view) return { ok: false, message: "That view is no longer open." };
    const action = findAction(view.blocks, args);
    if (!action) return { ok: false, message: "That button is no longer there: the view has changed." };
    const state = view.type === "modal" ? { values: buildViewState(view, args.values ?? {}).values } : { values: {} };
    const reply = await this.deliver(`block_actions ${action.action_id}`, () =>
      this.sender.blockActions({
        user: this.userRef(me),
        actions: [action],
        container: "view",
        view: { ...view, state },
        triggerId: this.newTrigger(userId),
      }),
    );
    if (reply.status !== 200 && view.type === "modal") {
      this.setProblem(userId, view, trouble(reply));
      return { ok: false };
    }
    return this.expectAck(userId, null, reply);
  }

  /** The modal's submit button. */
  async submitView(userId: string, viewId: string, form: FormValues): Promise<ClientResult> {
    const me = this.person(userId);
    const state = this.state(userId);
    const view = this.topModal(userId);
    if (!view || view.id !== viewId) return { ok: false, message: "That form is no longer open." };
    const built = buildViewState(view, form, { validate: true });
    if (Object.keys(built.errors).length > 0) {
      state.errors = { viewId, hash: view.hash, errors: built.errors, fromClient: true };
      this.changed();
      return { ok: false };
    }
    state.errors = null;
    state.problem = null;
    const reply = await this.deliver(`view_submission ${view.callback_id || "(no callback_id)"}`, () =>
      this.sender.viewSubmission({
        user: this.userRef(me),
        view: { ...view, state: { values: built.values } },
        triggerId: this.newTrigger(userId),
      }),
    );
    if (reply.status !== 200) {
      this.setProblem(userId, view, trouble(reply));
      return { ok: false };
    }
    const outcome = this.api.applyResponseAction(viewId, reply.json ?? {});
    switch (outcome.kind) {
      case "errors":
        state.errors = { viewId, hash: view.hash, errors: outcome.errors, fromClient: false };
        break;
      case "refused":
        this.setProblem(userId, view, `Slack refused the app's answer (${outcome.error}). ${outcome.messages.join(" ")}`.trim());
        break;
      default:
        break;
    }
    this.syncModal(userId);
    this.changed();
    return { ok: outcome.kind !== "refused" && outcome.kind !== "errors" };
  }

  /** The modal's close button: closes the top view and, when it asked for it, tells the bot. */
  async closeView(userId: string, viewId: string, form: FormValues = {}): Promise<ClientResult> {
    const me = this.person(userId);
    const view = this.topModal(userId);
    if (!view || view.id !== viewId) return { ok: false, message: "That form is no longer open." };
    this.api.workspace.closeView(viewId);
    this.syncModal(userId);
    this.changed();
    if (!view.notify_on_close) return { ok: true };
    const reply = await this.deliver(`view_closed ${view.callback_id || "(no callback_id)"}`, () =>
      this.sender.viewClosed({ user: this.userRef(me), view: { ...view, state: { values: buildViewState(view, form).values } } }),
    );
    return { ok: reply.status === 200 };
  }

  /** Opening the app's Home tab: Slack sends app_home_opened; the bot publishes the view. */
  async openHome(userId: string): Promise<ClientResult> {
    this.person(userId);
    const home = this.api.homeOf(userId);
    const reply = await this.deliver("event app_home_opened", () =>
      this.sender.event({ type: "app_home_opened", user: userId, tab: "home", channel: this.dmChannelOf(userId), ...(home ? { view: home } : {}) }),
    );
    return { ok: reply.status === 200, ...(reply.status === 200 ? {} : { message: `The app answered HTTP ${reply.status}.` }) };
  }

  dismiss(userId: string, key: string): void {
    this.state(userId).dismissed.add(key);
    this.changed();
  }

  // ---- what a page shows ------------------------------------------------------------------

  pageState(userId: string): PageState {
    const me = this.person(userId);
    const state = this.state(userId);
    const dm = this.dmChannelOf(userId);
    const names: Record<string, string> = { [this.api.identity.botUserId]: BOT_DISPLAY_NAME };
    for (const p of this.people) names[p.id] = p.realName;

    const ephemerals = this.api.ephemerals({ user: userId }).map(
      (e): PageEphemeral & { channel: string } => ({
        key: `${e.via}:${e.message_ts}`,
        ts: e.message_ts,
        from: "bot",
        text: e.text,
        blocks: e.blocks ?? [],
        channel: e.channel,
      }),
    );
    const notices = state.notices.map((n): PageEphemeral & { channel: string | null } => ({ key: n.key, ts: n.ts, from: "slackbot", text: n.text, blocks: [], channel: n.channel }));
    const visible = [...ephemerals, ...notices].filter((e) => !state.dismissed.has(e.key));
    const conversation = (channel: string) => ({
      messages: this.api.messages(channel).map(pageMessage),
      ephemerals: visible.filter((e) => e.channel === channel).map(stripChannel).sort(byTs),
    });

    const top = this.topModal(userId);
    let modal: PageState["modal"] = null;
    if (top) {
      const errors = state.errors && state.errors.viewId === top.id && state.errors.hash === top.hash ? state.errors.errors : {};
      const problem = state.problem && state.problem.viewId === top.id && state.problem.hash === top.hash ? state.problem.text : null;
      modal = { view: pageView(top), depth: state.modalRoot ? this.api.workspace.modalStack(state.modalRoot).length : 1, errors, problem };
    }
    const home = this.api.homeOf(userId);
    return {
      version: this.version,
      me,
      people: this.people,
      bot: { id: this.api.identity.botUserId, name: BOT_DISPLAY_NAME },
      names,
      channel: { id: this.complianceChannelId, name: COMPLIANCE_CHANNEL_NAME },
      dmChannel: dm,
      conversations: { [this.complianceChannelId]: conversation(this.complianceChannelId), [dm]: conversation(dm) },
      banners: visible.filter((e) => e.channel === null || (e.channel !== dm && e.channel !== this.complianceChannelId)).map(stripChannel).sort(byTs),
      home: home ? pageView(home) : null,
      modal,
      traffic: [...this.traffic].reverse(),
    };
  }

  // ---- internals --------------------------------------------------------------------------

  private async slashCommand(me: SandboxPerson, channel: string, text: string): Promise<ClientResult> {
    const [command = ""] = text.split(/\s+/);
    if (command !== SLASH_COMMAND) {
      this.notify(me.id, channel, `${command} is not a valid command. This sandbox has the app's command, ${SLASH_COMMAND}.`);
      return { ok: false };
    }
    const args = text.slice(command.length).trim();
    const responseId = this.nextId("cmd");
    const responseUrl = this.api.responseUrl(responseId, { channel, user: me.id });
    const reply = await this.deliver(`slash command ${SLASH_COMMAND}${args ? ` ${args.slice(0, 40)}` : ""}`, () =>
      this.sender.slashCommand({
        command: SLASH_COMMAND,
        text: args,
        userId: me.id,
        userName: me.handle,
        channelId: channel,
        channelName: this.channelName(channel),
        triggerId: this.newTrigger(me.id),
        responseUrl,
      }),
    );
    if (reply.status !== 200) {
      this.notify(me.id, channel, `${SLASH_COMMAND} failed: the app answered HTTP ${reply.status}.`);
      return { ok: false };
    }
    // A reply in the acknowledgement is shown like a post to the command's response_url.
    if (isRecord(reply.json) && (typeof reply.json.text === "string" || Array.isArray(reply.json.blocks))) {
      const answer = this.api.workspace.postToResponseUrl(responseId, reply.json);
      if (answer.status !== 200) this.notify(me.id, channel, `Slack refused the app's reply: ${JSON.stringify(answer.body)}`);
    }
    this.changed();
    return { ok: true };
  }

  private expectAck(userId: string, channel: string | null, reply: SlackHttpResponse): ClientResult {
    if (reply.status === 200) return { ok: true };
    this.notify(userId, channel, `The app did not respond as expected (HTTP ${reply.status}).`);
    return { ok: false };
  }

  private async deliver(label: string, send: () => Promise<SlackHttpResponse>): Promise<SlackHttpResponse> {
    const started = Date.now();
    let reply: SlackHttpResponse;
    try {
      reply = await send();
    } catch (err) {
      reply = { status: 0, text: err instanceof Error ? err.message : String(err), headers: {} };
    }
    const ms = Date.now() - started;
    const body = reply.text.length > 0 ? ` ${reply.text.slice(0, 120)}` : "";
    this.record({ at: started, direction: "to-bot", label, ok: reply.status === 200, detail: `HTTP ${reply.status || "failed"} in ${ms} ms${body}` });
    return reply;
  }

  private onSlackEvent(event: FakeSlackEvent): void {
    if (event.kind === "response") {
      const ok = event.response.status === 200;
      this.record({ at: event.response.at, direction: "to-slack", label: "response_url", ok, detail: `HTTP ${event.response.status}` });
    } else {
      const { method, args, response } = event.call;
      const ok = isRecord(response) && response.ok === true;
      const error = isRecord(response) && typeof response.error === "string" ? response.error : "";
      const messages = isRecord(response) && isRecord(response.response_metadata) && Array.isArray(response.response_metadata.messages) ? response.response_metadata.messages.map(String) : [];
      this.record({ at: event.call.at, direction: "to-slack", label: method, ok, detail: ok ? describeCall(method, args) : `${error} ${messages.join(" ")}`.trim() });
      if (method === "views.open" || method === "views.push") this.adoptModal(args, response, error, messages);
    }
    this.changed();
  }

  /** A modal opened with a trigger one of our people produced appears on that person's screen. */
  private adoptModal(args: Json, response: unknown, error: string, messages: string[]): void {
    const trigger = typeof args.trigger_id === "string" ? args.trigger_id : undefined;
    const userId = trigger ? this.triggers.get(trigger) : undefined;
    if (!userId) return;
    const state = this.state(userId);
    if (isRecord(response) && response.ok === true && isRecord(response.view) && typeof response.view.id === "string") {
      const root = typeof response.view.root_view_id === "string" ? response.view.root_view_id : response.view.id;
      state.modalRoot = root;
      state.errors = null;
      state.problem = null;
    } else {
      this.notify(userId, null, `Sandbox: the app asked Slack to open a modal and Slack refused (${error}). ${messages.join(" ")}`.trim());
    }
  }

  private topModal(userId: string): FakeView | undefined {
    const state = this.state(userId);
    if (!state.modalRoot) return undefined;
    const stack = this.api.workspace.modalStack(state.modalRoot);
    return stack[stack.length - 1];
  }

  private syncModal(userId: string): void {
    const state = this.state(userId);
    if (state.modalRoot && this.api.workspace.modalStack(state.modalRoot).length === 0) {
      state.modalRoot = null;
      state.errors = null;
      state.problem = null;
    }
  }

  /** A view this person may act on: a modal in their open stack, or their Home tab. */
  private ownView(userId: string, viewId: string): FakeView | undefined {
    const home = this.api.homeOf(userId);
    if (home && home.id === viewId) return home;
    const state = this.state(userId);
    if (!state.modalRoot) return undefined;
    return this.api.workspace.modalStack(state.modalRoot).find((v) => v.id === viewId);
  }

  private setProblem(userId: string, view: FakeView, text: string): void {
    this.state(userId).problem = { viewId: view.id, hash: view.hash, text };
    this.changed();
  }

  private notify(userId: string, channel: string | null, text: string): void {
    this.state(userId).notices.push({ key: this.nextId("notice"), channel, text, ts: slackTimestamp(this.now()) });
    this.changed();
  }

  private record(entry: TrafficEntry): void {
    this.traffic.push(entry);
    if (this.traffic.length > TRAFFIC_KEPT) this.traffic.splice(0, this.traffic.length - TRAFFIC_KEPT);
  }

  private newTrigger(userId: string): string {
    const trigger = newTriggerId();
    this.triggers.set(trigger, userId);
    if (this.triggers.size > TRIGGERS_KEPT) {
      const oldest = this.triggers.keys().next();
      if (!oldest.done) this.triggers.delete(oldest.value);
    }
    return trigger;
  }

  private nextId(prefix: string): string {
    return `${prefix}-${Date.now().toString(36)}-${++this.counter}`;
  }

  private changed(): void {
    this.version += 1;
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // a page that went away must not break the others
      }
    }
  }

  private person(userId: string): SandboxPerson {
    const p = this.people.find((x) => x.id === userId);
    if (!p) throw new UnknownPersonError(userId);
    return p;
  }

  private state(userId: string): PersonState {
    const s = this.persons.get(userId);
    if (!s) throw new UnknownPersonError(userId);
    return s;
  }

  private userRef(p: SandboxPerson): UserRef {
    return { id: p.id, username: p.handle, name: p.handle };
  }

  private dmChannelOf(userId: string): string {
    return this.api.workspace.dmChannelOf(userId);
  }

  /** The name of a conversation this person can see, or undefined. */
  private conversationName(userId: string, channel: string): string | undefined {
    if (channel === this.complianceChannelId) return COMPLIANCE_CHANNEL_NAME;
    if (channel === this.dmChannelOf(userId)) return "directmessage";
    return undefined;
  }

  private channelName(channel: string): string {
    return channel === this.complianceChannelId ? COMPLIANCE_CHANNEL_NAME : "directmessage";
  }
}

export class UnknownPersonError extends Error {
  constructor(readonly userId: string) {
    super(`${userId} is not one of the sandbox's people`);
    this.name = "UnknownPersonError";
  }
}

function isRecord(x: unknown): x is Json {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * The clicked element as an action object. Blocks without a block_id get the stable one Slack's
 * client would have assigned; the page names the block by index and, when it has one, its id.
 */
export function findAction(blocks: unknown, where: { blockIndex: number; blockId?: string | undefined; actionId: string }): ActionInput | undefined {
  if (!Array.isArray(blocks)) return undefined;
  const byId = where.blockId === undefined ? undefined : blocks.find((b) => isRecord(b) && b.block_id === where.blockId);
  const block = byId ?? blocks[where.blockIndex];
  if (!isRecord(block)) return undefined;
  if (where.blockId !== undefined && block.block_id !== undefined && block.block_id !== where.blockId) return undefined;
  const candidates = [block.accessory, ...(Array.isArray(block.elements) ? block.elements : [])];
  const element = candidates.find((e): e is Json => isRecord(e) && e.action_id === where.actionId);
  if (!element || element.type !== "button") return undefined;
  return {
    action_id: where.actionId,
    block_id: typeof block.block_id === "string" ? block.block_id : generatedBlockId(block),
    type: "button",
    ...(typeof element.value === "string" ? { value: element.value } : {}),
    ...(isRecord(element.text) ? { text: element.text } : {}),
  };
}

/** Slack fills in a short random block_id; a hash of the block keeps it stable across clicks. */
function generatedBlockId(block: Json): string {
  return createHash("sha256").update(JSON.stringify(block)).digest("base64url").slice(0, 5);
}

/** What a person types becomes message text; & < > are escaped as Slack's client does. */
function escapeForSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function trouble(reply: SlackHttpResponse): string {
  return reply.status === 0
    ? `We had some trouble connecting to the app (${reply.text.slice(0, 120)}). Try again?`
    : `We had some trouble connecting: the app answered HTTP ${reply.status}. Try again?`;
}

function describeCall(method: string, args: Json): string {
  const parts: string[] = [];
  for (const key of ["channel", "user", "user_id", "ts", "view_id", "users"]) {
    if (typeof args[key] === "string") parts.push(`${key}=${String(args[key])}`);
  }
  if (isRecord(args.view) && isRecord(args.view.title) && typeof args.view.title.text === "string") parts.push(`"${args.view.title.text}"`);
  return parts.join(" ");
}

function pageMessage(m: FakeMessage): PageMessage {
  return { ts: m.ts, user: m.user, text: m.text, blocks: m.blocks ?? [], edited: m.edited !== undefined, replies: m.replies.map(pageMessage) };
}

function pageView(v: FakeView): PageView {
  return { id: v.id, hash: v.hash, type: v.type, title: v.title, submit: v.submit, close: v.close, callback_id: v.callback_id, blocks: v.blocks };
}

function stripChannel<T extends { channel: string | null }>(e: T): Omit<T, "channel"> {
  const { channel: _channel, ...rest } = e;
  return rest;
}

function byTs(a: { ts: string }, b: { ts: string }): number {
  return Number(a.ts) - Number(b.ts);
}
