// Point 7, hostile and odd input, through the real HTTP app: over-long text, control, bidi and
// zero-width characters, emoji, mention and link injection, malformed payloads and wrong content
// types. Each is answered cleanly (a field error, a message, or a 4xx), never a 500 or a stack
// trace, and nothing unvalidated is stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSlackRequest } from "../../src/sandbox/signing.js";
import { ACTION, BLOCK } from "../../src/slack/ids.js";
import type { E2E } from "../e2e/support/harness.js";
import { fillState } from "../e2e/support/fill.js";
import { answerAllPages } from "../e2e/support/scenarios.js";
import { ackOf, escalationMessage, high, low, openDecision, rationaleState, submitScreening } from "./support/flows.js";
import { APPROVERS, COMPLIANCE, SIGNING_SECRET, printFigures, startSingle } from "./support/instances.js";

let e2e: E2E;
const figures = { hostileInputs: 0, answeredCleanly: 0, serverErrors: 0, storedUnvalidated: 0 };
/** Lone surrogates and over-long text: each must be a field error on the field that holds it. */
const textFaults = { sent: 0, errorOnThatField: 0, errorElsewhere: 0, stored: 0 };

beforeAll(async () => {
  e2e = await startSingle();
}, 60_000);
afterAll(async () => {
  printFigures("hostile input", figures);
  printFigures("free-text faults (lone surrogates, over-long)", textFaults);
  await e2e?.close();
});

const STACK = /\n\s+at |Error:|TypeError|ReferenceError|node_modules|\.ts:\d+/;

function clean(reply: { status: number; text: string }): void {
  figures.hostileInputs++;
  if (reply.status >= 500) figures.serverErrors++;
  expect(reply.status).toBeLessThan(500);
  expect(reply.text).not.toMatch(STACK);
  figures.answeredCleanly++;
}

/** Counts of everything a request could create. */
async function counts() {
  const p = e2e.db.prisma;
  const [screenings, answers, decisions, deliveries, requests] = await Promise.all([p.screening.count(), p.answer.count(), p.decision.count(), p.delivery.count(), p.processedRequest.count()]);
  return { screenings, answers, decisions, deliveries, requests };
}

async function signedPost(body: string, contentType: string | null, headers: Record<string, string> = {}) {
  const res = await fetch(`${e2e.baseUrl}/slack/events`, {
    method: "POST",
    headers: { ...(contentType ? { "content-type": contentType } : {}), ...signSlackRequest(SIGNING_SECRET, body), ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

describe("text answers", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["over-long (5 000 characters)", "x".repeat(5000), /Too long/],
    ["far over any limit (20 000 characters)", "y".repeat(20_000), /Too long: 20000 characters/],
    ["a control character", "Acme\u0007 Ltd", /invisible/],
    ["a NUL byte", "Acme\u0000 Ltd", /invisible/],
    ["a right-to-left override", "Acme \u202Eexe.gpj", /invisible/],
    ["a zero-width space", "Ac\u200Bme", /invisible/],
    ["a byte-order mark inside", "Ac\uFEFFme", /invisible/],
    ["a line break in a one-line answer", "Acme\nLtd", /single line/],
  ];
  it.each(cases)("%s is a field error and nothing of the page is stored", async (_what, text, message) => {
    const person = e2e.person(`UTEXT${Math.random().toString(36).slice(2, 8).toUpperCase()}`);
    await person.command("new");
    const before = await counts();
    const reply = await person.submitPage({ ...low.answers, item_description: text });
    clean(reply);
    const ack = ackOf(reply);
    expect(ack.response_action).toBe("errors");
    expect(ack.errors?.[BLOCK.question("item_description")]).toMatch(message);
    const after = await counts();
    if (after.answers !== before.answers) figures.storedUnvalidated++;
    expect(after).toEqual(before);
  });

  const faults: Array<[string, string, RegExp]> = [
    ["a lone high surrogate", "Acme \uD800 Ltd", /^Contains a character that is not valid text\. Retype it and submit again\.$/],
    ["a lone low surrogate", "\uDFFFAcme", /not valid text/],
    ["a million characters", "m".repeat(1_000_000), /^Too long: 1000000 characters, at most \d+ allowed\./],
  ];
  it.each(faults)("%s is a field error on that very field, saying what to do; nothing is stored", async (_what, text, message) => {
    const person = e2e.person(`UFAULT${Math.random().toString(36).slice(2, 8).toUpperCase()}`);
    await person.command("new");
    const before = await counts();
    textFaults.sent++;
    const reply = await person.submitPage({ ...low.answers, item_description: text });
    clean(reply);
    const ack = ackOf(reply);
    const errors = ack.errors ?? {};
    if (Object.keys(errors).some((block) => block !== BLOCK.question("item_description"))) textFaults.errorElsewhere++;
    if (errors[BLOCK.question("item_description")]?.match(message)) textFaults.errorOnThatField++;
    const after = await counts();
    if (after.answers !== before.answers) textFaults.stored++;
    expect(ack.response_action).toBe("errors");
    expect(Object.keys(errors)).toEqual([BLOCK.question("item_description")]);
    expect(errors[BLOCK.question("item_description")]).toMatch(message);
    expect(after).toEqual(before);
  });

  it("closing the page with a lone surrogate typed keeps a storable draft, and saves no answer from it", async () => {
    const person = e2e.person("UFAULTDRAFT");
    await person.command("new");
    const values = fillState(person.requireView().view, { ...low.answers, item_description: "Acme \uD800 Ltd" });
    const closed = await person.closeView(values);
    clean(closed);
    await e2e.settle();
    const row = await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: "UFAULTDRAFT" } });
    expect(JSON.stringify(row.drafts)).toContain("Acme \uFFFD Ltd");
    const saved = await e2e.db.prisma.answer.findMany({ where: { screeningId: row.id, questionId: "item_description" } });
    expect(saved).toEqual([]);
  });

  it("emoji, accents and right-to-left script are kept exactly, and shown exactly", async () => {
    const text = "Caméras thermiques 🔥📷 for مصنع Ltd — 日本語 OK";
    const person = e2e.person("UEMOJI");
    const row = await submitScreening(e2e, person, { ...high.answers, item_description: text, end_user_name: "Ünïcødé 👮 Police" });
    const stored = await e2e.db.prisma.answer.findFirstOrThrow({ where: { screeningId: row.id, questionId: "item_description", supersededAt: null } });
    expect(stored.value).toBe(text);
    await e2e.settle();
    expect(JSON.stringify(e2e.api.messages(COMPLIANCE).find((m) => m.text.includes(row.reference)))).toContain(JSON.stringify(text).slice(1, -1));
  });

  it("mentions and links typed into answers and rationales are stored as typed and shown harmless everywhere", async () => {
    const hostile = "<!channel> <!here> <@U0BOSS> <!subteam^S0ALL> <https://evil.example|Approved by legal> & *bold*";
    const requester = e2e.person("UMENTION");
    const row = await submitScreening(e2e, requester, { ...high.answers, item_description: hostile, end_user_name: hostile });
    expect((await e2e.db.prisma.answer.findFirstOrThrow({ where: { screeningId: row.id, questionId: "end_user_name", supersededAt: null } })).value).toBe(hostile);
    const { escalationId, ts } = await escalationMessage(e2e, row.id);
    const approver = await openDecision(e2e, APPROVERS[0]!, ts, "request_info", escalationId);
    expect(ackOf(await approver.submit(rationaleState(`Who is ${hostile}?`))).response_action).toBe("clear");
    await e2e.settle();
    await requester.openHome();
    const status = requester.lastEphemeralText(await requester.command(`status ${row.reference}`));
    const list = requester.lastEphemeralText(await requester.command("list"));
    const surfaces = {
      channel: JSON.stringify(e2e.api.message(COMPLIANCE, ts)),
      dms: JSON.stringify(e2e.api.dms("UMENTION")),
      home: JSON.stringify(e2e.api.homeOf("UMENTION")),
      status,
      list,
    };
    for (const [where, text] of Object.entries(surfaces)) {
      for (const raw of ["<!channel>", "<!here>", "<@U0BOSS>", "<!subteam^S0ALL>", "<https://evil.example|"]) {
        expect({ where, leaked: text.includes(raw) }).toEqual({ where, leaked: false });
      }
    }
    expect(surfaces.channel).toContain("&lt;!channel&gt;");
    figures.hostileInputs += Object.keys(surfaces).length;
    figures.answeredCleanly += Object.keys(surfaces).length;
  });

  it("a hostile rationale or condition text is refused like a hostile answer", async () => {
    const row = await submitScreening(e2e, e2e.person("URATIONALE"), high.answers);
    const { escalationId, ts } = await escalationMessage(e2e, row.id);
    const approver = await openDecision(e2e, APPROVERS[1]!, ts, "approve_with_conditions", escalationId);
    const before = await counts();
    const reply = await approver.submit({
      ...rationaleState("fine\u202E"),
      [BLOCK.conditionsText]: { [ACTION.conditionsText]: { type: "plain_text_input", value: "z".repeat(3001) } },
    });
    clean(reply);
    expect(ackOf(reply).errors?.[BLOCK.rationale]).toMatch(/invisible/);
    expect(ackOf(reply).errors?.[BLOCK.conditionsText]).toMatch(/Too long/);
    expect(await counts()).toEqual(before);
  });

  it("a rationale with a lone surrogate, and condition text of a million characters, get their own field errors", async () => {
    const row = await submitScreening(e2e, e2e.person("URATIONALE2"), high.answers);
    const { escalationId, ts } = await escalationMessage(e2e, row.id);
    const approver = await openDecision(e2e, APPROVERS[1]!, ts, "approve_with_conditions", escalationId);
    const before = await counts();
    textFaults.sent += 2;
    const reply = await approver.submit({
      ...rationaleState("fine \uDBFF"),
      [BLOCK.conditionsText]: { [ACTION.conditionsText]: { type: "plain_text_input", value: "c".repeat(1_000_000) } },
    });
    clean(reply);
    const errors = ackOf(reply).errors ?? {};
    expect(errors[BLOCK.rationale]).toMatch(/not valid text\. Retype it/);
    expect(errors[BLOCK.conditionsText]).toMatch(/^Too long: 1000000 characters, at most \d+ allowed/);
    textFaults.errorOnThatField += [errors[BLOCK.rationale], errors[BLOCK.conditionsText]].filter((m) => m && /not valid text|Too long/.test(m)).length;
    const after = await counts();
    if (after.decisions !== before.decisions) textFaults.stored++;
    expect(after).toEqual(before);
  });
});

describe("slash command text", () => {
  it.each([
    ["an injected mention", "<!channel> approve everything"],
    ["a status with a mention for a reference", "status <!here>"],
    ["a very long text", `status ${"A".repeat(4000)}`],
    ["control characters", "status \u0000\u0007\u001b[31m"],
    ["emoji only", "🔥🔥🔥"],
  ])("%s is answered with usage or 'not a reference', echoes nothing harmful, stores nothing", async (_what, text) => {
    const person = e2e.person("UCMDTEXT");
    const before = await counts();
    const reply = await person.command(text);
    clean(reply);
    const shown = person.lastEphemeralText(reply);
    expect(shown).not.toMatch(/<!channel>|<!here>/);
    expect(shown).not.toContain("\u0000");
    expect(shown.length).toBeLessThan(3000);
    expect(await counts()).toEqual(before);
  });
});

describe("malformed payloads and wrong content types", () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const payload = (p: unknown) => form({ payload: typeof p === "string" ? p : JSON.stringify(p) });
  const cases: Array<[string, string, string | null]> = [
    ["payload that is not JSON", payload("{not json"), "application/x-www-form-urlencoded"],
    ["payload that is a JSON string", payload(JSON.stringify("hello")), "application/x-www-form-urlencoded"],
    ["payload that is an array", payload([1, 2, 3]), "application/x-www-form-urlencoded"],
    ["block_actions without actions", payload({ type: "block_actions", user: { id: "UODD" }, team: { id: "T1" } }), "application/x-www-form-urlencoded"],
    ["block_actions with a null action", payload({ type: "block_actions", user: { id: "UODD" }, team: { id: "T1" }, actions: [null] }), "application/x-www-form-urlencoded"],
    [
      "block_actions for our button without a user",
      payload({ type: "block_actions", team: { id: "T1" }, trigger_id: "1.2.a", actions: [{ type: "button", action_id: ACTION.start, block_id: "b", action_ts: "1.2" }] }),
      "application/x-www-form-urlencoded",
    ],
    ["view_submission without a view", payload({ type: "view_submission", user: { id: "UODD" }, team: { id: "T1" } }), "application/x-www-form-urlencoded"],
    [
      "view_submission of our page with state.values of the wrong shape",
      payload({
        type: "view_submission",
        user: { id: "UODD" },
        team: { id: "T1" },
        view: { id: "V0ODD", callback_id: "screening_page", hash: "1.a", private_metadata: JSON.stringify({ s: "7d0c3f3e-1111-4222-8333-944455556666", p: "transaction" }), state: { values: [[["x"]]] } },
      }),
      "application/x-www-form-urlencoded",
    ],
    [
      "view_submission of our page with state as a string",
      payload({ type: "view_submission", user: { id: "UODD" }, team: { id: "T1" }, view: { id: "V0ODD", callback_id: "screening_page", hash: "1.a", private_metadata: "{}", state: "values" } }),
      "application/x-www-form-urlencoded",
    ],
    [
      "view_submission of the decision modal with values of every wrong type",
      payload({
        type: "view_submission",
        user: { id: APPROVERS[0] },
        team: { id: "T1" },
        view: {
          id: "V0ODD",
          callback_id: "escalation_decision",
          hash: "1.a",
          private_metadata: JSON.stringify({ e: "7d0c3f3e-1111-4222-8333-944455556666", o: "approve" }),
          state: { values: { [BLOCK.rationale]: { [ACTION.rationale]: { value: 42 } }, [BLOCK.conditions]: { [ACTION.conditions]: { selected_options: "all" } } } },
        },
      }),
      "application/x-www-form-urlencoded",
    ],
    ["an unknown interaction type", payload({ type: "shortcut_of_doom", user: { id: "UODD" } }), "application/x-www-form-urlencoded"],
    ["a slash command without a user", form({ command: "/screening", text: "new", trigger_id: "1.2.a", team_id: "T1" }), "application/x-www-form-urlencoded"],
    ["a slash command for another command", form({ command: "/rm-rf", text: "", user_id: "UODD", trigger_id: "1.2.a", team_id: "T1" }), "application/x-www-form-urlencoded"],
    ["an event envelope without an event", JSON.stringify({ type: "event_callback", team_id: "T1", api_app_id: "A1" }), "application/json"],
    ["an event with a user of the wrong type", JSON.stringify({ type: "event_callback", team_id: "T1", event: { type: "app_home_opened", user: { id: 1 }, tab: "home" } }), "application/json"],
    ["JSON that is not JSON", "{\"type\": \"event_callback\", ", "application/json"],
    ["a form sent as text/plain", form({ command: "/screening", text: "new", user_id: "UODD" }), "text/plain"],
    ["a form with a charset suffix", form({ command: "/screening", text: "new", user_id: "UODD" }), "application/x-www-form-urlencoded; charset=utf-8"],
    ["multipart/form-data", "--b\r\nContent-Disposition: form-data; name=\"payload\"\r\n\r\n{}\r\n--b--", "multipart/form-data; boundary=b"],
    ["no content type at all", form({ command: "/screening", text: "new", user_id: "UODD" }), null],
    ["an empty body", "", "application/x-www-form-urlencoded"],
    ["a 1 MB payload", payload({ type: "view_submission", user: { id: "UODD" }, view: { id: "V0BIG", callback_id: "screening_page", private_metadata: "x".repeat(1_000_000) } }), "application/x-www-form-urlencoded"],
  ];
  it.each(cases)("%s: answered cleanly, nothing stored", async (_what, body, contentType) => {
    const before = await counts();
    const reply = await signedPost(body, contentType);
    clean(reply);
    expect(await counts()).toEqual(before);
  });

  it("none of them left a listener error that reached Slack as a 500 with a stack trace", () => {
    expect(figures.serverErrors).toBe(0);
  });
});

describe("a whole interview with the odd but valid inputs", () => {
  it("still reaches the review", async () => {
    const person = e2e.person("UODDVALID");
    await person.command("new");
    await answerAllPages(person, { ...low.answers, item_description: "Thermal cameras 🔥 (model \"X<1>\" & 'Y')" });
    expect(person.requireView().view.callback_id).toBe("screening_review");
  });
});
