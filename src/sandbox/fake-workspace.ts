// The state behind the fake Slack Web API: channels and their messages (with threads and
// edits), DMs, modals and their stacks, Home tabs, ephemeral messages, users and user groups.
// Each Web API method is a function from arguments to the JSON Slack would answer
// ({ok: true, ...} or {ok: false, error}); the HTTP server in slack-api.ts only moves bytes.
// Answers and error codes follow Slack's method reference; where Slack's behaviour is not
// documented the choice is written next to the code.
import { BLOCK_KIT_LIMITS, formatViolation, limitViolations, limitViolationsInJson, limitViolationsOfParsedJson, type LimitViolation } from "./block-kit-limits.js";
import { identityWith, type SandboxIdentity } from "./identity.js";
import { dmChannelIdFor, formatMicros, ID_PATTERN, newViewHash, newViewId } from "./ids.js";

export type Json = Record<string, unknown>;
export type ApiResult = Json & { ok: boolean };

export interface FakeUserInput {
  id: string;
  name?: string;
  real_name?: string;
  /** IANA time zone, e.g. "Europe/Berlin"; default "UTC" */
  tz?: string;
  is_bot?: boolean;
  is_admin?: boolean;
  deleted?: boolean;
  email?: string;
}

export interface FakeChannelInput {
  id: string;
  name?: string;
  is_private?: boolean;
}

export interface WorkspaceOptions {
  identity?: Partial<SandboxIdentity>;
  users?: FakeUserInput[];
  /** user group id → member user ids */
  usergroups?: Record<string, string[]>;
  channels?: FakeChannelInput[];
  /**
   * Whether users.info answers for a well-formed user id nobody registered (with a profile made
   * up from the id). Default true, so tests need not register every person; false answers
   * user_not_found like a workspace that does not have them.
   */
  inventUnknownUsers?: boolean;
  /** Whether chat.postMessage to an unknown but well-formed C…/G… id creates it. Default true. */
  inventUnknownChannels?: boolean;
  /** trigger_id may be exchanged once (Slack: exchanged_trigger_id). Default true. */
  singleUseTriggers?: boolean;
  /** posts allowed per response_url (Slack: 5 within 30 minutes). Default 5. */
  responseUrlUses?: number;
  /** milliseconds since the epoch; default Date.now */
  clock?: () => number;
}

export interface FakeMessage {
  type: "message";
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  /** author: the bot user for everything the bot posts */
  user: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  thread_ts?: string;
  reply_count?: number;
  /** thread replies, oldest first (top-level messages only) */
  replies: FakeMessage[];
  edited?: { user: string; ts: string };
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  message_ts: string;
  /** "chat.postEphemeral" or the response_url id it came through */
  via: string;
}

export interface FakeView {
  id: string;
  team_id: string;
  type: "modal" | "home";
  blocks: unknown[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  state: { values: Record<string, Record<string, unknown>> };
  hash: string;
  clear_on_close: boolean;
  notify_on_close: boolean;
  root_view_id: string | null;
  previous_view_id: string | null;
  app_id: string;
  app_installed_team_id: string;
  bot_id: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  [key: string]: unknown;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_channel: boolean;
  is_group: boolean;
  is_im: boolean;
  is_mpim: boolean;
  is_private: boolean;
  is_member: boolean;
  created: number;
  /** the other person of a DM */
  user?: string;
}

/** Where a response_url's posts land: the message the interaction came from, and who clicked. */
export interface ResponseOrigin {
  channel?: string;
  ts?: string;
  user?: string;
}

export type ResponseActionOutcome =
  | { kind: "closed"; viewId: string }
  | { kind: "cleared"; viewIds: string[] }
  | { kind: "updated"; view: FakeView }
  | { kind: "pushed"; view: FakeView }
  | { kind: "errors"; errors: Record<string, string> }
  | { kind: "refused"; error: string; messages: string[] };

/** A Slack-style refusal: becomes {ok: false, error, response_metadata.messages}. */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly messages: string[] = [],
  ) {
    super(messages.length > 0 ? `${code}: ${messages.join("; ")}` : code);
    this.name = "SlackApiError";
  }
}

const VIEW_STACK_LIMIT = 3;

function isRecord(x: unknown): x is Json {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * A deep copy, exactly as structuredClone makes it. What a JSON value is made of (plain objects,
 * arrays, primitives) is copied here, several times faster than structuredClone, keeping shared
 * and circular references as it does; anything else (a Date, a Map, a sparse array...) goes to
 * structuredClone itself.
 */
function clone<T>(x: T): T {
  if (typeof x !== "object" || x === null) return structuredClone(x);
  const copy = copyPlain(x, new Map());
  return copy === NOT_PLAIN ? structuredClone(x) : (copy as T);
}

const NOT_PLAIN = Symbol("not plain");

function copyPlain(x: unknown, copies: Map<object, unknown>): unknown {
  if (typeof x !== "object" || x === null) return typeof x === "symbol" || typeof x === "function" ? NOT_PLAIN : x;
  const done = copies.get(x);
  if (done !== undefined) return done;
  const proto: unknown = Object.getPrototypeOf(x);
  if (proto === Array.prototype) {
    const array = x as unknown[];
    const out: unknown[] = [];
    copies.set(x, out);
    for (let i = 0; i < array.length; i++) {
      if (!(i in array)) return NOT_PLAIN; // a hole
      const item = copyPlain(array[i], copies);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out.push(item);
    }
    // properties besides the elements
    return Object.keys(array).length === array.length ? out : NOT_PLAIN;
  }
  if (proto === Object.prototype) {
    const object = x as Json;
    const out: Json = {};
    copies.set(x, out);
    for (const key of Object.keys(object)) {
      if (key === "__proto__") return NOT_PLAIN; // an own property of that name: assigning it would set the prototype
      const value = copyPlain(object[key], copies);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      out[key] = value;
    }
    return out;
  }
  return NOT_PLAIN;
}

export class FakeWorkspace {
  readonly identity: SandboxIdentity;
  private readonly opts: Required<Omit<WorkspaceOptions, "identity" | "users" | "usergroups" | "channels">>;
  private readonly users = new Map<string, Json>();
  private readonly usergroups = new Map<string, string[]>();
  private readonly channels = new Map<string, FakeChannel>();
  private readonly configured: { users: FakeUserInput[]; usergroups: Record<string, string[]>; channels: FakeChannelInput[] };

  private readonly topLevel = new Map<string, FakeMessage[]>();
  private readonly byKey = new Map<string, FakeMessage>();
  private readonly ephemeralList: FakeEphemeral[] = [];
  private readonly viewMap = new Map<string, FakeView>();
  private readonly externalIds = new Map<string, string>();
  private readonly stacks = new Map<string, string[]>();
  private readonly rootOf = new Map<string, string>();
  private lastStackRoot: string | undefined;
  private readonly homes = new Map<string, string>();
  private readonly exchangedTriggers = new Set<string>();
  private readonly responseTargets = new Map<string, { origin: ResponseOrigin; uses: number }>();
  private lastMicros = 0;
  /**
   * Views viewArg parsed from a JSON string: nobody else holds them, so materialize may keep them
   * as they are. A view given as an object belongs to the caller and is copied.
   */
  private readonly parsedViews = new WeakSet<object>();

  constructor(options: WorkspaceOptions = {}) {
    this.identity = identityWith(options.identity);
    this.opts = {
      inventUnknownUsers: options.inventUnknownUsers ?? true,
      inventUnknownChannels: options.inventUnknownChannels ?? true,
      singleUseTriggers: options.singleUseTriggers ?? true,
      responseUrlUses: options.responseUrlUses ?? 5,
      clock: options.clock ?? Date.now,
    };
    this.configured = { users: options.users ?? [], usergroups: options.usergroups ?? {}, channels: options.channels ?? [] };
    this.seed();
  }

  private seed(): void {
    this.users.clear();
    this.usergroups.clear();
    this.channels.clear();
    this.addUser({ id: this.identity.botUserId, name: this.identity.botName, real_name: this.identity.botName, is_bot: true });
    for (const u of this.configured.users) this.addUser(u);
    for (const [id, members] of Object.entries(this.configured.usergroups)) this.setUsergroup(id, members);
    for (const ch of this.configured.channels) this.addChannel(ch);
  }

  /** Forgets every message, view, Home tab, ephemeral, exchanged trigger and response_url; keeps people, groups and channels. */
  reset(): void {
    const keepUsers = [...this.users.values()];
    const keepGroups = [...this.usergroups.entries()];
    const keepChannels = [...this.channels.values()].filter((c) => !c.is_im && !c.is_mpim);
    this.topLevel.clear();
    this.byKey.clear();
    this.ephemeralList.length = 0;
    this.viewMap.clear();
    this.externalIds.clear();
    this.stacks.clear();
    this.rootOf.clear();
    this.lastStackRoot = undefined;
    this.homes.clear();
    this.exchangedTriggers.clear();
    this.responseTargets.clear();
    this.channels.clear();
    for (const u of keepUsers) this.users.set(String(u.id), u);
    for (const [id, m] of keepGroups) this.usergroups.set(id, m);
    for (const c of keepChannels) this.channels.set(c.id, c);
  }

  // ---- directory ------------------------------------------------------------------------

  addUser(input: FakeUserInput): void {
    if (!ID_PATTERN.user.test(input.id)) throw new Error(`user id ${input.id} does not look like a Slack user id (U… or W…)`);
    const tz = input.tz ?? "UTC";
    const offset = tzOffsetSeconds(tz, new Date(this.opts.clock())); // throws on an unknown zone
    const name = input.name ?? input.id.toLowerCase();
    const realName = input.real_name ?? name;
    this.users.set(input.id, {
      id: input.id,
      team_id: this.identity.teamId,
      name,
      deleted: input.deleted ?? false,
      real_name: realName,
      tz,
      tz_label: tzLabel(tz),
      tz_offset: offset,
      is_admin: input.is_admin ?? false,
      is_owner: false,
      is_bot: input.is_bot ?? false,
      is_app_user: false,
      updated: Math.floor(this.opts.clock() / 1000),
      profile: {
        real_name: realName,
        display_name: name,
        real_name_normalized: realName,
        display_name_normalized: name,
        ...(input.email ? { email: input.email } : {}),
        team: this.identity.teamId,
      },
    });
  }

  setUsergroup(id: string, members: string[]): void {
    if (!ID_PATTERN.usergroup.test(id)) throw new Error(`user group id ${id} does not look like a Slack user group id (S…)`);
    this.usergroups.set(id, [...members]);
  }

  addChannel(input: FakeChannelInput): FakeChannel {
    if (!/^[CG][A-Z0-9]{2,}$/.test(input.id)) throw new Error(`channel id ${input.id} does not look like a Slack channel id (C… or G…)`);
    const isPrivate = input.is_private ?? input.id.startsWith("G");
    const channel: FakeChannel = {
      id: input.id,
      name: input.name ?? input.id.toLowerCase(),
      is_channel: !isPrivate,
      is_group: isPrivate,
      is_im: false,
      is_mpim: false,
      is_private: isPrivate,
      is_member: true,
      created: Math.floor(this.opts.clock() / 1000),
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** The DM channel between the bot and a user, created on first use (ids "D" + the user id's tail). */
  dmChannelOf(user: string): string {
    for (const c of this.channels.values()) if (c.is_im && c.user === user) return c.id;
    let id = dmChannelIdFor(user);
    while (this.channels.has(id)) id = `D${newViewId().slice(1)}`;
    this.channels.set(id, {
      id,
      name: id,
      is_channel: false,
      is_group: false,
      is_im: true,
      is_mpim: false,
      is_private: true,
      is_member: true,
      created: Math.floor(this.opts.clock() / 1000),
      user,
    });
    return id;
  }

  // ---- state inspection -----------------------------------------------------------------

  /** Top-level messages of a channel (a user id means the bot's DM with them), as they are now. */
  messages(channel: string): FakeMessage[] {
    const id = ID_PATTERN.user.test(channel) ? this.dmChannelOf(channel) : channel;
    return clone(this.topLevel.get(id) ?? []).map((m) => withReplyCount(m));
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    const id = ID_PATTERN.user.test(channel) ? this.dmChannelOf(channel) : channel;
    const m = this.byKey.get(`${id}/${ts}`);
    return m ? withReplyCount(clone(m)) : undefined;
  }

  dms(user: string): FakeMessage[] {
    return this.messages(this.dmChannelOf(user));
  }

  ephemerals(filter: { user?: string; channel?: string } = {}): FakeEphemeral[] {
    return clone(this.ephemeralList.filter((e) => (filter.user === undefined || e.user === filter.user) && (filter.channel === undefined || e.channel === filter.channel)));
  }

  get views(): Map<string, FakeView> {
    return new Map([...this.viewMap].map(([id, v]) => [id, clone(v)]));
  }

  view(id: string): FakeView | undefined {
    const v = this.viewMap.get(id);
    return v ? clone(v) : undefined;
  }

  homeOf(user: string): FakeView | undefined {
    const id = this.homes.get(user);
    return id ? this.view(id) : undefined;
  }

  /** The open modal stack a view belongs to, bottom first; [] when it is not open. */
  modalStack(viewId: string): FakeView[] {
    const root = this.rootOf.get(viewId);
    const stack = root ? this.stacks.get(root) : undefined;
    return (stack ?? []).flatMap((id) => {
      const v = this.view(id);
      return v ? [v] : [];
    });
  }

  /** Top views of every open modal stack. */
  openModals(): FakeView[] {
    return [...this.stacks.values()].flatMap((s) => {
      const top = s[s.length - 1];
      const v = top ? this.view(top) : undefined;
      return v ? [v] : [];
    });
  }

  channel(id: string): FakeChannel | undefined {
    const c = this.channels.get(id);
    return c ? clone(c) : undefined;
  }

  // ---- things people do in the client -----------------------------------------------------

  /** A person writes in a channel or thread (the sandbox's composer; tests of thread discussion). */
  postAsUser(channel: string, user: string, text: string, threadTs?: string): FakeMessage {
    const ch = this.resolveChannel(channel);
    const m = this.storeMessage(ch.id, { text, user, ...(threadTs ? { thread_ts: threadTs } : {}) });
    return clone(m);
  }

  /**
   * What Slack's client does with a view_submission's acknowledgement: nothing/empty closes the
   * submitted view, "update" replaces it, "push" stacks a new one, "clear" closes the whole
   * stack, "errors" leaves it open. The bot's ack body is the argument.
   */
  applyResponseAction(viewId: string, ack: unknown): ResponseActionOutcome {
    const current = this.viewMap.get(viewId);
    if (!current) return { kind: "refused", error: "not_found", messages: [`[ERROR] no view ${viewId}`] };
    const body = isRecord(ack) ? ack : {};
    const action = body.response_action;
    try {
      switch (action) {
        case undefined:
          return { kind: "closed", viewId: this.closeView(viewId) };
        case "clear":
          return { kind: "cleared", viewIds: this.clearStack(viewId) };
        case "errors":
          return { kind: "errors", errors: isRecord(body.errors) ? Object.fromEntries(Object.entries(body.errors).map(([k, v]) => [k, String(v)])) : {} };
        case "update": {
          const view = this.viewArg(body.view, "modal");
          return { kind: "updated", view: clone(this.replaceView(current, view)) };
        }
        case "push": {
          const view = this.viewArg(body.view, "modal");
          const root = this.rootOf.get(viewId);
          if (!root) throw new SlackApiError("not_found", [`[ERROR] view ${viewId} is not open`]);
          return { kind: "pushed", view: clone(this.pushView(root, view)) };
        }
        default:
          return { kind: "refused", error: "invalid_arguments", messages: [`[ERROR] unknown response_action ${JSON.stringify(action)}`] };
      }
    } catch (err) {
      if (err instanceof SlackApiError) return { kind: "refused", error: err.code, messages: err.messages };
      throw err;
    }
  }

  /** The user closes the top view (the "close" button); returns its id. The view stays addressable. */
  closeView(viewId: string): string {
    const root = this.rootOf.get(viewId);
    const stack = root ? this.stacks.get(root) : undefined;
    if (!root || !stack) return viewId;
    const index = stack.indexOf(viewId);
    for (const id of stack.splice(index)) this.rootOf.delete(id);
    if (stack.length === 0) {
      this.stacks.delete(root);
      if (this.lastStackRoot === root) this.lastStackRoot = undefined;
    }
    return viewId;
  }

  clearStack(viewId: string): string[] {
    const root = this.rootOf.get(viewId);
    const stack = root ? this.stacks.get(root) : undefined;
    if (!root || !stack) return [];
    for (const id of stack) this.rootOf.delete(id);
    this.stacks.delete(root);
    if (this.lastStackRoot === root) this.lastStackRoot = undefined;
    return [...stack];
  }

  // ---- response_url -----------------------------------------------------------------------

  registerResponseUrl(id: string, origin: ResponseOrigin = {}): void {
    const existing = this.responseTargets.get(id);
    this.responseTargets.set(id, { origin: { ...(existing?.origin ?? {}), ...origin }, uses: existing?.uses ?? 0 });
  }

  /** A POST to a response_url: {status, body} of the HTTP answer. */
  postToResponseUrl(id: string, payload: unknown): { status: number; body: Json } {
    const target = this.responseTargets.get(id) ?? { origin: {}, uses: 0 };
    this.responseTargets.set(id, target);
    // Slack documents 5 uses within 30 minutes; what it answers after that is not documented.
    if (target.uses >= this.opts.responseUrlUses) return { status: 404, body: { ok: false, error: "used_url" } };
    if (!isRecord(payload)) return { status: 400, body: { ok: false, error: "invalid_payload" } };
    target.uses += 1;
    const { origin } = target;
    try {
      if (payload.delete_original === true || payload.delete_original === "true") {
        if (origin.channel && origin.ts) this.deleteMessage(this.resolveChannel(origin.channel).id, origin.ts);
        return { status: 200, body: { ok: true } };
      }
      const content = this.messageContent(payload, { requireText: true });
      const replace = payload.replace_original === true || payload.replace_original === "true";
      if (replace && origin.channel && origin.ts) {
        const m = this.findMessage(this.resolveChannel(origin.channel).id, origin.ts);
        m.text = content.text;
        if (content.blocks !== undefined) m.blocks = content.blocks;
        else delete m.blocks;
        m.edited = { user: this.identity.botUserId, ts: this.nextTs() };
      } else if (payload.response_type === "in_channel" && origin.channel) {
        const threadTs = typeof payload.thread_ts === "string" ? payload.thread_ts : undefined;
        this.storeMessage(this.resolveChannel(origin.channel).id, { ...content, user: this.identity.botUserId, bot: true, ...(threadTs ? { thread_ts: threadTs } : {}) });
      } else {
        this.ephemeralList.push({
          channel: origin.channel ?? "",
          user: origin.user ?? "",
          text: content.text,
          ...(content.blocks ? { blocks: content.blocks } : {}),
          message_ts: this.nextTs(),
          via: id,
        });
      }
      return { status: 200, body: { ok: true } };
    } catch (err) {
      if (err instanceof SlackApiError) {
        return { status: 400, body: { ok: false, error: err.code, ...(err.messages.length > 0 ? { response_metadata: { messages: err.messages } } : {}) } };
      }
      throw err;
    }
  }

  // ---- the Web API ------------------------------------------------------------------------

  /** Answers one Web API call the way Slack would. `token` is the caller's token, if any. */
  call(method: string, args: Json, token: string | undefined): ApiResult {
    const handler = this.handlers[method];
    if (!handler) return { ok: false, error: "unknown_method", req_method: method };
    if (!token) return { ok: false, error: "not_authed" };
    try {
      return { ok: true, ...handler(args) };
    } catch (err) {
      if (err instanceof SlackApiError) {
        return { ok: false, error: err.code, ...(err.messages.length > 0 ? { response_metadata: { messages: err.messages } } : {}) };
      }
      throw err;
    }
  }

  get methods(): string[] {
    return Object.keys(this.handlers);
  }

  private readonly handlers: Record<string, (args: Json) => Json> = {
    "api.test": (args) => ({ args: Object.fromEntries(Object.entries(args).filter(([k]) => k !== "token")) }),
    "auth.test": () => ({
      url: `https://${this.identity.teamDomain}.slack.com/`,
      team: this.identity.teamName,
      user: this.identity.botName,
      team_id: this.identity.teamId,
      user_id: this.identity.botUserId,
      bot_id: this.identity.botId,
      app_id: this.identity.appId,
      is_enterprise_install: false,
    }),

    "chat.postMessage": (args) => {
      const ch = this.resolveChannel(str(args.channel), { createDm: true });
      const content = this.messageContent(args, { requireText: true });
      const threadTs = str(args.thread_ts);
      const m = this.storeMessage(ch.id, { ...content, user: this.identity.botUserId, bot: true, ...(threadTs ? { thread_ts: threadTs } : {}), ...(args.metadata !== undefined ? { metadata: parseJsonArg(args.metadata, "metadata") } : {}) });
      return { channel: ch.id, ts: m.ts, message: publicMessage(m) };
    },

    "chat.update": (args) => {
      const channel = str(args.channel);
      // Slack wants the DM's D… id here, not a user id. A well-formed channel id the fake would
      // accept a post to is a channel without that message.
      if (!channel || !this.channels.has(channel)) {
        throw new SlackApiError(this.opts.inventUnknownChannels && channel && /^[CG][A-Z0-9]{2,}$/.test(channel) ? "message_not_found" : "channel_not_found");
      }
      const ts = str(args.ts);
      const m = ts ? this.byKey.get(`${channel}/${ts}`) : undefined;
      if (!m) throw new SlackApiError("message_not_found");
      if (m.user !== this.identity.botUserId) throw new SlackApiError("cant_update_message");
      const hasBlocks = args.blocks !== undefined;
      const content = this.messageContent(
        // Fields left out keep their previous value (Slack documents this for attachments and metadata).
        { text: args.text ?? m.text, blocks: hasBlocks ? args.blocks : m.blocks, attachments: args.attachments ?? m.attachments },
        { requireText: true },
      );
      m.text = content.text;
      if (content.blocks !== undefined) m.blocks = content.blocks;
      else delete m.blocks;
      if (content.attachments !== undefined) m.attachments = content.attachments;
      if (args.metadata !== undefined) m.metadata = parseJsonArg(args.metadata, "metadata");
      m.edited = { user: this.identity.botUserId, ts: this.nextTs() };
      return { channel, ts: m.ts, text: m.text, message: publicMessage(m) };
    },

    // Slack answers with the message's web link: p + ts without its dot, and for a thread reply
    // the thread's ts and the channel as query parameters.
    "chat.getPermalink": (args) => {
      const channel = str(args.channel);
      if (!channel || !this.channels.has(channel)) {
        throw new SlackApiError(this.opts.inventUnknownChannels && channel && /^[CG][A-Z0-9]{2,}$/.test(channel) ? "message_not_found" : "channel_not_found");
      }
      const ts = str(args.message_ts);
      const m = ts ? this.byKey.get(`${channel}/${ts}`) : undefined;
      if (!m) throw new SlackApiError("message_not_found");
      const link = `https://${this.identity.teamDomain}.slack.com/archives/${channel}/p${m.ts.replace(".", "")}`;
      const inThread = m.thread_ts !== undefined && m.thread_ts !== m.ts;
      return { channel, permalink: inThread ? `${link}?thread_ts=${m.thread_ts}&cid=${channel}` : link };
    },

    "chat.postEphemeral": (args) => {
      const ch = this.resolveChannel(str(args.channel), { createDm: true });
      const user = str(args.user);
      if (!user || !this.knownUser(user)) throw new SlackApiError("user_not_found");
      const content = this.messageContent(args, { requireText: true });
      const threadTs = str(args.thread_ts);
      const messageTs = this.nextTs();
      this.ephemeralList.push({
        channel: ch.id,
        user,
        text: content.text,
        ...(content.blocks ? { blocks: content.blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        message_ts: messageTs,
        via: "chat.postEphemeral",
      });
      return { message_ts: messageTs };
    },

    "conversations.open": (args) => {
      const channelArg = str(args.channel);
      if (channelArg) {
        const c = this.channels.get(channelArg);
        if (!c || !(c.is_im || c.is_mpim)) throw new SlackApiError("channel_not_found");
        return { channel: args.return_im ? clone(c) : { id: c.id } };
      }
      const users = (str(args.users) ?? "").split(",").map((u) => u.trim()).filter((u) => u.length > 0 && u !== this.identity.botUserId);
      if (users.length === 0) throw new SlackApiError("users_list_not_supplied");
      if (users.length > 8) throw new SlackApiError("too_many_users");
      for (const u of users) if (!this.knownUser(u)) throw new SlackApiError("user_not_found");
      const [only] = users;
      if (users.length === 1 && only) {
        const id = this.dmChannelOf(only);
        const c = this.channels.get(id);
        return { channel: args.return_im && c ? clone(c) : { id } };
      }
      const id = this.mpimOf(users);
      return { channel: { id } };
    },

    // Top-level messages, newest first, within (oldest, latest) (inclusive on request); `limit`
    // per page (default 100, at most 999) with a cursor for the next one. Message metadata is
    // included only with include_all_metadata, as Slack does. The bot must be in the channel.
    "conversations.history": (args) => {
      const id = str(args.channel);
      const c = id ? this.channels.get(id) : undefined;
      if (!c) throw new SlackApiError("channel_not_found");
      if (!c.is_member) throw new SlackApiError("not_in_channel");
      const limit = Math.min(999, Math.max(1, Number(str(args.limit) ?? 100) || 100));
      const inclusive = truthy(args.inclusive);
      const withMetadata = truthy(args.include_all_metadata);
      const oldest = str(args.oldest);
      const cursor = str(args.cursor);
      let latest = str(args.latest);
      let latestInclusive = inclusive;
      if (cursor) {
        const before = /^before:(\d+\.\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"))?.[1];
        if (!before) throw new SlackApiError("invalid_cursor");
        latest = before;
        latestInclusive = false;
      }
      const micros = (ts: string) => Math.round(Number(ts) * 1e6);
      const inRange = (m: FakeMessage) =>
        (oldest === undefined || (inclusive ? micros(m.ts) >= micros(oldest) : micros(m.ts) > micros(oldest))) &&
        (latest === undefined || (latestInclusive ? micros(m.ts) <= micros(latest) : micros(m.ts) < micros(latest)));
      const all = [...(this.topLevel.get(c.id) ?? [])].filter(inRange).sort((a, b) => micros(b.ts) - micros(a.ts));
      const page = all.slice(0, limit);
      const hasMore = all.length > page.length;
      const last = page[page.length - 1];
      return {
        messages: page.map((m) => {
          // as publicMessage(withReplyCount(clone(m))), copying the message once
          const out = publicMessage(m);
          if (m.replies.length > 0) out.reply_count = m.replies.length;
          if (!withMetadata) delete out.metadata;
          return out;
        }),
        has_more: hasMore,
        pin_count: 0,
        ...(hasMore && last ? { response_metadata: { next_cursor: Buffer.from(`before:${last.ts}`).toString("base64") } } : {}),
      };
    },

    "conversations.info": (args) => {
      const id = str(args.channel);
      const c = id ? this.channels.get(id) ?? (this.opts.inventUnknownChannels && /^[CG][A-Z0-9]{2,}$/.test(id) ? this.addChannel({ id }) : undefined) : undefined;
      if (!c) throw new SlackApiError("channel_not_found");
      return { channel: clone(c) };
    },

    "users.info": (args) => {
      const id = str(args.user);
      const u = id ? this.knownUser(id) : undefined;
      if (!u) throw new SlackApiError("user_not_found");
      return { user: clone(u) };
    },

    "usergroups.users.list": (args) => {
      const id = str(args.usergroup);
      const members = id ? this.usergroups.get(id) : undefined;
      if (!members) throw new SlackApiError("no_such_subteam");
      return { users: [...members] };
    },

    "views.open": (args) => {
      const trigger = this.triggerArg(args);
      const view = this.viewArg(args.view, "modal");
      this.checkExternalId(view);
      this.exchange(trigger);
      const stored = this.createView(view, { root: null, previous: null });
      this.stacks.set(stored.id, [stored.id]);
      this.rootOf.set(stored.id, stored.id);
      this.lastStackRoot = stored.id;
      return { view: clone(stored) };
    },

    "views.push": (args) => {
      const trigger = this.triggerArg(args);
      const view = this.viewArg(args.view, "modal");
      this.checkExternalId(view);
      // The fake cannot tell which modal a trigger came from; it pushes onto the modal that was
      // opened, updated or pushed most recently, which is the one the person is looking at.
      const root = this.lastStackRoot;
      if (!root) throw new SlackApiError("invalid_arguments", ["[ERROR] there is no open modal to push onto"]);
      const pushed = this.pushView(root, view);
      this.exchange(trigger);
      return { view: clone(pushed) };
    },

    "views.update": (args) => {
      const viewId = str(args.view_id);
      const externalId = str(args.external_id);
      if (!viewId && !externalId) throw new SlackApiError("invalid_arguments", ["[ERROR] either view_id or external_id is required"]);
      const id = viewId ?? (externalId ? this.externalIds.get(externalId) : undefined);
      const current = id ? this.viewMap.get(id) : undefined;
      if (!current) throw new SlackApiError("not_found");
      const hash = str(args.hash);
      if (hash !== undefined && hash !== current.hash) throw new SlackApiError("hash_conflict");
      const view = this.viewArg(args.view, current.type);
      return { view: clone(this.replaceView(current, view)) };
    },

    "views.publish": (args) => {
      const user = str(args.user_id);
      if (!user) throw new SlackApiError("invalid_arguments", ["[ERROR] missing required field: user_id"]);
      if (!this.knownUser(user)) throw new SlackApiError("user_not_found");
      const view = this.viewArg(args.view, "home");
      const currentId = this.homes.get(user);
      const current = currentId ? this.viewMap.get(currentId) : undefined;
      const hash = str(args.hash);
      if (hash !== undefined && current && hash !== current.hash) throw new SlackApiError("hash_conflict");
      if (current) return { view: clone(this.replaceView(current, view)) };
      const stored = this.createView(view, { root: null, previous: null });
      this.homes.set(user, stored.id);
      return { view: clone(stored) };
    },
  };

  // ---- helpers ------------------------------------------------------------------------------

  private nextTs(): string {
    const now = Math.floor(this.opts.clock() * 1000);
    this.lastMicros = Math.max(now, this.lastMicros + 100);
    return formatMicros(this.lastMicros);
  }

  private knownUser(id: string): Json | undefined {
    const u = this.users.get(id);
    if (u) return u;
    if (!this.opts.inventUnknownUsers || !ID_PATTERN.user.test(id)) return undefined;
    this.addUser({ id });
    return this.users.get(id);
  }

  private mpimOf(users: string[]): string {
    const members = [...users].sort().join(",");
    for (const c of this.channels.values()) if (c.is_mpim && c.name === `mpdm-${members}`) return c.id;
    const id = `G${newViewId().slice(1)}`;
    this.channels.set(id, {
      id,
      name: `mpdm-${members}`,
      is_channel: false,
      is_group: false,
      is_im: false,
      is_mpim: true,
      is_private: true,
      is_member: true,
      created: Math.floor(this.opts.clock() / 1000),
    });
    return id;
  }

  private resolveChannel(channel: string | undefined, opts: { createDm?: boolean } = {}): FakeChannel {
    if (!channel) throw new SlackApiError("channel_not_found");
    if (ID_PATTERN.user.test(channel)) {
      // Posting to a user id posts in the bot's DM with them (Slack answers with the D… id).
      if (!opts.createDm || !this.knownUser(channel)) throw new SlackApiError("channel_not_found");
      const id = this.dmChannelOf(channel);
      const c = this.channels.get(id);
      if (c) return c;
    }
    const existing = this.channels.get(channel);
    if (existing) return existing;
    const name = channel.replace(/^#/, "");
    for (const c of this.channels.values()) if (!c.is_im && !c.is_mpim && c.name === name) return c;
    if (this.opts.inventUnknownChannels && /^[CG][A-Z0-9]{2,}$/.test(channel)) return this.addChannel({ id: channel });
    throw new SlackApiError("channel_not_found");
  }

  /** text/blocks/attachments of a message, validated against the message limits. */
  private messageContent(args: Json, opts: { requireText: boolean }): { text: string; blocks?: unknown[]; attachments?: unknown[] } {
    const blocks = args.blocks === undefined ? undefined : parseJsonArg(args.blocks, "blocks");
    if (blocks !== undefined && !Array.isArray(blocks)) throw new SlackApiError("invalid_blocks_format", ["[ERROR] blocks must be an array [json-pointer:/blocks]"]);
    const attachments = args.attachments === undefined ? undefined : parseJsonArg(args.attachments, "attachments");
    if (attachments !== undefined && !Array.isArray(attachments)) throw new SlackApiError("invalid_attachments");
    const text = args.text === undefined || args.text === null ? "" : String(args.text);
    const hasContent = text.length > 0 || (blocks?.length ?? 0) > 0 || (attachments?.length ?? 0) > 0;
    if (opts.requireText && !hasContent) throw new SlackApiError("no_text");
    if (text.length > BLOCK_KIT_LIMITS.messageText && [...text].length > BLOCK_KIT_LIMITS.messageText) {
      throw new SlackApiError("msg_too_long", [`[ERROR] message text must be at most ${BLOCK_KIT_LIMITS.messageText} characters (got ${[...text].length}) [json-pointer:/text]`]);
    }
    const payload = { text, ...(blocks !== undefined ? { blocks } : {}) };
    // Blocks parsed here (or none) are checked as they are; blocks given as objects as their JSON.
    this.throwViolations(blocks === undefined || typeof args.blocks === "string" ? limitViolationsOfParsedJson("message", payload) : limitViolations("message", payload), "");
    return { text, ...(blocks !== undefined ? { blocks } : {}), ...(attachments !== undefined ? { attachments } : {}) };
  }

  private throwViolations(violations: LimitViolation[], pointerPrefix: string): void {
    if (violations.length > 0) throw new SlackApiError("invalid_arguments", violations.map((v) => `[ERROR] ${formatViolation(v, pointerPrefix)}`));
  }

  private storeMessage(channel: string, m: { text: string; blocks?: unknown[]; attachments?: unknown[]; metadata?: unknown; user: string; bot?: boolean; thread_ts?: string }): FakeMessage {
    const message: FakeMessage = {
      type: "message",
      channel,
      ts: this.nextTs(),
      text: m.text,
      ...(m.blocks !== undefined ? { blocks: m.blocks } : {}),
      ...(m.attachments !== undefined ? { attachments: m.attachments } : {}),
      ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
      user: m.user,
      ...(m.bot ? { bot_id: this.identity.botId, app_id: this.identity.appId } : {}),
      team: this.identity.teamId,
      replies: [],
    };
    const parentTs = m.thread_ts;
    const parent = parentTs ? this.byKey.get(`${channel}/${parentTs}`) : undefined;
    if (parent) {
      // A reply to a reply joins the same thread, as in Slack.
      const root = parent.thread_ts && parent.thread_ts !== parent.ts ? this.byKey.get(`${channel}/${parent.thread_ts}`) ?? parent : parent;
      message.thread_ts = root.ts;
      root.thread_ts = root.ts;
      root.replies.push(message);
    } else {
      // A thread_ts the fake never saw: Slack accepts it; the message is kept at the top level
      // (with its thread_ts) so that a test can still see it.
      if (parentTs) message.thread_ts = parentTs;
      const list = this.topLevel.get(channel) ?? [];
      list.push(message);
      this.topLevel.set(channel, list);
    }
    this.byKey.set(`${channel}/${message.ts}`, message);
    return message;
  }

  private findMessage(channel: string, ts: string): FakeMessage {
    const m = this.byKey.get(`${channel}/${ts}`);
    if (!m) throw new SlackApiError("message_not_found");
    return m;
  }

  private deleteMessage(channel: string, ts: string): void {
    const m = this.byKey.get(`${channel}/${ts}`);
    if (!m) return;
    this.byKey.delete(`${channel}/${ts}`);
    const list = this.topLevel.get(channel) ?? [];
    const i = list.indexOf(m);
    if (i >= 0) list.splice(i, 1);
    if (m.thread_ts && m.thread_ts !== m.ts) {
      const root = this.byKey.get(`${channel}/${m.thread_ts}`);
      if (root) root.replies = root.replies.filter((r) => r !== m);
    }
  }

  private triggerArg(args: Json): string {
    const trigger = str(args.trigger_id) ?? str(args.interactivity_pointer);
    if (!trigger) throw new SlackApiError("invalid_arguments", ["[ERROR] missing required field: trigger_id"]);
    if (!ID_PATTERN.trigger.test(trigger)) throw new SlackApiError("invalid_trigger_id");
    if (this.opts.singleUseTriggers && this.exchangedTriggers.has(trigger)) throw new SlackApiError("exchanged_trigger_id");
    return trigger;
  }

  private exchange(trigger: string): void {
    this.exchangedTriggers.add(trigger);
  }

  /** Parses and validates a view argument of the given type; size first, as Slack has its own code for it. */
  private viewArg(raw: unknown, type: "modal" | "home"): Json {
    if (raw === undefined || raw === null || raw === "") throw new SlackApiError("invalid_arguments", ["[ERROR] missing required field: view"]);
    const view = parseJsonArg(raw, "view");
    if (!isRecord(view)) throw new SlackApiError("invalid_arguments", ["[ERROR] view must be a JSON object [json-pointer:/view]"]);
    if (view.type !== type) throw new SlackApiError("invalid_arguments", [`[ERROR] view type must be "${type}" here (got ${JSON.stringify(view.type)}) [json-pointer:/view/type]`]);
    const json = JSON.stringify(view) ?? ""; // "" (0 bytes, not JSON) when a toJSON gives undefined
    const bytes = Buffer.byteLength(json);
    if (bytes > BLOCK_KIT_LIMITS.viewBytes) {
      throw new SlackApiError("view_too_large", [`[ERROR] view must be at most ${BLOCK_KIT_LIMITS.viewBytes} bytes of JSON (250 kB), got ${bytes} [json-pointer:/view]`]);
    }
    // A view parsed here is checked as it is (it is what Slack would receive); a view given as an
    // object is checked as its JSON.
    const parsed = view !== raw;
    this.throwViolations(parsed ? limitViolationsOfParsedJson(type, view, bytes) : limitViolationsInJson(type, json, bytes), "/view");
    if (parsed) this.parsedViews.add(view);
    return view;
  }

  private checkExternalId(view: Json, except?: string): void {
    const ext = str(view.external_id);
    if (!ext) return;
    const owner = this.externalIds.get(ext);
    if (owner !== undefined && owner !== except) throw new SlackApiError("duplicate_external_id");
  }

  private createView(view: Json, links: { root: string | null; previous: string | null }): FakeView {
    let id = newViewId();
    while (this.viewMap.has(id)) id = newViewId();
    const stored = this.materialize(view, { id, root: links.root ?? id, previous: links.previous });
    this.viewMap.set(id, stored);
    if (stored.external_id) this.externalIds.set(stored.external_id, id);
    return stored;
  }

  private replaceView(current: FakeView, view: Json): FakeView {
    this.checkExternalId(view, current.id);
    const next = this.materialize(view, { id: current.id, root: current.root_view_id, previous: current.previous_view_id });
    if (current.external_id && current.external_id !== next.external_id) this.externalIds.delete(current.external_id);
    if (next.external_id) this.externalIds.set(next.external_id, current.id);
    this.viewMap.set(current.id, next);
    const root = this.rootOf.get(current.id);
    if (root) this.lastStackRoot = root;
    return next;
  }

  private pushView(root: string, view: Json): FakeView {
    const stack = this.stacks.get(root);
    if (!stack) throw new SlackApiError("not_found");
    if (stack.length >= VIEW_STACK_LIMIT) throw new SlackApiError("push_limit_reached");
    const previous = stack[stack.length - 1] ?? null;
    const pushed = this.createView(view, { root, previous });
    stack.push(pushed.id);
    this.rootOf.set(pushed.id, root);
    this.lastStackRoot = root;
    return pushed;
  }

  private materialize(given: Json, links: { id: string; root: string | null; previous: string | null }): FakeView {
    // The stored view must share nothing with what the caller keeps: a view viewArg parsed is
    // nobody else's (once), any other is copied.
    const view = this.parsedViews.delete(given) ? given : clone(given);
    const type = view.type === "home" ? "home" : "modal";
    return {
      ...view,
      id: links.id,
      team_id: this.identity.teamId,
      type,
      blocks: Array.isArray(view.blocks) ? view.blocks : [],
      private_metadata: str(view.private_metadata) ?? "",
      callback_id: str(view.callback_id) ?? "",
      external_id: str(view.external_id) ?? "",
      state: { values: {} },
      hash: newViewHash(this.opts.clock()),
      clear_on_close: view.clear_on_close === true,
      notify_on_close: view.notify_on_close === true,
      root_view_id: type === "home" ? null : links.root,
      previous_view_id: type === "home" ? null : links.previous,
      app_id: this.identity.appId,
      app_installed_team_id: this.identity.teamId,
      bot_id: this.identity.botId,
    };
  }
}

/** A boolean argument as form bodies carry it ("true", "1") or JSON bodies (true). */
function truthy(x: unknown): boolean {
  return x === true || x === 1 || x === "true" || x === "1";
}

function str(x: unknown): string | undefined {
  if (typeof x === "string") return x.length > 0 ? x : undefined;
  if (typeof x === "number") return String(x);
  return undefined;
}

/** Form-encoded calls carry blocks/view/attachments/metadata as JSON strings; JSON calls carry them as values. */
function parseJsonArg(raw: unknown, name: string): unknown {
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    if (name === "blocks") throw new SlackApiError("invalid_blocks_format", ["[ERROR] blocks is not valid JSON [json-pointer:/blocks]"]);
    throw new SlackApiError("invalid_arguments", [`[ERROR] ${name} is not valid JSON [json-pointer:/${name}]`]);
  }
}

function withReplyCount(m: FakeMessage): FakeMessage {
  if (m.replies.length > 0) m.reply_count = m.replies.length;
  return m;
}

function publicMessage(m: FakeMessage): Json {
  // Copied without the replies, which are left out anyway.
  const { replies: _replies, channel: _channel, ...rest } = m;
  return clone(rest);
}

function tzOffsetSeconds(tz: string, at: Date): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" }).formatToParts(at);
  const name = parts.find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!m) return 0;
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60;
  return m[1] === "-" ? -seconds : seconds;
}

function tzLabel(tz: string): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "long" }).formatToParts(new Date());
  return parts.find((p) => p.type === "timeZoneName")?.value ?? tz;
}
