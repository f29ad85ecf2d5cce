import { describe, expect, it } from "vitest";
import { configWarnings, loadConfig } from "../../src/config/env.js";

const SECRET = "abcdef0123456789abcdef0123456789";
const TOKEN = "xoxb-1111-2222-abcdefabcdef";
const http = { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, COMPLIANCE_CHANNEL_ID: "C0123ABC" };

describe("loadConfig", () => {
  it("without Slack credentials runs the sandbox with defaults", () => {
    const r = loadConfig({});
    expect(r).toMatchObject({ ok: true, config: { mode: "sandbox", port: 3000, rulesDir: "./rules", approverUserIds: [] } });
  });

  it("with a bot token and signing secret runs in HTTP mode", () => {
    const r = loadConfig({ ...http, PORT: "8080", APPROVER_USER_IDS: "U01, U02AB", SLACK_API_URL: "http://127.0.0.1:4000/api" });
    expect(r).toMatchObject({
      ok: true,
      config: { mode: "http", port: 8080, approverUserIds: ["U01", "U02AB"], slackApiUrl: "http://127.0.0.1:4000/api/", complianceChannelId: "C0123ABC" },
    });
  });

  it("reads who approves hard stops under an authorisation, unset by default (the approvers then do)", () => {
    expect(loadConfig(http)).toMatchObject({ ok: true, config: { hardStopApproverUserIds: [], hardStopApproverUsergroupId: undefined } });
    expect(loadConfig({ ...http, HARD_STOP_APPROVER_USER_IDS: "UHARD1 , WHARD2", HARD_STOP_APPROVER_USERGROUP_ID: "SHARD" })).toMatchObject({
      ok: true,
      config: { hardStopApproverUserIds: ["UHARD1", "WHARD2"], hardStopApproverUsergroupId: "SHARD" },
    });
    const bad = loadConfig({ ...http, HARD_STOP_APPROVER_USER_IDS: "general counsel", HARD_STOP_APPROVER_USERGROUP_ID: "@legal" });
    expect(bad).toEqual({
      ok: false,
      problems: [
        'HARD_STOP_APPROVER_USER_IDS: expected comma-separated Slack user IDs such as U0123ABC,U0456DEF (got "general counsel")',
        'HARD_STOP_APPROVER_USERGROUP_ID: expected a user group ID such as S0123ABC (got "@legal")',
      ],
    });
  });

  it("with an app token runs in Socket Mode", () => {
    expect(loadConfig({ ...http, SLACK_APP_TOKEN: "xapp-1-A1-1-abc" })).toMatchObject({ ok: true, config: { mode: "socket" } });
  });

  it("reports every problem, one line each, naming the variable and what is expected", () => {
    const r = loadConfig({ SLACK_BOT_TOKEN: "xoxp-wrong", PORT: "99999", COMPLIANCE_CHANNEL_ID: "#compliance", APPROVER_USER_IDS: "alice,bob", DATABASE_URL: "mysql://x" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      "SLACK_BOT_TOKEN: expected a bot token starting with xoxb-",
      "PORT: expected a port number from 0 to 65535 (got \"99999\")",
      "DATABASE_URL: expected a postgresql:// URL (unset it to use the embedded database in ./data)",
      "COMPLIANCE_CHANNEL_ID: expected a channel ID such as C0123456789 (not a channel name) (got \"#compliance\")",
      "APPROVER_USER_IDS: expected comma-separated Slack user IDs such as U0123ABC,U0456DEF (got \"alice,bob\")",
    ]);
  });

  it("requires the signing secret and compliance channel in HTTP mode", () => {
    const r = loadConfig({ SLACK_BOT_TOKEN: TOKEN });
    expect(r).toEqual({
      ok: false,
      problems: [
        "SLACK_SIGNING_SECRET: required in HTTP mode (from Basic Information → App Credentials)",
        "COMPLIANCE_CHANNEL_ID: required when connected to Slack: the ID of the channel that receives escalations, such as C0123456789",
      ],
    });
  });

  it("never echoes a secret value", () => {
    const leaked = "xoxb-" + "9".repeat(20) + " spaces";
    const r = loadConfig({ SLACK_BOT_TOKEN: leaked, SLACK_SIGNING_SECRET: "short!", DATABASE_URL: "postgres://u:hunter2hunter2@/" + " x" });
    expect(r.ok).toBe(false);
    const text = JSON.stringify(r);
    expect(text).not.toContain("9999999999");
    expect(text).not.toContain("short!");
    expect(text).not.toContain("hunter2");
  });

  it("warns when nobody can decide escalations", () => {
    const r = loadConfig(http);
    if (!r.ok) throw new Error("expected ok");
    expect(configWarnings(r.config)).toEqual([expect.stringContaining("nobody can decide")]);
  });
});
