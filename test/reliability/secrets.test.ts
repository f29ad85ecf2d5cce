// Point 9, secrets and personal data: the bot token, the signing secret and a database password
// never appear in a log line, an error, a reply to Slack or /healthz, whatever goes wrong
// (Slack refusing the token, forged signatures, a failing database, bad configuration, a failed
// start); and logs carry screening ids, never what people answered or wrote as a rationale.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.js";
import { RedactingLogger } from "../../src/log.js";
import { describeError } from "../../src/log-safe.js";
import { startFakeSlackApi, type FakeSlackApi } from "../../src/sandbox/slack-api.js";
import { signSlackRequest } from "../../src/sandbox/signing.js";
import type { E2E } from "../e2e/support/harness.js";
import { ackOf, escalationMessage, high, low, openDecision, pageSubmission, rationaleState, sendSubmission, submitScreening } from "./support/flows.js";
import { REPO, startBotProcess } from "./support/bot-process.js";
import { outageDatabase, type OutageDatabase } from "./support/db-outage.js";
import { hookDatabase } from "./support/hooked-sql.js";
import { APPROVERS, BOT_TOKEN, COMPLIANCE, SIGNING_SECRET, printFigures, startInstance, waitUntil } from "./support/instances.js";

const CANARY_ANSWER = "CANARY-ANSWER-7f3a thermal cameras";
const CANARY_NAME = "CANARY-PERSON-Jane Roe";
const CANARY_RATIONALE = "CANARY-RATIONALE-credible reports";
const DB_PASSWORD = "Sup3rSecretDbPassw0rd";
const FOREIGN_UUID = "7d0c3f3e-1111-4222-8333-944455556666";

let api: FakeSlackApi;
let outage: OutageDatabase;
let bot: E2E;
const figures = { logLinesChecked: 0, secretsFound: 0, answerTextFound: 0, linesWithScreeningIds: 0 };

beforeAll(async () => {
  // Slack accepts only this token; anything else is invalid_auth
  api = await startFakeSlackApi({ tokens: [BOT_TOKEN] });
  outage = await outageDatabase();
  bot = await startInstance({ api, database: outage.database });
}, 60_000);
afterAll(async () => {
  printFigures("secrets and personal data", figures);
  await bot?.close();
  await api?.close();
  await outage?.close();
});

function assertNoSecrets(where: string, text: string): void {
  for (const secret of [BOT_TOKEN, SIGNING_SECRET, DB_PASSWORD]) {
    if (text.includes(secret)) figures.secretsFound++;
    expect({ where, leaks: text.includes(secret) }).toEqual({ where, leaks: false });
  }
}

describe("while things go wrong", () => {
  it("forged signatures, a failing database and Slack failures leave logs with ids and without secrets or answers", async () => {
    // forged and stale signatures
    const body = "command=%2Fscreening&text=new&user_id=UEVIL&trigger_id=1.2.a&team_id=T1";
    for (const headers of [
      { "x-slack-signature": `v0=${"0".repeat(64)}`, "x-slack-request-timestamp": String(Math.floor(Date.now() / 1000)) },
      signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 3600),
      signSlackRequest(`${SIGNING_SECRET}x`, body),
    ]) {
      const res = await fetch(`${bot.baseUrl}/slack/events`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });
      expect(res.status).toBe(401);
      assertNoSecrets("401 body", await res.text());
    }

    // an interview with personal data in it, a page that fails on the database, a decision with a rationale
    const requester = bot.person("USECRETS");
    await requester.command("new");
    const page = pageSubmission(bot, requester, { ...high.answers, item_description: CANARY_ANSWER });
    outage.down();
    try {
      const failed = await sendSubmission(bot, page);
      expect(Object.values(ackOf(failed).errors ?? {}).join(" ")).toMatch(/Nothing was saved/);
      await waitUntil(async () => (await fetch(`${bot.baseUrl}/healthz`)).status === 503, 10_000, "/healthz 503");
      assertNoSecrets("/healthz during the outage", await (await fetch(`${bot.baseUrl}/healthz`)).text());
    } finally {
      // the tests after this one share the database
      outage.up();
    }
    await waitUntil(async () => (await fetch(`${bot.baseUrl}/healthz`)).status === 200, 15_000, "/healthz 200");
    const row = await submitScreening(bot, bot.person("USECRETS2"), { ...high.answers, item_description: CANARY_ANSWER, end_user_name: CANARY_NAME });
    const { escalationId, ts } = await escalationMessage(bot, row.id);
    api.failNext("chat.update", { status: 500, times: 2 });
    const approver = await openDecision(bot, APPROVERS[0]!, ts, "approve", escalationId);
    expect(ackOf(await approver.submit(rationaleState(CANARY_RATIONALE))).response_action).toBe("clear");
    await bot.settle();
    await submitScreening(bot, bot.person("USECRETS3"), { ...low.answers, item_description: CANARY_ANSWER });
    await bot.settle();

    const logs = bot.logs.join("\n");
    figures.logLinesChecked += bot.logs.length;
    assertNoSecrets("logs", logs);
    for (const canary of ["CANARY-ANSWER", "CANARY-PERSON", "CANARY-RATIONALE"]) {
      if (logs.includes(canary)) figures.answerTextFound++;
      expect({ canary, inLogs: logs.includes(canary) }).toEqual({ canary, inLogs: false });
    }
    // what the logs do carry: the screening ids
    const screeningId = (await outage.direct.prisma.screening.findFirstOrThrow({ where: { requesterId: "USECRETS" } })).id;
    const withIds = bot.logs.filter((l) => l.includes(screeningId) || l.includes(row.id));
    figures.linesWithScreeningIds += withIds.length;
    expect(withIds.some((l) => l.includes(screeningId) && l.includes('"kind":"database"'))).toBe(true);
    expect(withIds.some((l) => l.includes(row.id) && l.includes("delivery will be retried"))).toBe(true);

    // nothing the bot sent to Slack carries a secret
    assertNoSecrets("Slack calls", JSON.stringify(api.calls.map((c) => c.args)));
    assertNoSecrets("response_url posts", JSON.stringify(api.responses));
    expect(JSON.stringify(api.messages(COMPLIANCE))).toContain("CANARY-ANSWER");
  }, 60_000);

  it("a database error that quotes what was being written (PostgreSQL quotes the offending value) is logged without it", async () => {
    let armed = false;
    let quoted = 0;
    const failing = await startInstance({
      api,
      database: hookDatabase(outage.direct, {
        sql: async ({ kind, params }) => {
          if (!armed || kind !== "commit") return;
          armed = false;
          // the commit writing the page: its answers carry the canary
          expect(JSON.stringify(params)).toContain(CANARY_ANSWER);
          quoted++;
          // A genuine driver error whose message quotes the value being written, the answer itself.
          await outage.direct.sql.query("SELECT $1::uuid AS id", [CANARY_ANSWER]);
        },
      }),
    });
    try {
      const person = failing.person("USECRETSPRISMA");
      await person.command("new");
      armed = true;
      const reply = await person.submitPage({ ...high.answers, item_description: CANARY_ANSWER });
      expect(quoted).toBe(1);
      expect(Object.values(ackOf(reply).errors ?? {}).join(" ")).toMatch(/nothing was saved/i);
      const logs = failing.logs.join("\n");
      figures.logLinesChecked += failing.logs.length;
      // the kind of error and its code are logged, the value it quoted is not
      expect(logs).toContain("22P02");
      expect(logs).toContain("invalid input syntax for type uuid");
      expect(logs).not.toContain("CANARY");
      assertNoSecrets("logs of a database error", logs);
      await failing.settle();
    } finally {
      await failing.close();
    }
  });

  it("Slack refusing the token (invalid_auth) is logged without the token", async () => {
    const wrongToken = "xoxb-0000-WRONGTOKEN-abcdef";
    const refusing = await startInstance({ api, database: outage.database, env: { SLACK_BOT_TOKEN: wrongToken } });
    try {
      await refusing.sender.slashCommand({ command: "/screening", text: "new", userId: "UWRONGTOKEN", responseUrl: api.responseUrl() });
      await waitUntil(() => refusing.logs.some((l) => l.includes("views.open failed")), 10_000, "the refused views.open to be logged");
      const logs = refusing.logs.join("\n");
      figures.logLinesChecked += refusing.logs.length;
      expect(logs).toContain("invalid_auth");
      expect(logs).not.toContain(wrongToken);
      assertNoSecrets("logs with a refused token", logs);
    } finally {
      await refusing.close();
    }
  });
});

describe("error text in logs", () => {
  it("keeps the kind, code and reason of an error and masks the values it quotes", () => {
    const fk = describeError(new Error('insert or update on table "answers" violates foreign key constraint "answers_screening_id_fkey"'));
    expect(fk).toContain('"answers_screening_id_fkey"');
    const syntax = describeError(new Error(`invalid input syntax for type uuid: "${CANARY_NAME}"`));
    expect(syntax).toBe('Error: invalid input syntax for type uuid: "…"');
    const coded = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(describeError(coded)).toBe("Error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5432");
    expect(describeError(`value "${CANARY_ANSWER}" rejected`)).not.toContain("CANARY");
  });
});

describe("configuration and start-up", () => {
  it("malformed secrets are reported by name, never by value", () => {
    const result = loadConfig({
      SLACK_BOT_TOKEN: "xoxb-has spaces-and-!!",
      SLACK_SIGNING_SECRET: "short!secret",
      DATABASE_URL: `postgresql://bot:${DB_PASSWORD}@[not-a-host/dd`,
      COMPLIANCE_CHANNEL_ID: "C0COMPLIANCE",
    });
    expect(result.ok).toBe(false);
    const text = result.ok ? "" : result.problems.join("\n");
    for (const name of ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL"]) expect(text).toContain(name);
    for (const value of ["has spaces", "short!secret", DB_PASSWORD]) expect(text).not.toContain(value);
  });

  it("the redacting logger masks registered secrets, token-shaped strings and URL passwords", () => {
    const lines: string[] = [];
    const log = new RedactingLogger((l) => lines.push(l));
    log.addSecrets(BOT_TOKEN, SIGNING_SECRET);
    log.error("boom", { error: new Error(`call with ${BOT_TOKEN} failed`), secret: SIGNING_SECRET, other: "xoxp-FAKE-unregistered-0000", url: `postgresql://bot:${DB_PASSWORD}@db/dd` });
    log.forBolt().error(`bolt says ${SIGNING_SECRET}`, new Error(BOT_TOKEN));
    const text = lines.join("\n");
    assertNoSecrets("redacted lines", text);
    expect(text).not.toContain("xoxp-FAKE-unregistered-0000");
    expect(text).toContain("[redacted]");
  });

  it("a bot process that cannot reach its database says so without the password, the token or the secret", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "dd-secrets-"));
    try {
      const failing = startBotProcess({
        cwd,
        signingSecret: SIGNING_SECRET,
        startTimeoutMs: 30_000,
        env: {
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: api.url,
          COMPLIANCE_CHANNEL_ID: COMPLIANCE,
          DATABASE_URL: `postgresql://bot:${DB_PASSWORD}@127.0.0.1:1/dd`,
          RULES_DIR: join(REPO, "rules"),
        },
      });
      const err = await failing.then(
        () => null,
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
      expect(err).toMatch(/exited before it was healthy/);
      expect(err).toMatch(/Could not start/);
      assertNoSecrets("start-up failure", err ?? "");
      figures.logLinesChecked += (err ?? "").split("\n").length;
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 60_000);
});
