// `npm start` without Slack credentials: the bot as in production (HTTP mode, signed requests,
// the production receiver settings, embedded database in ./data) plus the local Slack
// stand-in it talks to (the fake Web API) and a page in the browser through which four
// people use it (the page's clicks reach the bot as signed Slack requests over HTTP). The page
// can move the sandbox's clock forward (clock.ts), and the bot then sends what has come due.
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { startBot, type RunningBot } from "../bot.js";
import type { Config } from "../config/env.js";
import type { RedactingLogger } from "../log.js";
import { lockDataFolder } from "../store/data-lock.js";
import { ClientSimulator } from "./client-simulator.js";
import { CLOCK_STEPS, forgetSandboxClock, openSandboxClock, type AdjustableClock } from "./clock.js";
import { COMPLIANCE_CHANNEL_NAME, SANDBOX_PEOPLE, SANDBOX_PERSONS } from "./people.js";
import { startFakeSlackApi } from "./slack-api.js";
import { startSandboxWebServer, type SandboxClockControl } from "./web-server.js";

export { SANDBOX_PEOPLE, SANDBOX_PERSONS } from "./people.js";

const SANDBOX_BOT_TOKEN = "xoxb-sandbox-local";

export interface SandboxOptions {
  /** start from an empty database: deletes <dataDir>/pglite first */
  reset: boolean;
  /** default ./data */
  dataDir?: string;
  /** port of the page; default PORT + 1 (a free port when PORT is 0 or that one is taken) */
  webPort?: number;
  /** where the "open this URL" banner goes; default stdout */
  print?: (text: string) => void;
}

export interface RunningSandbox extends RunningBot {
  /** the page to open */
  url: string;
  /** the sandbox's time: the real time plus what the page (or a test) moved it forward */
  clock: AdjustableClock;
}

export async function startSandbox(config: Config, log: RedactingLogger, opts: SandboxOptions): Promise<RunningSandbox> {
  const dataDir = opts.dataDir ?? "./data";
  if (opts.reset) {
    // Not under a sandbox (or bot) that is running on this folder: the lock says whether one is.
    await mkdir(dataDir, { recursive: true });
    const lock = await lockDataFolder(dataDir);
    try {
      await rm(`${dataDir}/pglite`, { recursive: true, force: true });
      await forgetSandboxClock(dataDir);
    } finally {
      await lock.release();
    }
  }
  await mkdir(dataDir, { recursive: true });
  const clock = await openSandboxClock(dataDir);
  const api = await startFakeSlackApi({
    port: 0,
    clock: () => clock.now().getTime(),
    tokens: [SANDBOX_BOT_TOKEN],
    users: SANDBOX_PERSONS.map((p) => ({ id: p.id, name: p.handle, real_name: p.realName })),
    channels: [{ id: config.complianceChannelId, name: COMPLIANCE_CHANNEL_NAME }],
  });
  // A fresh secret each run: the sandbox signs its own requests exactly as Slack would.
  const signingSecret = randomBytes(24).toString("hex");
  const sandboxConfig: Config = {
    ...config,
    mode: "http",
    slackBotToken: SANDBOX_BOT_TOKEN,
    slackSigningSecret: signingSecret,
    slackApiUrl: api.url,
    approverUserIds: [...SANDBOX_PEOPLE.approvers],
    approverUsergroupId: undefined,
    // The sandbox's approvers approve hard stops too: its workspace has nobody else to name.
    hardStopApproverUserIds: [],
    hardStopApproverUsergroupId: undefined,
  };

  let bot: RunningBot | undefined;
  let client: ClientSimulator | undefined;
  try {
    bot = await startBot(sandboxConfig, log, { dataDir, clock });
    if (bot.port === undefined) throw new Error("the bot did not report the port it listens on");
    client = new ClientSimulator({
      api,
      botUrl: `http://127.0.0.1:${bot.port}`,
      signingSecret,
      complianceChannelId: config.complianceChannelId,
      now: () => clock.now().getTime(),
    });
    const started = bot;
    const clockControl = {
      state: () => clock.state(),
      steps: Object.keys(CLOCK_STEPS),
      // Moved forward, the bot sends at once what has come due (reminders, the digest).
      async advance(ms: number) {
        const state = await clock.advance(ms);
        await started.runDueWork();
        log.info("sandbox clock moved forward", { now: state.now, offsetMs: state.offsetMs });
        return state;
      },
    };
    const web = await listenOnPreferredPort(client, clockControl, opts.webPort ?? (config.port === 0 || config.port >= 65535 ? 0 : config.port + 1));
    const print = opts.print ?? ((text: string) => process.stdout.write(text));
    print(
      `\nSandbox running: the bot with a local stand-in for Slack. Nothing leaves this machine.\n\n` +
        `  Open ${web.url}\n\n` +
        `The bot answers Slack's requests on http://127.0.0.1:${bot.port}/slack/events; its Slack Web API stand-in is ${api.baseUrl}.\n` +
        `Data in ${dataDir}/ (start with --reset for an empty database). Press Ctrl+C to stop.\n\n`,
    );
    const running = bot;
    const simulator = client;
    return {
      port: running.port,
      url: web.url,
      clock,
      reminders: running.reminders,
      runDueWork: () => running.runDueWork(),
      async stop() {
        await web.close();
        simulator.close();
        await running.stop();
        await api.close();
      },
    };
  } catch (err) {
    client?.close();
    await bot?.stop().catch(() => undefined);
    await api.close();
    throw err;
  }
}

async function listenOnPreferredPort(client: ClientSimulator, clock: SandboxClockControl, port: number) {
  try {
    return await startSandboxWebServer({ client, clock, port });
  } catch (err) {
    if (port !== 0 && isAddressInUse(err)) return startSandboxWebServer({ client, clock, port: 0 });
    throw err;
  }
}

function isAddressInUse(err: unknown): boolean {
  return err instanceof Error && "code" in err && err.code === "EADDRINUSE";
}
