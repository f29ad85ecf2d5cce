// manifest.yml asks for exactly the scopes the bot uses: every Slack Web API method the source
// calls is looked up in a table of the scope Slack documents for it, and the manifest must hold
// those scopes (plus the ones features need) and nothing else. A new call fails here until the
// table says what it needs; a scope nobody uses fails here until it is removed.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = join(import.meta.dirname, "../..");

/**
 * Bot-token scope per Web API method, from each method's page on docs.slack.dev
 * (https://docs.slack.dev/reference/methods/<method>). A DM is chat.postMessage with the
 * person's user ID as `channel`, which needs chat:write only (im:write is for
 * conversations.open, which the bot does not call).
 */
const SCOPES_BY_METHOD: Record<string, readonly string[]> = {
  "auth.test": [],
  "chat.getPermalink": [],
  "chat.postEphemeral": ["chat:write"],
  "chat.postMessage": ["chat:write"],
  "chat.update": ["chat:write"],
  // The compliance channel, public or private (a DM or group DM is never searched: no im/mpim:history).
  "conversations.history": ["channels:history", "groups:history"],
  // Bolt's wrapper over files.getUploadURLExternal and files.completeUploadExternal (both files:write).
  "files.uploadV2": ["files:write"],
  "usergroups.users.list": ["usergroups:read"],
  "views.open": [],
  "views.publish": [],
  "views.push": [],
  "views.update": [],
};

/** Scopes no single method call implies, each with the feature that needs it. */
const FEATURE_SCOPES: Record<string, string> = {
  commands: "the /screening slash command (features.slash_commands)",
  "chat:write.public": "posting escalations to COMPLIANCE_CHANNEL_ID without joining it (README: no invite needed for a public channel)",
};

/** Events the bot subscribes to and the scope each needs (app_home_opened: none). */
const SCOPES_BY_EVENT: Record<string, readonly string[]> = { app_home_opened: [] };

interface Manifest {
  features: { app_home: Record<string, unknown>; slash_commands?: { command: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions?: { bot_events?: string[] } };
}

const manifest = parse(readFileSync(join(ROOT, "manifest.yml"), "utf8")) as Manifest;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" || e.name === "sandbox" ? [] : sourceFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/**
 * The Web API methods the bot's source calls, with where: `client.chat.postMessage(`,
 * `deps.client.usergroups.users.list(`, `apiCall("…")`, and Bolt's `say(` (chat.postMessage).
 * src/sandbox (the stand-in for Slack) and src/generated are not the bot.
 */
function webApiCallsIn(files: readonly string[]): Map<string, string[]> {
  const calls = new Map<string, string[]>();
  const add = (method: string, where: string) => calls.set(method, [...(calls.get(method) ?? []), where]);
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const where = relative(ROOT, file);
    for (const m of text.matchAll(/\bclient\.((?:[a-z]+\.)+[a-zA-Z][a-zA-Z0-9]*)\s*\(/g)) add(m[1]!, where);
    for (const m of text.matchAll(/\bapiCall\(\s*["'`]([\w.]+)["'`]/g)) add(m[1]!, where);
    if (/(?<![\w.])say\(/.test(text)) add("chat.postMessage", where);
  }
  return calls;
}

const calls = webApiCallsIn(sourceFiles(join(ROOT, "src")));

describe("manifest.yml scopes", () => {
  it("finds the bot's Web API calls in the source", () => {
    // Guards the scan itself: if these disappear, the pattern no longer matches the code.
    expect([...calls.keys()]).toEqual(expect.arrayContaining(["chat.postMessage", "chat.update", "views.open", "usergroups.users.list"]));
  });

  it("knows the scope of every method the bot calls", () => {
    const unknown = [...calls.entries()].filter(([method]) => !(method in SCOPES_BY_METHOD)).map(([method, where]) => `${method} (${[...new Set(where)].join(", ")})`);
    expect(unknown, "add these methods to SCOPES_BY_METHOD with the scope Slack documents").toEqual([]);
  });

  it("lists no method the bot no longer calls", () => {
    expect(Object.keys(SCOPES_BY_METHOD).filter((method) => !calls.has(method))).toEqual([]);
  });

  it("requests exactly the scopes the calls, events and features need", () => {
    const needed = new Set<string>();
    for (const method of calls.keys()) for (const scope of SCOPES_BY_METHOD[method] ?? []) needed.add(scope);
    for (const event of manifest.settings.event_subscriptions?.bot_events ?? []) {
      expect(SCOPES_BY_EVENT, `scope of the ${event} event`).toHaveProperty([event]);
      for (const scope of SCOPES_BY_EVENT[event] ?? []) needed.add(scope);
    }
    for (const scope of Object.keys(FEATURE_SCOPES)) needed.add(scope);
    const requested = manifest.oauth_config.scopes.bot;
    expect(new Set(requested).size, "no scope twice").toBe(requested.length);
    expect([...requested].sort()).toEqual([...needed].sort());
  });

  it("keeps the features the feature scopes stand for", () => {
    expect(manifest.features.slash_commands?.map((c) => c.command)).toContain("/screening");
    expect(calls.get("chat.postMessage")?.some((where) => where.endsWith("delivery-worker.ts"))).toBe(true);
  });
});

describe("manifest.yml Messages tab", () => {
  it("lets people type /screening in the app's Messages tab, as the README tells them to", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toMatch(/type `\/screening` in the app's Messages tab/);
    expect(manifest.features.app_home).toMatchObject({ messages_tab_enabled: true, messages_tab_read_only_enabled: false });
  });
});
