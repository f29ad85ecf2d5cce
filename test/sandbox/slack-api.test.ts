// The fake Web API through Slack's own client (@slack/web-api, the one Bolt uses): what the bot
// would see for each method it calls, for refusals, and for injected failures.
import { ErrorCode, LogLevel, WebClient, type Logger, type WebAPIPlatformError } from "@slack/web-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { newTriggerId } from "../../src/sandbox/ids.js";
import { startFakeSlackApi, type FakeSlackApi } from "../../src/sandbox/slack-api.js";

const TOKEN = "xoxb-sandbox-test";
const ALICE = "U0ALICE0001";
const BOB = "U0BOB00002";
const COMPLIANCE = "C0COMPLIAN";
const APPROVERS = "S0APPROVER";

/** The client logs Slack's "[ERROR] ..." messages; the tests assert them instead. */
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

let fake: FakeSlackApi;
let client: WebClient;

const plain = (text: string) => ({ type: "plain_text" as const, text });
const modalView = (title = "Screening") => ({
  type: "modal" as const,
  callback_id: "screening_page",
  title: plain(title),
  submit: plain("Next"),
  blocks: [{ type: "input", block_id: "q:item", label: plain("Item"), element: { type: "plain_text_input", action_id: "answer" } }],
});

beforeAll(async () => {
  fake = await startFakeSlackApi({
    users: [
      { id: ALICE, name: "alice", real_name: "Alice Example", tz: "Europe/Berlin" },
      { id: BOB, name: "bob", real_name: "Bob Example" },
    ],
    usergroups: { [APPROVERS]: [BOB] },
    channels: [{ id: COMPLIANCE, name: "export-compliance", is_private: true }],
    inventUnknownUsers: false,
  });
  client = new WebClient(TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: quiet });
});

afterEach(() => fake.reset());
afterAll(() => fake.close());

function platformError(err: unknown): WebAPIPlatformError {
  if (err instanceof Error && "code" in err && err.code === ErrorCode.PlatformError) return err as WebAPIPlatformError;
  throw err;
}

async function refusal(call: Promise<unknown>): Promise<WebAPIPlatformError["data"]> {
  try {
    await call;
  } catch (err) {
    return platformError(err).data;
  }
  throw new Error("expected the call to be refused");
}

describe("fake Slack Web API", () => {
  it("listens on 127.0.0.1 and gives Bolt's slackApiUrl", () => {
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}/api/`);
  });

  it("answers auth.test with the bot's identity", async () => {
    const r = await client.auth.test();
    expect(r).toMatchObject({ ok: true, user_id: "U0DDBOT", bot_id: "B0DDBOT", team_id: fake.identity.teamId });
  });

  it("refuses a call without a token (not_authed) and an unknown method (unknown_method)", async () => {
    const anonymous = new WebClient(undefined, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: quiet });
    expect((await refusal(anonymous.auth.test())).error).toBe("not_authed");
    expect((await refusal(client.apiCall("files.frobnicate"))).error).toBe("unknown_method");
  });

  it("views.open returns a view with an id and hash that stays addressable", async () => {
    const r = await client.views.open({ trigger_id: newTriggerId(), view: modalView() });
    const id = r.view?.id;
    expect(id).toMatch(/^V0[A-Z0-9]{9}$/);
    expect(r.view?.hash).toMatch(/^\d+\.[0-9a-f]{8}$/);
    expect(r.view).toMatchObject({ type: "modal", callback_id: "screening_page", root_view_id: id, state: { values: {} } });
    expect(fake.view(id ?? "")?.title).toEqual(plain("Screening"));
    expect(fake.callsTo("views.open")[0]?.args.view).toMatchObject({ callback_id: "screening_page" });
  });

  it("views.open needs a well-formed trigger_id, usable once", async () => {
    expect((await refusal(client.views.open({ trigger_id: "", view: modalView() }))).error).toBe("invalid_arguments");
    expect((await refusal(client.views.open({ trigger_id: "not-a-trigger", view: modalView() }))).error).toBe("invalid_trigger_id");
    const trigger = newTriggerId();
    await client.views.open({ trigger_id: trigger, view: modalView() });
    expect((await refusal(client.views.open({ trigger_id: trigger, view: modalView() }))).error).toBe("exchanged_trigger_id");
  });

  it("views.update replaces the view, and a stale hash gives hash_conflict", async () => {
    const opened = await client.views.open({ trigger_id: newTriggerId(), view: modalView("Page 1") });
    const id = opened.view?.id ?? "";
    const firstHash = opened.view?.hash ?? "";
    const updated = await client.views.update({ view_id: id, hash: firstHash, view: modalView("Page 2") });
    expect(updated.view?.id).toBe(id);
    expect(updated.view?.hash).not.toBe(firstHash);
    expect(fake.view(id)?.title).toEqual(plain("Page 2"));

    const conflict = await refusal(client.views.update({ view_id: id, hash: firstHash, view: modalView("Page 3") }));
    expect(conflict.error).toBe("hash_conflict");
    expect(fake.view(id)?.title).toEqual(plain("Page 2"));
    expect((await refusal(client.views.update({ view_id: "V0NOSUCHVW", view: modalView() }))).error).toBe("not_found");
  });

  it("views.update finds a view by external_id", async () => {
    const opened = await client.views.open({ trigger_id: newTriggerId(), view: { ...modalView(), external_id: "screening-42" } });
    await client.views.update({ external_id: "screening-42", view: { ...modalView("Again"), external_id: "screening-42" } });
    expect(fake.view(opened.view?.id ?? "")?.title).toEqual(plain("Again"));
  });

  it("views.push stacks at most three views", async () => {
    const root = await client.views.open({ trigger_id: newTriggerId(), view: modalView("Root") });
    const pushed = await client.views.push({ trigger_id: newTriggerId(), view: modalView("Second") });
    expect(pushed.view).toMatchObject({ root_view_id: root.view?.id, previous_view_id: root.view?.id });
    await client.views.push({ trigger_id: newTriggerId(), view: modalView("Third") });
    expect((await refusal(client.views.push({ trigger_id: newTriggerId(), view: modalView("Fourth") }))).error).toBe("push_limit_reached");
    expect(fake.workspace.modalStack(root.view?.id ?? "").map((v) => v.title)).toEqual([plain("Root"), plain("Second"), plain("Third")]);
  });

  it("views.publish keeps one Home tab per user", async () => {
    const first = await client.views.publish({ user_id: ALICE, view: { type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: "one" } }] } });
    const second = await client.views.publish({ user_id: ALICE, view: { type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: "two" } }] } });
    expect(second.view?.id).toBe(first.view?.id);
    expect(fake.homeOf(ALICE)?.blocks).toEqual([{ type: "section", text: { type: "mrkdwn", text: "two" } }]);
    expect(fake.homeOf(BOB)).toBeUndefined();
    expect((await refusal(client.views.publish({ user_id: ALICE, hash: first.view?.hash ?? "", view: { type: "home", blocks: [] } }))).error).toBe("hash_conflict");
  });

  it("chat.postMessage then chat.update changes the message in place", async () => {
    const posted = await client.chat.postMessage({ channel: COMPLIANCE, text: "Escalation DD-2026-0007", blocks: [{ type: "section", text: { type: "mrkdwn", text: "*Escalated*" } }] });
    expect(posted).toMatchObject({ ok: true, channel: COMPLIANCE });
    const ts = posted.ts ?? "";
    expect(ts).toMatch(/^\d{10}\.\d{6}$/);

    await client.chat.update({ channel: COMPLIANCE, ts, text: "Approved DD-2026-0007", blocks: [{ type: "section", text: { type: "mrkdwn", text: "*Approved* by <@U0BOB00002>" } }] });
    const [message, ...others] = fake.messages(COMPLIANCE);
    expect(others).toEqual([]);
    expect(message).toMatchObject({ ts, text: "Approved DD-2026-0007", blocks: [{ type: "section", text: { type: "mrkdwn", text: "*Approved* by <@U0BOB00002>" } }], edited: { user: "U0DDBOT" } });
  });

  it("chat.update of a message that does not exist is message_not_found", async () => {
    expect((await refusal(client.chat.update({ channel: COMPLIANCE, ts: "1700000000.000100", text: "x" }))).error).toBe("message_not_found");
    expect((await refusal(client.chat.update({ channel: "C0NOWHERE0", ts: "1700000000.000100", text: "x" }))).error).toBe("message_not_found");
    expect((await refusal(client.chat.update({ channel: ALICE, ts: "1700000000.000100", text: "x" }))).error).toBe("channel_not_found");
  });

  it("gives increasing, unique ts and keeps thread replies under their parent", async () => {
    const parent = await client.chat.postMessage({ channel: COMPLIANCE, text: "parent" });
    const reply1 = await client.chat.postMessage({ channel: COMPLIANCE, text: "reply 1", thread_ts: parent.ts ?? "" });
    const reply2 = await client.chat.postMessage({ channel: COMPLIANCE, text: "reply 2", thread_ts: parent.ts ?? "" });
    const stamps = [parent.ts, reply1.ts, reply2.ts].map(Number);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(new Set(stamps).size).toBe(3);
    const [top] = fake.messages(COMPLIANCE);
    expect(top).toMatchObject({ text: "parent", reply_count: 2 });
    expect(top?.replies.map((r) => [r.text, r.thread_ts])).toEqual([
      ["reply 1", parent.ts],
      ["reply 2", parent.ts],
    ]);
  });

  it("posts to a user id land in the bot's DM with them, the same one conversations.open gives", async () => {
    const opened = await client.conversations.open({ users: ALICE });
    const dm = opened.channel?.id ?? "";
    expect(dm).toMatch(/^D/);
    const posted = await client.chat.postMessage({ channel: ALICE, text: "Your screening was cleared" });
    expect(posted.channel).toBe(dm);
    expect(fake.dms(ALICE).map((m) => m.text)).toEqual(["Your screening was cleared"]);
    expect((await refusal(client.chat.postMessage({ channel: "U0NOBODY01", text: "x" }))).error).toBe("channel_not_found");
  });

  it("chat.postEphemeral records a message only one person sees", async () => {
    const r = await client.chat.postEphemeral({ channel: COMPLIANCE, user: BOB, text: "Only approvers may decide" });
    expect(r.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(fake.ephemerals({ user: BOB })).toMatchObject([{ channel: COMPLIANCE, text: "Only approvers may decide", via: "chat.postEphemeral" }]);
    expect(fake.messages(COMPLIANCE)).toEqual([]);
  });

  it("answers users.info, usergroups.users.list and conversations.info from its directory", async () => {
    const user = await client.users.info({ user: ALICE });
    expect(user.user).toMatchObject({ id: ALICE, name: "alice", real_name: "Alice Example", tz: "Europe/Berlin" });
    expect([3600, 7200]).toContain(user.user?.tz_offset);
    expect((await refusal(client.users.info({ user: "U0NOBODY01" }))).error).toBe("user_not_found");

    expect((await client.usergroups.users.list({ usergroup: APPROVERS })).users).toEqual([BOB]);
    fake.workspace.setUsergroup(APPROVERS, [BOB, ALICE]);
    expect((await client.usergroups.users.list({ usergroup: APPROVERS })).users).toEqual([BOB, ALICE]);
    expect((await refusal(client.usergroups.users.list({ usergroup: "S0NOSUCHGR" }))).error).toBe("no_such_subteam");

    expect((await client.conversations.info({ channel: COMPLIANCE })).channel).toMatchObject({ id: COMPLIANCE, name: "export-compliance", is_private: true });
  });

  it("accepts JSON bodies as well as form bodies", async () => {
    const res = await fetch(`${fake.url}chat.postMessage`, {
      method: "POST",
      headers: { "Content-Type": "application/json; charset=utf-8", Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: COMPLIANCE, text: "from JSON", blocks: [{ type: "divider" }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, channel: COMPLIANCE });
    expect(fake.messages(COMPLIANCE)[0]).toMatchObject({ text: "from JSON", blocks: [{ type: "divider" }] });
  });

  describe("limits", () => {
    it("refuses a modal title over 24 characters with invalid_arguments naming the limit", async () => {
      const data = await refusal(client.views.open({ trigger_id: newTriggerId(), view: modalView("A title that is far too long") }));
      expect(data.error).toBe("invalid_arguments");
      expect(data.response_metadata?.messages).toEqual(["[ERROR] modal title must be at most 24 characters (got 28) [json-pointer:/view/title/text]"]);
      expect(fake.views.size).toBe(0);
    });

    it("refuses a message with more than 50 blocks and keeps nothing", async () => {
      const blocks = Array.from({ length: 51 }, () => ({ type: "divider" }));
      const data = await refusal(client.chat.postMessage({ channel: COMPLIANCE, text: "many", blocks }));
      expect(data.error).toBe("invalid_arguments");
      expect(data.response_metadata?.messages?.[0]).toContain("at most 50 blocks");
      expect(fake.messages(COMPLIANCE)).toEqual([]);
    });

    it("refuses an update that breaks a limit and keeps the message as it was", async () => {
      const posted = await client.chat.postMessage({ channel: COMPLIANCE, text: "ok" });
      const data = await refusal(client.chat.update({ channel: COMPLIANCE, ts: posted.ts ?? "", text: "x", blocks: [{ type: "section", text: { type: "mrkdwn", text: "" } }] }));
      expect(data.response_metadata?.messages?.[0]).toContain("mrkdwn text must not be empty [json-pointer:/blocks/0/text/text]");
      expect(fake.messages(COMPLIANCE)[0]?.text).toBe("ok");
    });

    it("refuses a view over 250 kB with view_too_large", async () => {
      const blocks = Array.from({ length: 90 }, () => ({ type: "section", text: { type: "mrkdwn", text: "x".repeat(2900) } }));
      const data = await refusal(client.views.publish({ user_id: ALICE, view: { type: "home", blocks } }));
      expect(data.error).toBe("view_too_large");
    });

    it("refuses a message with neither text nor blocks (no_text)", async () => {
      expect((await refusal(client.chat.postMessage({ channel: COMPLIANCE, text: "" }))).error).toBe("no_text");
    });
  });

  describe("recording and waiting", () => {
    it("records each call with its decoded arguments and answer, without the token", async () => {
      await client.chat.postMessage({ channel: COMPLIANCE, text: "hi", blocks: [{ type: "divider" }] });
      const [call] = fake.callsTo("chat.postMessage");
      expect(call).toMatchObject({ method: "chat.postMessage", args: { channel: COMPLIANCE, text: "hi", blocks: [{ type: "divider" }] }, status: 200, response: { ok: true } });
      expect(call?.args).not.toHaveProperty("token");
      expect(typeof call?.at).toBe("number");
    });

    it("waitFor resolves when a matching call arrives, and names what it saw when none does", async () => {
      const waiting = fake.waitFor("chat.postMessage", (args) => args.text === "second", 2000);
      await client.chat.postMessage({ channel: COMPLIANCE, text: "first" });
      await client.chat.postMessage({ channel: COMPLIANCE, text: "second" });
      expect((await waiting).args.text).toBe("second");
      await expect(fake.waitFor("chat.postMessage", (args) => args.text === "third", 50)).rejects.toThrow(/no matching call to chat\.postMessage.*first/);
    });

    it("waitFor with `since` ignores calls made before", async () => {
      await client.chat.postMessage({ channel: COMPLIANCE, text: "old" });
      const since = fake.calls.length;
      const waiting = fake.waitFor("chat.postMessage", undefined, { since, timeoutMs: 2000 });
      await client.chat.postMessage({ channel: COMPLIANCE, text: "new" });
      expect((await waiting).args.text).toBe("new");
    });

    it("close rejects whoever is still waiting", async () => {
      const other = await startFakeSlackApi();
      const waiting = other.waitFor("chat.postMessage", undefined, 10_000);
      await other.close();
      await expect(waiting).rejects.toThrow(/closed/);
    });

    it("reset forgets calls and state but keeps the directory", async () => {
      await client.chat.postMessage({ channel: COMPLIANCE, text: "hi" });
      fake.reset();
      expect(fake.calls).toEqual([]);
      expect(fake.messages(COMPLIANCE)).toEqual([]);
      expect((await client.users.info({ user: ALICE })).user?.name).toBe("alice");
    });
  });

  describe("fault injection", () => {
    it("failNext 429 with Retry-After reaches the client as a rate-limit error", async () => {
      const strict = new WebClient(TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: quiet });
      fake.failNext("chat.postMessage", { status: 429, retryAfter: 7 });
      const err: unknown = await strict.chat.postMessage({ channel: COMPLIANCE, text: "x" }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
      expect(fake.messages(COMPLIANCE)).toEqual([]);
      expect(fake.callsTo("chat.postMessage")[0]).toMatchObject({ status: 429, response: { ok: false, error: "ratelimited" } });
      // Only the next call failed.
      await strict.chat.postMessage({ channel: COMPLIANCE, text: "y" });
      expect(fake.messages(COMPLIANCE).map((m) => m.text)).toEqual(["y"]);
    });

    it("a client that retries gets through after the Retry-After pause", async () => {
      const patient = new WebClient(TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 }, logger: quiet });
      fake.failNext("chat.postMessage", { status: 429, retryAfter: 0 });
      await patient.chat.postMessage({ channel: COMPLIANCE, text: "eventually" });
      expect(fake.callsTo("chat.postMessage").map((c) => c.status)).toEqual([429, 200]);
      expect(fake.messages(COMPLIANCE).map((m) => m.text)).toEqual(["eventually"]);
    });

    it("5xx, error codes, `times` and dropped connections", async () => {
      fake.failNext("views.publish", { status: 503 });
      const http = await client.views.publish({ user_id: ALICE, view: { type: "home", blocks: [] } }).catch((e: unknown) => e);
      expect(http).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });

      fake.failNext("users.info", { error: "user_not_visible", times: 2 });
      expect((await refusal(client.users.info({ user: ALICE }))).error).toBe("user_not_visible");
      expect((await refusal(client.users.info({ user: ALICE }))).error).toBe("user_not_visible");
      expect((await client.users.info({ user: ALICE })).ok).toBe(true);

      fake.failNext("*", { network: true });
      const dropped = await client.auth.test().catch((e: unknown) => e);
      expect(dropped).toMatchObject({ code: ErrorCode.RequestError });
      expect(fake.callsTo("auth.test")[0]).toMatchObject({ status: 0, response: undefined });
      expect((await client.auth.test()).ok).toBe(true);
    });
  });

  describe("response_url", () => {
    it("records posts, shows ephemerals to the clicker and replaces the original message", async () => {
      const posted = await client.chat.postMessage({ channel: COMPLIANCE, text: "Escalation" });
      const url = fake.responseUrl("click-1", { channel: COMPLIANCE, ts: posted.ts ?? "", user: BOB });
      expect(url).toBe(`${fake.baseUrl}/response/click-1`);

      const eph = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: "Only approvers may decide" }) });
      expect(eph.status).toBe(200);
      expect(fake.ephemerals({ user: BOB }).map((e) => e.text)).toEqual(["Only approvers may decide"]);

      await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ replace_original: true, text: "Decided" }) });
      expect(fake.messages(COMPLIANCE).map((m) => m.text)).toEqual(["Decided"]);
      expect(fake.responses.map((r) => r.body)).toEqual([{ text: "Only approvers may decide" }, { replace_original: true, text: "Decided" }]);
      await expect(fake.waitForResponse((r) => r.id === "click-1", 100)).resolves.toMatchObject({ status: 200 });
    });

    it("allows five posts per response_url", async () => {
      const url = fake.responseUrl();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: `n${i}` }) });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    });
  });

  describe("what Slack's client does with a view_submission ack", () => {
    it("update replaces, push stacks, errors keep, nothing closes", async () => {
      const opened = await client.views.open({ trigger_id: newTriggerId(), view: modalView("Page 1") });
      const id = opened.view?.id ?? "";
      expect(fake.applyResponseAction(id, { response_action: "errors", errors: { "q:item": "Required" } })).toEqual({ kind: "errors", errors: { "q:item": "Required" } });
      const updated = fake.applyResponseAction(id, { response_action: "update", view: modalView("Page 2") });
      expect(updated).toMatchObject({ kind: "updated", view: { id, title: plain("Page 2") } });
      expect(fake.applyResponseAction(id, { response_action: "update", view: modalView("x".repeat(30)) })).toMatchObject({ kind: "refused", error: "invalid_arguments" });
      const pushed = fake.applyResponseAction(id, { response_action: "push", view: modalView("Details") });
      expect(pushed).toMatchObject({ kind: "pushed", view: { root_view_id: id, previous_view_id: id } });
      expect(fake.workspace.modalStack(id)).toHaveLength(2);
      expect(fake.applyResponseAction(id, {})).toEqual({ kind: "closed", viewId: id });
      expect(fake.workspace.openModals()).toEqual([]);
    });
  });
});
