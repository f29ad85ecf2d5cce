// The sandbox's clock, through its page's JSON API and without a browser: the page shows the
// simulated time, moves it forward a step at a time, and the bot at once sends what came due (a
// draft left three days: its reminder in the requester's DM). The offset is kept with the data,
// so a restarted sandbox does not go back in time; --reset forgets it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../../src/config/env.js";
import { RedactingLogger } from "../../src/log.js";
import type { PageState } from "../../src/sandbox/client-simulator.js";
import { CLOCK_FILE, type ClockState } from "../../src/sandbox/clock.js";
import { SANDBOX_PEOPLE, startSandbox, type RunningSandbox } from "../../src/sandbox/run.js";

const REQUESTER = SANDBOX_PEOPLE.requester;
const DAY = 86_400_000;

let sandbox: RunningSandbox | undefined;
let dataDir: string;
let config: Config;
const logs: string[] = [];

type ClockedPage = PageState & { clock: ClockState | null };

async function start(reset: boolean): Promise<RunningSandbox> {
  sandbox = await startSandbox(config, new RedactingLogger((line) => logs.push(line)), { reset, dataDir, webPort: 0, print: () => {} });
  return sandbox;
}

async function stop(): Promise<void> {
  await sandbox?.stop();
  sandbox = undefined;
}

async function state(s: RunningSandbox, as = REQUESTER): Promise<ClockedPage> {
  const res = await fetch(`${s.url}api/state?as=${as}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ClockedPage;
}

async function act(s: RunningSandbox, path: string, body: Record<string, unknown>, origin = s.url.replace(/\/$/, "")) {
  const res = await fetch(`${s.url}api/${path}`, { method: "POST", headers: { "Content-Type": "application/json", Origin: origin }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as { ok: boolean; message?: string; clock?: ClockState } };
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

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "dd-sandbox-clock-"));
  const loaded = loadConfig({ PORT: "0", RULES_DIR: "rules" });
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  config = loaded.config;
});

afterAll(async () => {
  await stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("the sandbox clock", () => {
  it("shows the simulated time and moves it forward; a draft's reminder arrives once three days have passed", async () => {
    const s = await start(true);
    const before = await state(s);
    expect(before.clock?.offsetMs).toBe(0);
    expect(Math.abs(Date.parse(before.clock?.now ?? "") - Date.now())).toBeLessThan(60_000);

    // A draft: the screening is created when /screening opens it; the requester closes it.
    await act(s, "message", { as: REQUESTER, channel: before.dmChannel, text: "/screening" });
    const page = await until("the first page", async () => {
      const modal = (await state(s)).modal;
      return modal?.view.callback_id === "screening_page" ? modal : undefined;
    });
    expect((await act(s, "close", { as: REQUESTER, viewId: page.view.id, values: {} })).json.ok).toBe(true);
    const dm = async (pattern: RegExp) => ((await state(s)).conversations[before.dmChannel]?.messages ?? []).filter((m) => pattern.test(m.text));
    const reminders = () => dm(/still a draft/);
    // Slack is answered before the bot handles the close: the draft counts as left when the bot
    // says it is saved, not when the page's request returns (moving the clock before that would
    // date the draft a day later).
    await until("the draft-saved DM", async () => ((await dm(/is saved as a draft/)).length > 0 ? true : undefined));

    const two = [await act(s, "clock", { as: REQUESTER, step: "day" }), await act(s, "clock", { as: REQUESTER, step: "day" })];
    expect(two.map((r) => r.json.clock?.offsetMs)).toEqual([DAY, 2 * DAY]);
    expect(await reminders()).toEqual([]);

    const third = await act(s, "clock", { as: REQUESTER, step: "day" });
    expect(third).toMatchObject({ status: 200, json: { ok: true, clock: { offsetMs: 3 * DAY } } });
    const [reminder] = await until("the draft's reminder", async () => {
      const found = await reminders();
      return found.length > 0 ? found : undefined;
    });
    expect(reminder?.text).toMatch(/is still a draft, untouched for 3 days/);
    // The Slack stand-in dates the reminder by the sandbox's clock, three days ahead.
    expect(Number(reminder?.ts) * 1000).toBeGreaterThan(Date.now() + 3 * DAY - 60_000);
    expect((await state(s)).clock?.offsetMs).toBe(3 * DAY);

    // An hour more: nothing new is due, and the reminder is not sent again.
    expect((await act(s, "clock", { as: REQUESTER, step: "hour" })).json.clock?.offsetMs).toBe(3 * DAY + 3_600_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(await reminders()).toHaveLength(1);
  });

  it("refuses an unknown step and a foreign page, and moves nothing", async () => {
    const s = sandbox ?? (await start(false));
    const offset = (await state(s)).clock?.offsetMs;
    expect(await act(s, "clock", { as: REQUESTER, step: "year" })).toMatchObject({ status: 400, json: { ok: false, message: "step: expected one of hour, day, week" } });
    expect((await act(s, "clock", { as: REQUESTER, step: "day" }, "http://evil.example")).status).toBe(403);
    expect((await state(s)).clock?.offsetMs).toBe(offset);
  });

  it("keeps the clock ahead across a restart, and --reset starts again from the real time", async () => {
    const offset = (await state(sandbox ?? (await start(false)))).clock?.offsetMs ?? 0;
    expect(offset).toBeGreaterThan(3 * DAY);
    await stop();
    expect(JSON.parse(readFileSync(join(dataDir, CLOCK_FILE), "utf8"))).toEqual({ offsetMs: offset });
    expect((await state(await start(false))).clock?.offsetMs).toBe(offset);
    await stop();
    expect((await state(await start(true))).clock?.offsetMs).toBe(0);
    expect(existsSync(join(dataDir, CLOCK_FILE))).toBe(false);
  }, 120_000);
});
