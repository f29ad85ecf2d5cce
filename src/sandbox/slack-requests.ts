// Requests exactly as Slack sends them to the app (docs/slack-platform.md, "Requests from
// Slack"): slash commands as form fields, interactivity as one form field `payload` holding JSON,
// events as a JSON envelope. SlackRequestSender signs them and posts them to /slack/events.
// Builders return the raw body string; FORM_CONTENT_TYPE / JSON_CONTENT_TYPE say how to send it.
import http from "node:http";
import https from "node:https";
import { newEventId, newTriggerId, slackTimestamp, dmChannelIdFor } from "./ids.js";
import { identityWith, type SandboxIdentity } from "./identity.js";
import { signSlackRequest } from "./signing.js";

/** Exactly this: Bolt answers 400 to "application/x-www-form-urlencoded; charset=utf-8". */
export const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";
export const JSON_CONTENT_TYPE = "application/json";

type Json = Record<string, unknown>;

/** The legacy verification token Slack still sends in bodies; Bolt ignores it. */
const VERIFICATION_TOKEN = "sandboxVerificationToken0";

export interface UserRef {
  id: string;
  username?: string;
  name?: string;
  team_id?: string;
}

export interface ChannelRef {
  id: string;
  name?: string;
}

interface Common {
  /** workspace/app the request comes from; defaults to the sandbox identity */
  identity?: Partial<SandboxIdentity>;
}

function isRecord(x: unknown): x is Json {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function userObject(user: string | UserRef, identity: SandboxIdentity): Required<UserRef> {
  const u = typeof user === "string" ? { id: user } : user;
  const username = u.username ?? u.name ?? u.id.toLowerCase();
  return { id: u.id, username, name: u.name ?? username, team_id: u.team_id ?? identity.teamId };
}

function channelObject(channel: string | ChannelRef): { id: string; name: string } {
  const c = typeof channel === "string" ? { id: channel } : channel;
  return { id: c.id, name: c.name ?? (c.id.startsWith("D") ? "directmessage" : c.id.toLowerCase()) };
}

function team(identity: SandboxIdentity): { id: string; domain: string } {
  return { id: identity.teamId, domain: identity.teamDomain };
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

// ---- slash commands -----------------------------------------------------------------------

export interface SlashCommandInput extends Common {
  command: string;
  text: string;
  userId: string;
  userName?: string;
  channelId?: string;
  channelName?: string;
  teamId?: string;
  triggerId?: string;
  responseUrl: string;
}

export function slashCommandBody(input: SlashCommandInput): string {
  const identity = identityWith(input.identity);
  const channelId = input.channelId ?? dmChannelIdFor(input.userId);
  return form({
    token: VERIFICATION_TOKEN,
    team_id: input.teamId ?? identity.teamId,
    team_domain: identity.teamDomain,
    channel_id: channelId,
    channel_name: input.channelName ?? channelObject(channelId).name,
    user_id: input.userId,
    user_name: input.userName ?? input.userId.toLowerCase(),
    command: input.command,
    text: input.text,
    api_app_id: identity.appId,
    is_enterprise_install: "false",
    response_url: input.responseUrl,
    trigger_id: input.triggerId ?? newTriggerId(),
  });
}

// ---- block_actions ------------------------------------------------------------------------

export interface ActionInput {
  action_id: string;
  block_id: string;
  /** default: "static_select" with selected_option, "checkboxes" with selected_options, else the element's type in the view/message, else "button" */
  type?: string;
  value?: string;
  selected_option?: Json;
  selected_options?: Json[];
  selected_date?: string;
  /** button text; default: taken from the element in the view/message */
  text?: Json;
  action_ts?: string;
}

export interface BlockActionsInput extends Common {
  user: string | UserRef;
  actions: ActionInput[];
  /** where the clicked element is: a message (needs `message` with its ts, and `channel`) or a view (needs `view`) */
  container: "message" | "view";
  channel?: string | ChannelRef;
  /** the message clicked in, e.g. from the fake API's messages(); needs its ts */
  message?: { ts: string };
  view?: Json;
  /** state.values of the surface; default the view's own state, or empty */
  state?: { values: Json };
  triggerId?: string;
  /** only for message containers: Slack sends none for modals and the Home tab */
  responseUrl?: string;
  isEphemeral?: boolean;
}

export function blockActionsPayload(input: BlockActionsInput): Json {
  const identity = identityWith(input.identity);
  const surfaceBlocks = blocksOf(input.container === "message" ? { ...input.message } : input.view);
  const actions = input.actions.map((a) => actionObject(a, surfaceBlocks));
  const base: Json = {
    type: "block_actions",
    user: userObject(input.user, identity),
    api_app_id: identity.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: input.triggerId ?? newTriggerId(),
    team: team(identity),
    enterprise: null,
    is_enterprise_install: false,
  };
  if (input.container === "message") {
    const message = input.message;
    const channel = input.channel;
    if (message === undefined || typeof message.ts !== "string") throw new Error("blockActionsBody: a message container needs `message` with its ts");
    if (channel === undefined) throw new Error("blockActionsBody: a message container needs `channel`");
    const ch = channelObject(channel);
    // The fake's bookkeeping (replies, channel) is not part of a message in a payload.
    const messageFields = Object.fromEntries(Object.entries(message).filter(([k]) => k !== "replies" && k !== "channel"));
    return {
      ...base,
      container: { type: "message", message_ts: message.ts, channel_id: ch.id, is_ephemeral: input.isEphemeral ?? false },
      channel: ch,
      message: { type: "message", ...messageFields },
      state: input.state ?? { values: {} },
      ...(input.responseUrl ? { response_url: input.responseUrl } : {}),
      actions,
    };
  }
  const view = input.view;
  if (!isRecord(view) || typeof view.id !== "string") throw new Error("blockActionsBody: a view container needs `view` with its id");
  const state = input.state ?? (isRecord(view.state) ? view.state : { values: {} });
  return {
    ...base,
    container: { type: "view", view_id: view.id },
    view: { ...completeView(view, identity), state },
    actions,
  };
}

export function blockActionsBody(input: BlockActionsInput): string {
  return form({ payload: JSON.stringify(blockActionsPayload(input)) });
}

function blocksOf(surface: Json | undefined): unknown[] {
  return isRecord(surface) && Array.isArray(surface.blocks) ? surface.blocks : [];
}

/** The element with this block_id/action_id in a list of blocks, wherever it sits. */
function findElement(blocks: unknown[], blockId: string, actionId: string): Json | undefined {
  for (const b of blocks) {
    if (!isRecord(b) || b.block_id !== blockId) continue;
    const candidates = [b.accessory, b.element, ...(Array.isArray(b.elements) ? b.elements : [])];
    for (const e of candidates) if (isRecord(e) && e.action_id === actionId) return e;
  }
  return undefined;
}

function actionObject(a: ActionInput, blocks: unknown[]): Json {
  const element = findElement(blocks, a.block_id, a.action_id);
  const type =
    a.type ??
    (typeof element?.type === "string" ? element.type : undefined) ??
    (a.selected_option ? "static_select" : a.selected_options ? "checkboxes" : a.selected_date ? "datepicker" : "button");
  const text = a.text ?? (type === "button" && isRecord(element?.text) ? element.text : undefined);
  return {
    type,
    action_id: a.action_id,
    block_id: a.block_id,
    ...(text ? { text } : {}),
    ...(a.value !== undefined ? { value: a.value } : type === "button" && typeof element?.value === "string" ? { value: element.value } : {}),
    ...(a.selected_option ? { selected_option: a.selected_option } : {}),
    ...(a.selected_options ? { selected_options: a.selected_options } : {}),
    ...(a.selected_date ? { selected_date: a.selected_date } : {}),
    ...(type === "button" && typeof element?.style === "string" ? { style: element.style } : {}),
    action_ts: a.action_ts ?? slackTimestamp(),
  };
}

// ---- views --------------------------------------------------------------------------------

export interface ViewRef {
  id: string;
  callback_id: string;
  private_metadata: string;
  hash: string;
  state: { values: Json };
  [key: string]: unknown;
}

export interface ViewSubmissionInput extends Common {
  user: string | UserRef;
  /** the view being submitted: at least these fields; a whole view from the fake API works as is */
  view: ViewRef;
  triggerId?: string;
  responseUrls?: Json[];
}

export function viewSubmissionPayload(input: ViewSubmissionInput): Json {
  const identity = identityWith(input.identity);
  return {
    type: "view_submission",
    team: team(identity),
    user: userObject(input.user, identity),
    api_app_id: identity.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: input.triggerId ?? newTriggerId(),
    view: completeView(input.view, identity),
    response_urls: input.responseUrls ?? [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function viewSubmissionBody(input: ViewSubmissionInput): string {
  return form({ payload: JSON.stringify(viewSubmissionPayload(input)) });
}

export interface ViewClosedInput extends Common {
  user: string | UserRef;
  view: Json & { id: string };
  /** true when the whole stack was closed at once */
  isCleared?: boolean;
}

export function viewClosedPayload(input: ViewClosedInput): Json {
  const identity = identityWith(input.identity);
  return {
    type: "view_closed",
    team: team(identity),
    user: userObject(input.user, identity),
    api_app_id: identity.appId,
    token: VERIFICATION_TOKEN,
    view: completeView(input.view, identity),
    is_cleared: input.isCleared ?? false,
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function viewClosedBody(input: ViewClosedInput): string {
  return form({ payload: JSON.stringify(viewClosedPayload(input)) });
}

/** A view as Slack includes it in payloads: every field present, whatever the caller gave. */
function completeView(view: Json, identity: SandboxIdentity): Json {
  const id = typeof view.id === "string" ? view.id : "";
  return {
    type: "modal",
    blocks: [],
    private_metadata: "",
    callback_id: "",
    external_id: "",
    state: { values: {} },
    hash: "",
    clear_on_close: false,
    notify_on_close: false,
    root_view_id: id,
    previous_view_id: null,
    app_id: identity.appId,
    app_installed_team_id: identity.teamId,
    bot_id: identity.botId,
    team_id: identity.teamId,
    ...view,
  };
}

// ---- Events API ---------------------------------------------------------------------------

export interface EventInput extends Common {
  /** the inner event; for app_home_opened: { type: "app_home_opened", user, tab: "home" } */
  type: string;
  user?: string;
  tab?: "home" | "messages";
  channel?: string;
  view?: Json;
  event_ts?: string;
  eventId?: string;
  /** Unix seconds */
  eventTime?: number;
  [key: string]: unknown;
}

export function eventPayload(input: EventInput): Json {
  const { identity: identityOverrides, eventId, eventTime, ...event } = input;
  const identity = identityWith(identityOverrides);
  const eventTs = input.event_ts ?? slackTimestamp();
  const inner: Json = { ...event, event_ts: eventTs };
  if (input.type === "app_home_opened" && input.user !== undefined && input.channel === undefined) inner.channel = dmChannelIdFor(input.user);
  return {
    token: VERIFICATION_TOKEN,
    team_id: identity.teamId,
    api_app_id: identity.appId,
    event: inner,
    type: "event_callback",
    event_id: eventId ?? newEventId(),
    event_time: eventTime ?? Math.floor(Number(eventTs)),
    authorizations: [{ enterprise_id: null, team_id: identity.teamId, user_id: identity.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(JSON.stringify({ t: identity.teamId, e: input.type })).toString("base64url")}`,
  };
}

/** Events API envelope (event_callback) as a JSON string; send with JSON_CONTENT_TYPE. */
export function eventBody(input: EventInput): string {
  return JSON.stringify(eventPayload(input));
}

/** Slack's one-off check of the events URL. */
export function urlVerificationBody(challenge: string): string {
  return JSON.stringify({ token: VERIFICATION_TOKEN, challenge, type: "url_verification" });
}

// ---- sending ------------------------------------------------------------------------------

export interface SlackHttpResponse {
  status: number;
  text: string;
  /** the body parsed as JSON, when it is JSON */
  json?: unknown;
  headers: Record<string, string>;
}

/**
 * Posts signed requests to the app's /slack/events, as Slack does. Extra headers are applied
 * last, so a test can replace the signature or timestamp (or add X-Slack-Retry-Num).
 *
 * Requests go over node:http(s) with keep-alive connections of the sender's own (under load,
 * the built-in fetch cost the load generator more CPU than anything else it did), and come back
 * as fetch gave them: header names in lower case, repeated ones joined with ", ", the body
 * decoded as fetch's text() decodes it; a request that fails rejects with fetch's
 * TypeError("fetch failed") whose `cause` is the socket's error. Idle connections do not keep
 * the process alive (the agent unrefs them) and are closed after 4 s, before the app's server
 * would close them (Node's default: 5 s); close() drops them at once.
 */
export class SlackRequestSender {
  private readonly endpoint: string;
  private target: { url: URL; agent: http.Agent; request: typeof http.request } | undefined;

  constructor(
    baseUrl: string,
    private readonly signingSecret: string,
    opts: { path?: string } = {},
  ) {
    this.endpoint = `${baseUrl.replace(/\/+$/, "")}${opts.path ?? "/slack/events"}`;
  }

  /** contentType defaults to JSON for a body starting with "{", else the form type. */
  async send(body: string, contentType?: string, extraHeaders: Record<string, string> = {}): Promise<SlackHttpResponse> {
    const type = contentType ?? (body.trimStart().startsWith("{") ? JSON_CONTENT_TYPE : FORM_CONTENT_TYPE);
    const bytes = Buffer.from(body);
    const headers = requestHeaders({ "Content-Type": type, ...signSlackRequest(this.signingSecret, bytes), ...extraHeaders });
    const response = await this.post(bytes, headers);
    const text = UTF8.decode(response.bytes);
    let json: unknown;
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: response.status, text, ...(json !== undefined ? { json } : {}), headers: response.headers };
  }

  /** Closes the sender's idle connections (they would close by themselves after 4 s). */
  close(): void {
    this.target?.agent.destroy();
    this.target = undefined;
  }

  private post(body: Buffer, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string>; bytes: Buffer }> {
    return new Promise((resolve, reject) => {
      const failed = (err: unknown) => reject(new TypeError("fetch failed", { cause: err }));
      let target: NonNullable<SlackRequestSender["target"]>;
      try {
        target = this.connectTo();
      } catch (err) {
        reject(err);
        return;
      }
      let req: http.ClientRequest;
      try {
        req = target.request(target.url, { method: "POST", agent: target.agent, headers: { ...headers, "content-length": String(body.length) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", failed);
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: responseHeaders(res.rawHeaders), bytes: Buffer.concat(chunks) }));
        });
      } catch (err) {
        // an invalid header name or value (fetch: a TypeError before anything is sent)
        reject(err instanceof TypeError ? err : new TypeError(err instanceof Error ? err.message : String(err), { cause: err }));
        return;
      }
      req.on("error", failed);
      req.end(body);
    });
  }

  private connectTo(): NonNullable<SlackRequestSender["target"]> {
    if (this.target) return this.target;
    let url: URL;
    try {
      url = new URL(this.endpoint);
    } catch (err) {
      throw new TypeError(`Failed to parse URL from ${this.endpoint}`, { cause: err });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError("fetch failed", { cause: new Error(`unsupported protocol ${url.protocol}`) });
    // keepAlive: idle sockets are kept (unref'd by the agent) and closed after `timeout` ms idle.
    const options = { keepAlive: true, timeout: IDLE_CONNECTION_MS };
    this.target = url.protocol === "https:" ? { url, agent: new https.Agent(options), request: https.request } : { url, agent: new http.Agent(options), request: http.request };
    return this.target;
  }

  slashCommand(input: SlashCommandInput, extraHeaders?: Record<string, string>): Promise<SlackHttpResponse> {
    return this.send(slashCommandBody(input), FORM_CONTENT_TYPE, extraHeaders);
  }

  blockActions(input: BlockActionsInput, extraHeaders?: Record<string, string>): Promise<SlackHttpResponse> {
    return this.send(blockActionsBody(input), FORM_CONTENT_TYPE, extraHeaders);
  }

  viewSubmission(input: ViewSubmissionInput, extraHeaders?: Record<string, string>): Promise<SlackHttpResponse> {
    return this.send(viewSubmissionBody(input), FORM_CONTENT_TYPE, extraHeaders);
  }

  viewClosed(input: ViewClosedInput, extraHeaders?: Record<string, string>): Promise<SlackHttpResponse> {
    return this.send(viewClosedBody(input), FORM_CONTENT_TYPE, extraHeaders);
  }

  event(input: EventInput, extraHeaders?: Record<string, string>): Promise<SlackHttpResponse> {
    return this.send(eventBody(input), JSON_CONTENT_TYPE, extraHeaders);
  }
}

/** How long an idle connection to the app is kept: less than Node's server keeps it (5 s). */
const IDLE_CONNECTION_MS = 4_000;

/** fetch's text(): UTF-8, a leading BOM dropped, malformed bytes replaced. */
const UTF8 = new TextDecoder();

/** As fetch's Headers makes them: names in lower case, the same name twice joined with ", ", values trimmed. */
function requestHeaders(given: Record<string, string>): Record<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(given)) {
    const key = name.toLowerCase();
    const v = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
    const seen = out.get(key);
    out.set(key, seen === undefined ? v : `${seen}, ${v}`);
  }
  return Object.fromEntries(out);
}

/** As Object.fromEntries(response.headers.entries()) with fetch: lower-case names in order, repeats joined with ", " (Set-Cookie: the last). */
function responseHeaders(raw: string[]): Record<string, string> {
  const byName = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const seen = byName.get(name);
    byName.set(name, seen === undefined || name === "set-cookie" ? value : `${seen}, ${value}`);
  }
  return Object.fromEntries([...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export { newTriggerId, newUserId, newViewId, newEventId, newChannelId } from "./ids.js";
