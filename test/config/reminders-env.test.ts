// REMINDERS_* in the environment: defaults, what each means, and one line per malformed value.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.js";

const H = 3_600_000;
const D = 24 * H;
const http = { SLACK_BOT_TOKEN: "xoxb-1111-2222-abcdefabcdef", SLACK_SIGNING_SECRET: "abcdef0123456789abcdef0123456789", COMPLIANCE_CHANNEL_ID: "C0123ABC" };

describe("reminder settings", () => {
  it("default to on: drafts after 3 days, escalations after 24 h, 48 h more, then every 72 h, a digest at 09:00 UTC, looked for every 15 minutes, weekends not quiet", () => {
    expect(loadConfig(http)).toMatchObject({
      ok: true,
      config: {
        reminders: {
          enabled: true,
          policy: { draftIntervalsMs: [3 * D], escalationIntervalsMs: [24 * H, 48 * H, 72 * H], digestHourUtc: 9, quietWeekends: false },
          checkIntervalMs: 900_000,
        },
      },
    });
  });

  it("reads each variable", () => {
    const r = loadConfig({
      ...http,
      REMINDERS_ENABLED: "false",
      REMINDERS_DRAFT_DAYS: "2, 5.5",
      REMINDERS_ESCALATION_HOURS: "8,16",
      REMINDERS_DIGEST_HOUR_UTC: "off",
      REMINDERS_QUIET_WEEKENDS: "TRUE",
      REMINDERS_CHECK_SECONDS: "30",
    });
    expect(r).toMatchObject({
      ok: true,
      config: {
        reminders: {
          enabled: false,
          policy: { draftIntervalsMs: [2 * D, 5.5 * D], escalationIntervalsMs: [8 * H, 16 * H], digestHourUtc: null, quietWeekends: true },
          checkIntervalMs: 30_000,
        },
      },
    });
    expect(loadConfig({ ...http, REMINDERS_DIGEST_HOUR_UTC: "0" })).toMatchObject({ ok: true, config: { reminders: { policy: { digestHourUtc: 0 } } } });
  });

  it("names each malformed value and what is expected, and starts nothing", () => {
    const r = loadConfig({
      ...http,
      REMINDERS_ENABLED: "maybe",
      REMINDERS_DRAFT_DAYS: "three",
      REMINDERS_ESCALATION_HOURS: "24,0",
      REMINDERS_DIGEST_HOUR_UTC: "24",
      REMINDERS_QUIET_WEEKENDS: "on weekends",
      REMINDERS_CHECK_SECONDS: "0",
    });
    expect(r).toEqual({
      ok: false,
      problems: [
        'REMINDERS_ENABLED: expected true or false (reminders and the daily digest) (got "maybe")',
        'REMINDERS_DRAFT_DAYS: expected comma-separated numbers of days, each above 0 and at most 365, such as 3 or 3,7 (got "three")',
        'REMINDERS_ESCALATION_HOURS: expected comma-separated numbers of hours, each above 0 and at most 8760, such as 24,48,72 (got "24,0")',
        'REMINDERS_DIGEST_HOUR_UTC: expected an hour of the day in UTC from 0 to 23, or off (got "24")',
        'REMINDERS_QUIET_WEEKENDS: expected true or false (move reminders due on a Saturday or Sunday to Monday 09:00 UTC) (got "on weekends")',
        'REMINDERS_CHECK_SECONDS: expected whole seconds from 1 to 86400 (got "0")',
      ],
    });
  });
});
