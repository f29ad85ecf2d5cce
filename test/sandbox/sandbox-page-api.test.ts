// The sandbox behind its page, without a browser: `startSandbox` runs the real bot on the
// embedded database, and the page's JSON API turns what a person does into signed Slack
// requests. Each person sees only their own modal and ephemerals; the page server refuses
// requests from other origins.
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.js";
import { RedactingLogger } from "../../src/log.js";
import type { PageState } from "../../src/sandbox/client-simulator.js";
import { SANDBOX_PEOPLE, startSandbox, type RunningSandbox } from "../../src/sandbox/run.js";

const REQUESTER = SANDBOX_PEOPLE.requester;
const OUTSIDER = SANDBOX_PEOPLE.outsider;

let sandbox: RunningSandbox;
let dataDir: string;
let origin: string;
const logs: string[] = [];

async function state(as: string): Promise<PageState> {
  const res = await fetch(`${sandbox.url}api/state?as=${as}`);
  expect(res.status).toBe(200);
  return (await res.json()) as PageState;
}

async function act(path: string, body: Record<string, unknown>): Promise<{ status: number; json: { ok: boolean; message?: string } }> {
  const res = await fetch(`${sandbox.url}api/${path}`, { method: "POST", headers: { "Content-Type": "application/json", Origin: origin }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as { ok: boolean; message?: string } };
}

function statusWithHost(url: string, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on("error", reject);
    req.end();
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "dd-sandbox-api-"));
  const loaded = loadConfig({ PORT: "0", RULES_DIR: "rules" });
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  sandbox = await startSandbox(loaded.config, new RedactingLogger((line) => logs.push(line)), { reset: true, dataDir, webPort: 0, print: () => {} });
  origin = sandbox.url.replace(/\/$/, "");
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("the sandbox page server", () => {
  it("serves the page with a content security policy and the scripts as JavaScript", async () => {
    const page = await fetch(sandbox.url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    for (const file of ["app.js", "blocks.js", "mrkdwn.js"]) {
      const res = await fetch(`${sandbox.url}${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/javascript");
    }
    expect((await fetch(`${sandbox.url}../package.json`)).status).toBe(404);
  });

  it("refuses requests from another origin, for another host name, or not in JSON", async () => {
    const body = JSON.stringify({ as: REQUESTER, channel: "D0REQUESTER", text: "/screening help" });
    const foreign = await fetch(`${sandbox.url}api/message`, { method: "POST", headers: { "Content-Type": "application/json", Origin: "http://evil.example" }, body });
    expect(foreign.status).toBe(403);
    const form = await fetch(`${sandbox.url}api/message`, { method: "POST", headers: { "Content-Type": "text/plain", Origin: origin }, body });
    expect(form.status).toBe(415);
    // fetch() will not send another Host; node:http will, as a DNS-rebinding page's would arrive.
    expect(await statusWithHost(`${sandbox.url}api/state?as=${REQUESTER}`, "attacker.example")).toBe(421);
    expect((await fetch(`${sandbox.url}api/state?as=U0NOBODY`)).status).toBe(404);
  });

  it("answers /screening help with an ephemeral only the person who typed it sees", async () => {
    const me = await state(REQUESTER);
    const reply = await act("message", { as: REQUESTER, channel: me.dmChannel, text: "/screening help" });
    expect(reply.json.ok).toBe(true);
    const mine = (await state(REQUESTER)).conversations[me.dmChannel]?.ephemerals ?? [];
    expect(mine.map((e) => e.text).join("\n")).toContain("/screening");
    expect(mine.every((e) => e.from === "bot")).toBe(true);
    const theirs = await state(OUTSIDER);
    expect(Object.values(theirs.conversations).flatMap((c) => c.ephemerals)).toEqual([]);
    const sent = (await state(REQUESTER)).traffic.find((t) => t.label === "slash command /screening help");
    expect(sent).toMatchObject({ direction: "to-bot", ok: true });
  });

  it("opens the modal for the person whose command it was, refuses an empty page client-side, and tells the bot when it is closed", async () => {
    const me = await state(REQUESTER);
    await act("message", { as: REQUESTER, channel: me.dmChannel, text: "/screening" });
    // a placeholder opens at once, then the first page replaces it
    const opened = await until("the first page", async () => {
      const modal = (await state(REQUESTER)).modal;
      return modal?.view.callback_id === "screening_page" ? modal : undefined;
    });
    expect(opened.view.callback_id).toBe("screening_page");
    expect((await state(OUTSIDER)).modal).toBeNull();

    const submitted = await act("submit", { as: REQUESTER, viewId: opened.view.id, values: {} });
    expect(submitted.json.ok).toBe(false);
    const after = await state(REQUESTER);
    expect(Object.values(after.modal?.errors ?? {})).toContain("Please complete this required field.");
    expect(after.traffic.some((t) => t.label.startsWith("view_submission"))).toBe(false);

    const closed = await act("close", { as: REQUESTER, viewId: opened.view.id, values: {} });
    expect(closed.json.ok).toBe(true);
    const final = await state(REQUESTER);
    expect(final.modal).toBeNull();
    expect(final.traffic.find((t) => t.label === "view_closed screening_page")).toMatchObject({ ok: true });
  });

  it("lets people type in the app's Messages tab, as the manifest says (the bot answers only /screening), and talk in the channel", async () => {
    const me = await state(OUTSIDER);
    const ephemeralsBefore = me.conversations[me.dmChannel]?.ephemerals.length ?? 0;
    expect((await act("message", { as: OUTSIDER, channel: me.dmChannel, text: "hello bot" })).json.ok).toBe(true);
    const dm = (await state(OUTSIDER)).conversations[me.dmChannel];
    expect(dm?.messages.at(-1)).toMatchObject({ user: OUTSIDER, text: "hello bot" });
    expect(dm?.ephemerals.length ?? 0).toBe(ephemeralsBefore);
    await act("message", { as: OUTSIDER, channel: me.channel.id, text: "Hi <team> & all" });
    const channel = (await state(REQUESTER)).conversations[me.channel.id]?.messages ?? [];
    expect(channel.at(-1)).toMatchObject({ user: OUTSIDER, text: "Hi &lt;team&gt; &amp; all" });
    expect((await act("message", { as: OUTSIDER, channel: "C0SOMEWHEREELSE", text: "hi" })).json.ok).toBe(false);
  });

  it("publishes the Home tab when a person opens it", async () => {
    await act("home", { as: SANDBOX_PEOPLE.approvers[0] });
    const home = await until("the Home tab", async () => (await state(SANDBOX_PEOPLE.approvers[0])).home ?? undefined);
    expect(JSON.stringify(home.blocks)).toContain("Waiting for your decision");
  });
});
