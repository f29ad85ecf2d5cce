// Fakes for calling listeners directly: a Web API client that records every call (and answers
// views.open/push like Slack, or refuses a method when told to), deps over the tiny rule set,
// and Bolt's ack/respond as recorders.
import type { webApi } from "@slack/bolt";
import type { SlackDeps } from "../../../src/slack/context.js";
import { approverDirectory } from "../../../src/slack/approvers.js";
import type { ServiceContext } from "../../../src/services/context.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
}

export interface FakeClient {
  client: webApi.WebClient;
  calls: RecordedCall[];
  /** every call so far, by method name, in order (shared with `order` of the test) */
  methods(): string[];
  callsTo(method: string): Array<Record<string, unknown>>;
}

/** `fail`: methods Slack refuses (the call throws, as the Web API client does on ok:false). */
export function fakeClient(opts: { fail?: readonly string[]; order?: string[] } = {}): FakeClient {
  const calls: RecordedCall[] = [];
  let views = 0;
  const call = (method: string) => async (args: Record<string, unknown>) => {
    calls.push({ method, args });
    opts.order?.push(method);
    if (opts.fail?.includes(method)) throw new Error(`An API error occurred: ${method === "views.open" ? "expired_trigger_id" : "not_found"}`);
    if (method === "views.open" || method === "views.push") {
      views++;
      return { ok: true, view: { id: `V${views}`, hash: `hash-${views}`, ...(args.view as object) } };
    }
    if (method === "views.update") return { ok: true, view: { id: args.view_id, hash: `hash-updated`, ...(args.view as object) } };
    return { ok: true };
  };
  const client = {
    views: { open: call("views.open"), push: call("views.push"), update: call("views.update"), publish: call("views.publish") },
    chat: { postEphemeral: call("chat.postEphemeral"), postMessage: call("chat.postMessage"), getPermalink: call("chat.getPermalink") },
    usergroups: { users: { list: call("usergroups.users.list") } },
  } as unknown as webApi.WebClient;
  return {
    client,
    calls,
    methods: () => calls.map((c) => c.method),
    callsTo: (method) => calls.filter((c) => c.method === method).map((c) => c.args),
  };
}

export interface Logged {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

/** Deps with the tiny rule set, a recording log and a database nobody may touch (the services are mocked). */
export function fakeDeps(args: { client: webApi.WebClient; approvers?: string[]; hardStopApprovers?: string[] }): { deps: SlackDeps; logs: Logged[] } {
  const logs: Logged[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    logs.push({ level, message, ...(fields ? { fields } : {}) });
  };
  const log = { info: record("info"), warn: record("warn"), error: record("error") };
  const services = {
    prisma: new Proxy({}, { get: () => { throw new Error("the listener touched the database directly"); } }),
    ruleSet: tinyRuleSet(),
    complianceChannelId: "C0COMPLIANCE",
    now: () => new Date("2026-11-28T12:00:00Z"),
    log,
    onDeliveriesEnqueued: () => undefined,
  } as unknown as ServiceContext;
  const approvers = approverDirectory({
    userIds: args.approvers ?? [],
    hardStop: args.hardStopApprovers ? { userIds: args.hardStopApprovers } : undefined,
    client: args.client,
    log,
  });
  return { deps: { services, approvers }, logs };
}

/** Bolt's ack, recording what it was given. */
export function fakeAck(): { ack: (response?: unknown) => Promise<void>; acks: unknown[] } {
  const acks: unknown[] = [];
  return {
    acks,
    ack: async (response?: unknown) => {
      acks.push(response);
    },
  };
}

/** Bolt's respond(), recording what was sent to the response_url. */
export function fakeRespond(): { respond: (message: unknown) => Promise<unknown>; responses: unknown[] } {
  const responses: unknown[] = [];
  return {
    responses,
    respond: async (message: unknown) => {
      responses.push(message);
      return {};
    },
  };
}
