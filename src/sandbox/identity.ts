// The workspace and app the sandbox pretends to be. The fake Web API answers auth.test with
// it and the forged requests carry it, so both sides agree without being told twice. The bot
// learns its team, app and own ids from that auth.test at start (src/slack/app.ts): requests
// naming another team are dropped, and Bolt's "ignore my own events" sees the bot the fake reports.

export interface SandboxIdentity {
  teamId: string;
  teamDomain: string;
  teamName: string;
  appId: string;
  botId: string;
  botUserId: string;
  botName: string;
}

export const DEFAULT_IDENTITY: Readonly<SandboxIdentity> = Object.freeze({
  teamId: "T0DDSANDBX",
  teamDomain: "dd-sandbox",
  teamName: "Due Diligence Sandbox",
  appId: "A0DDAPP",
  botId: "B0DDBOT",
  botUserId: "U0DDBOT",
  botName: "dd-bot",
});

export function identityWith(overrides: Partial<SandboxIdentity> = {}): SandboxIdentity {
  return { ...DEFAULT_IDENTITY, ...overrides };
}
