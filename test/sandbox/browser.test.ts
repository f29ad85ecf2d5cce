// The sandbox as a person uses it: Debian's Chromium, driven by playwright-core, clicks through
// the page while the real bot (production code path: HTTP receiver, signed requests, embedded
// database) runs behind it. A requester screens a high-risk deal page by page, the escalation
// appears in the compliance channel, an outsider's click is refused, two approvers approve
// with a rationale, the message updates in place and the requester gets a DM. Then the page's
// clock is moved a week ahead and the requester's draft left meanwhile gets its reminder.
// Screenshots of each step go to test-artifacts/sandbox/ (git-ignored).
//
// Needs /usr/bin/chromium (`apt-get install -y chromium`); SKIP_BROWSER_TESTS=1 skips it.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.js";
import { RedactingLogger } from "../../src/log.js";
import { SANDBOX_PEOPLE, startSandbox, type RunningSandbox } from "../../src/sandbox/run.js";
import type { AnswerInput } from "../e2e/support/fill.js";
import { scenario } from "../e2e/support/scenarios.js";

const CHROMIUM = "/usr/bin/chromium";
const SKIP = process.env.SKIP_BROWSER_TESTS === "1";
const ARTIFACTS = "test-artifacts/sandbox";
/** Set to a path (e.g. docs/sandbox-escalation.png) to also save the escalation screenshot there. */
const DOCS_SHOT = process.env.SANDBOX_DOCS_SCREENSHOT;
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

/** Per step: a dozen pages filled element by element take a while on two cores. */
const STEP_TIMEOUT = 120_000;
/** Deliveries (DMs, message updates) go through the bot's outbox: give them time on a busy machine. */
const POLL = { timeout: 15_000 };
const SCENARIO = scenario("high_lawful_interception_police_no_safeguards");
const SHORT = scenario("low_thermal_cameras_fire_brigade");
// Typed into the page as is: the channel must show it as text, never as markup or a mention.
const HOSTILE_RATIONALE = "Court-ordered interception only; licence-key limits <b>before</b> shipping & no <!channel> alerts.";
const [APPROVER_1, APPROVER_2] = SANDBOX_PEOPLE.approvers;

let sandbox: RunningSandbox;
let context: BrowserContext;
let page: Page;
let dataDir: string;
let profileDir: string;
let reference = "";
let shot = 0;
const logs: string[] = [];

async function screenshot(name: string): Promise<string> {
  shot += 1;
  const path = join(ARTIFACTS, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path });
  return path;
}

function modal(): Locator {
  return page.locator(".modal");
}

async function switchTo(userId: string): Promise<void> {
  await page.locator(`.person[data-user="${userId}"]`).click();
  await page.locator(`.person[data-user="${userId}"][aria-pressed="true"]`).waitFor();
}

async function openChannel(): Promise<void> {
  await page.locator('.sidebar .nav[data-pane="channel"]').click();
  await page.locator(".pane-head h2", { hasText: "# export-compliance" }).waitFor();
}

function escalation(): Locator {
  return page.locator("#pane .message.from-bot", { hasText: reference });
}

function answerText(answer: AnswerInput): string {
  if (answer === true) return "yes";
  if (answer === false) return "no";
  return String(answer);
}

/** Fills the open page the way a person would, element by element, with the scenario's answers. */
async function fillPage(answers: Record<string, AnswerInput | undefined>): Promise<number> {
  const inputs = modal().locator(".bk-input[data-block-id]");
  const count = await inputs.count();
  let filled = 0;
  for (let i = 0; i < count; i++) {
    const input = inputs.nth(i);
    const blockId = (await input.getAttribute("data-block-id")) ?? "";
    const type = await input.getAttribute("data-type");
    const answer = answers[blockId.replace(/^q:/, "")];
    if (answer === undefined) continue;
    const many = Array.isArray(answer) ? answer : [answerText(answer)];
    switch (type) {
      case "radio_buttons":
        await input.locator(`input[type="radio"][value=${JSON.stringify(answerText(answer))}]`).check();
        break;
      case "checkboxes":
        for (const v of many) await input.locator(`input[type="checkbox"][value=${JSON.stringify(v)}]`).check();
        break;
      case "static_select":
        await input.locator("select").selectOption(answerText(answer));
        break;
      case "multi_static_select":
        for (const v of many) await input.locator("select").selectOption(v);
        break;
      case "datepicker":
        await input.locator('input[type="date"]').fill(answerText(answer));
        break;
      default:
        await input.locator(".bk-control").fill(answerText(answer));
    }
    filled += 1;
  }
  return filled;
}

/** Presses the modal's submit button and waits for the next view, or for errors on this one. */
async function submitModal(): Promise<"next" | "errors" | "closed"> {
  const hash = (await modal().getAttribute("data-hash")) ?? "";
  await modal().locator(".modal-submit").click();
  // The button is busy from the click until the bot has answered and the page has redrawn; until
  // then the modal may still show the errors of an earlier submission.
  await page.locator(".modal-submit.busy").waitFor({ state: "detached" });
  const changed = page.locator(`.modal:not([data-hash="${hash}"])`);
  const errors = page.locator(".modal .bk-error:not([hidden]), .modal .modal-problem:not([hidden])");
  const closed = page.locator("#modal-root:empty");
  await changed.or(errors).or(closed).first().waitFor({ state: "attached" });
  if ((await closed.count()) > 0) return "closed";
  return (await changed.count()) > 0 ? "next" : "errors";
}

/** The escalation as an approver sees it, whole, for the README. */
async function docsScreenshot(path: string): Promise<void> {
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: 1360, height: 1100 });
  await escalation().evaluate((node) => node.scrollIntoView({ block: "start" }));
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path });
  if (viewport) await page.setViewportSize(viewport);
}

async function visibleErrors(): Promise<string[]> {
  return modal().locator(".bk-error:not([hidden]), .modal-problem:not([hidden])").allInnerTexts();
}

describe.skipIf(SKIP)("the sandbox page in Chromium", () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Debian's Chromium is missing (${CHROMIUM}): run \`apt-get install -y chromium\`, or set SKIP_BROWSER_TESTS=1 to skip the browser tests.`);
    }
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), "dd-sandbox-data-"));
    profileDir = mkdtempSync(join(tmpdir(), "dd-sandbox-chromium-"));
    const loaded = loadConfig({ PORT: "0", RULES_DIR: "rules", SLACK_REQUEST_BUDGET_MS: "30000" });
    if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
    expect(loaded.config.mode).toBe("sandbox");
    sandbox = await startSandbox(loaded.config, new RedactingLogger((line) => logs.push(line)), { reset: true, dataDir, webPort: 0, print: () => {} });
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1360, height: 900 },
      timezoneId: "UTC",
      locale: "en-US",
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (err) => logs.push(`page error: ${err.message}`));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await sandbox?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  }, 60_000);

  it("starts a screening from the message box in the app's Messages tab", async () => {
    await page.goto(`${sandbox.url}#${SANDBOX_PEOPLE.requester}/dm`);
    const box = page.locator("#pane .composer-input");
    await box.fill("/screening");
    await expect.poll(() => page.locator(".composer-hint").isVisible(), POLL).toBe(true);
    await screenshot("requester-types-slash-command");
    await box.press("Enter");
    await page.locator('.modal[data-callback-id="screening_page"]').waitFor();
    expect(await modal().locator(".modal-title").innerText()).toBe("The deal");
    expect(await modal().innerText()).toContain("Step 1 of");
    expect(await modal().innerText()).not.toContain("Source:");
    await screenshot("first-page-opened");
  }, STEP_TIMEOUT);

  it("shows field errors under the inputs: Slack's own for empty required fields, the bot's for invalid answers", async () => {
    // Empty required fields: Slack's client refuses to submit, nothing reaches the bot.
    expect(await submitModal()).toBe("errors");
    const required = await visibleErrors();
    expect(required.length).toBeGreaterThan(1);
    expect(required.every((e) => e.includes("Please complete this required field."))).toBe(true);
    await screenshot("required-fields-refused-by-client");

    // Only spaces for the item: Slack sends it, the bot answers response_action "errors".
    await fillPage({ ...SCENARIO.answers, item_description: "   " });
    expect(await submitModal()).toBe("errors");
    const itemError = modal().locator('.bk-input[data-block-id="q:item_description"] .bk-error');
    await expect.poll(() => itemError.innerText(), POLL).toContain("This question needs an answer.");
    expect(await visibleErrors()).toHaveLength(1);
    await itemError.scrollIntoViewIfNeeded();
    await screenshot("bot-field-error-under-input");
  }, STEP_TIMEOUT);

  it("fills every page of a high-risk deal and submits it", async () => {
    const titles: string[] = [];
    const answers = SCENARIO.answers;
    for (let i = 0; i < 40; i++) {
      const callback = await modal().getAttribute("data-callback-id");
      if (callback !== "screening_page") break;
      const title = await modal().locator(".modal-title").innerText();
      titles.push(title);
      expect(await fillPage(answers)).toBeGreaterThan(0);
      await screenshot(`page-${String(titles.length).padStart(2, "0")}-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`);
      const outcome = await submitModal();
      if (outcome !== "next") throw new Error(`page "${title}" was not accepted: ${(await visibleErrors()).join(" | ")}`);
    }
    expect(titles).toEqual(["The deal", "Customer and delivery", "What it can do", "About the customer", "Safeguards"]);
    expect(await modal().getAttribute("data-callback-id")).toBe("screening_review");
    expect(await modal().innerText()).toContain(String(SCENARIO.answers.item_description));
    await screenshot("review");

    expect(await submitModal()).toBe("next");
    expect(await modal().getAttribute("data-callback-id")).toBe("screening_result");
    const text = await modal().innerText();
    expect(text).toContain("sent to compliance");
    reference = /DD-\d{4}-\d{4,}/.exec(text)?.[0] ?? "";
    expect(reference).not.toBe("");
    await screenshot("result-sent-to-compliance");
    await modal().locator(".modal-close").click();
    await modal().waitFor({ state: "detached" });
  }, STEP_TIMEOUT);

  it("posts the escalation to the compliance channel with the decision buttons", async () => {
    await openChannel();
    const message = escalation();
    await message.waitFor();
    const text = await message.innerText();
    expect(text).toContain(`${reference} · Tier High risk`);
    expect(text).toContain("Approvals: 0 of 2");
    expect(text).toContain("@Riley Chen");
    expect(text).toContain(String(SCENARIO.answers.item_description));
    for (const label of ["Approve", "Approve with conditions", "Reject", "Request info"]) {
      expect(await message.getByRole("button", { name: label, exact: true }).count()).toBe(1);
    }
    expect(existsSync(await screenshot("escalation-in-channel"))).toBe(true);
  }, STEP_TIMEOUT);

  it("shows the approver every answer, the reference facts with their dates and the factors with sources (View answers)", async () => {
    await switchTo(APPROVER_1 ?? "");
    await openChannel();
    await escalation().getByRole("button", { name: "View answers", exact: true }).click();
    await page.locator('.modal[data-callback-id="screening_answers"]').waitFor();
    await expect.poll(() => modal().innerText(), POLL).toContain("The deal");
    const text = await modal().innerText();
    for (const title of ["The deal", "Customer and delivery", "What it can do", "About the customer", "Safeguards"]) expect(text).toContain(title);
    expect(text).toContain(String(SCENARIO.answers.item_description));
    expect(text).toContain(String(SCENARIO.answers.end_use_description));
    expect(text).toMatch(/Reference data applied/);
    expect(text).toMatch(/No legal-framework assessment on file for /);
    expect(text).toMatch(/as of \d{4}-\d{2}-\d{2}/);
    expect(text).toContain("Source:");
    await screenshot("approver-view-answers");
    await modal().locator(".modal-close").click();
    await modal().waitFor({ state: "detached" });
    await switchTo(SANDBOX_PEOPLE.requester);
  }, STEP_TIMEOUT);

  it("refuses an outsider's click privately and changes nothing", async () => {
    await switchTo(SANDBOX_PEOPLE.outsider);
    await openChannel();
    // Reject asks for confirmation first; cancelling sends nothing.
    await escalation().getByRole("button", { name: "Reject", exact: true }).click();
    const confirm = page.locator(".confirm");
    await confirm.waitFor();
    expect(await confirm.innerText()).toContain(`Reject ${reference}?`);
    await screenshot("reject-asks-for-confirmation");
    await confirm.getByRole("button", { name: "Cancel", exact: true }).click();
    await confirm.waitFor({ state: "detached" });

    // The decision modal opens at once (Slack's trigger lives about 3 s), then says why not.
    await escalation().getByRole("button", { name: "Approve", exact: true }).click();
    await page.locator(".modal .modal-title", { hasText: "Cannot decide" }).waitFor();
    expect(await modal().innerText()).toContain("Only compliance approvers can decide escalations");
    expect(await modal().locator(".modal-submit").count()).toBe(0);
    expect(await page.locator("#pane .message.ephemeral").count()).toBe(0);
    await screenshot("outsider-refused");
    await modal().locator(".modal-close").click();
    await modal().waitFor({ state: "detached" });
    expect(await escalation().innerText()).toContain("Approvals: 0 of 2");
  }, STEP_TIMEOUT);

  it("lets the first approver discuss in the thread and approve with a rationale; the message updates in place", async () => {
    await switchTo(APPROVER_1 ?? "");
    await openChannel();
    // The refusal was only for the outsider.
    expect(await page.locator("#pane .message.ephemeral").count()).toBe(0);
    if (DOCS_SHOT) await docsScreenshot(DOCS_SHOT);

    // Discussion happens in the message's thread.
    await escalation().getByRole("button", { name: "Reply in thread" }).click();
    const thread = page.locator("#thread");
    await thread.locator(".composer-input").fill("Checking the licence application before I decide.");
    await thread.locator(".composer-input").press("Enter");
    await thread.locator(".message", { hasText: "Checking the licence application" }).waitFor();
    await expect.poll(() => escalation().locator(".thread-link").innerText(), POLL).toBe("1 reply");
    await screenshot("approver-1-thread-reply");
    await thread.getByRole("button", { name: "Close thread" }).click();

    await escalation().getByRole("button", { name: "Approve", exact: true }).click();
    await page.locator('.modal[data-callback-id="escalation_decision"]').waitFor();
    // The modal opens at once and is then updated with the screening it decides (after the
    // approver check); typing before that update lands would be typing into the form it replaces.
    await expect.poll(() => modal().innerText(), POLL).toMatch(/DD-\d{4}-\d{4}/);
    await screenshot("approver-1-decision-modal");

    await modal().locator("textarea").first().fill("   ");
    expect(await submitModal()).toBe("errors");
    expect((await visibleErrors()).join(" ")).toContain("Write why you approve");
    await screenshot("approver-1-rationale-required");

    await modal().locator("textarea").first().fill(HOSTILE_RATIONALE);
    expect(await submitModal()).toBe("closed");
    await expect.poll(() => escalation().innerText(), POLL).toContain("Approvals: 1 of 2");
    const text = await escalation().innerText();
    expect(text).toContain("Ana Ortiz");
    // What the approver typed is shown as they typed it: no markup, no @channel.
    expect(text).toContain(HOSTILE_RATIONALE);
    expect(await escalation().locator("b").count()).toBe(0);
    expect(await escalation().locator(".mention.broadcast").count()).toBe(0);
    expect(text).toContain("(edited)");
    expect(await escalation().getByRole("button", { name: "Approve", exact: true }).count()).toBe(1);
    await screenshot("approver-1-approved-one-of-two");
  }, STEP_TIMEOUT);

  it("lets the second approver approve; the decision is final and the buttons go", async () => {
    await switchTo(APPROVER_2 ?? "");
    await openChannel();
    await escalation().getByRole("button", { name: "Approve", exact: true }).click();
    await page.locator('.modal[data-callback-id="escalation_decision"]').waitFor();
    // The modal opens at once and is then updated with the screening it decides (after the
    // approver check); typing before that update lands would be typing into the form it replaces.
    await expect.poll(() => modal().innerText(), POLL).toMatch(/DD-\d{4}-\d{4}/);
    await modal().locator("textarea").first().fill("Agree with Ana: proceed once the licence is granted.");
    expect(await submitModal()).toBe("closed");
    await expect.poll(() => escalation().innerText(), POLL).toContain("Approved by");
    const text = await escalation().innerText();
    expect(text).toContain("Status: Approved");
    expect(text).toMatch(/Approved by @Ana Ortiz and @Ben Adeyemi|Approved by @Ben Adeyemi and @Ana Ortiz/);
    expect(await escalation().getByRole("button").filter({ hasText: /^(Approve|Approve with conditions|Reject|Request info)$/ }).count()).toBe(0);
    await screenshot("approver-2-final-approval");
  }, STEP_TIMEOUT);

  it("tells the requester in a DM, and their Home tab shows the screening approved", async () => {
    await switchTo(SANDBOX_PEOPLE.requester);
    await page.locator('.sidebar .nav[data-pane="home"]').click();
    await page.getByRole("button", { name: "Messages", exact: true }).click();
    const approved = page.locator("#pane .message.from-bot", { hasText: `${reference} is approved` });
    await approved.waitFor();
    expect(await approved.innerText()).toContain("You may proceed");
    expect(await page.locator("#pane .message.from-bot", { hasText: `${reference} was sent to compliance` }).count()).toBe(1);
    await screenshot("requester-dm-approved");

    await page.getByRole("button", { name: "Home", exact: true }).click();
    const entry = page.locator("#pane .home .bk-section", { hasText: reference });
    await entry.waitFor();
    expect((await entry.innerText()).toLowerCase()).toContain("approved");
    await screenshot("requester-home");
    expect(logs.filter((l) => l.startsWith("page error"))).toEqual([]);
  }, STEP_TIMEOUT);

  it("walks a clearly low-risk deal in two short pages, step by step, and clears it with the score on its scale", async () => {
    await switchTo(SANDBOX_PEOPLE.requester);
    await page.locator('.sidebar .nav[data-pane="home"]').click();
    await page.getByRole("button", { name: "Messages", exact: true }).click();
    const box = page.locator("#pane .composer-input");
    await box.fill("/screening");
    await box.press("Enter");
    await page.locator('.modal[data-callback-id="screening_page"]').waitFor();
    const steps: string[] = [];
    for (let i = 0; i < 5; i++) {
      if ((await modal().getAttribute("data-callback-id")) !== "screening_page") break;
      const text = await modal().innerText();
      steps.push(/Step \d+ of \d+/.exec(text)?.[0] ?? "");
      expect(text).not.toContain("Source:");
      await fillPage(SHORT.answers);
      await screenshot(`short-path-step-${steps.length}`);
      expect(await submitModal()).toBe("next");
    }
    expect(steps).toEqual(["Step 1 of 2", "Step 2 of 2"]);
    expect(await modal().getAttribute("data-callback-id")).toBe("screening_review");
    await screenshot("short-path-review");
    expect(await submitModal()).toBe("next");
    const result = await modal().innerText();
    expect(result).toContain("is cleared");
    expect(result).toMatch(/\d+ — below the escalation threshold of 30/);
    await screenshot("short-path-cleared");
    await modal().locator(".modal-close").click();
    await modal().waitFor({ state: "detached" });
  }, STEP_TIMEOUT);

  it("moves the sandbox's clock a week ahead, and the requester's draft left meanwhile gets its reminder, with Resume", async () => {
    await switchTo(SANDBOX_PEOPLE.requester);
    await page.locator('.sidebar .nav[data-pane="home"]').click();
    await page.getByRole("button", { name: "Messages", exact: true }).click();
    // A draft: started, then the modal closed.
    const box = page.locator("#pane .composer-input");
    await box.fill("/screening");
    await box.press("Enter");
    await page.locator('.modal[data-callback-id="screening_page"]').waitFor();
    await modal().locator(".modal-close").click();
    await modal().waitFor({ state: "detached" });

    const clock = page.locator("#clock");
    const shown = await clock.locator(".clock-time").getAttribute("data-now");
    expect(Math.abs(Date.parse(shown ?? "") - Date.now())).toBeLessThan(10 * 60_000);
    expect(await clock.locator(".clock-ahead").count()).toBe(0);
    const reminder = page.locator("#pane .message.from-bot", { hasText: "is still a draft" });
    expect(await reminder.count()).toBe(0);
    await screenshot("clock-before");

    await clock.getByRole("button", { name: "+1 week", exact: true }).click();
    await expect.poll(() => clock.locator(".clock-ahead").innerText().catch(() => ""), POLL).toBe("+7 days ahead");
    await reminder.waitFor();
    const text = await reminder.innerText();
    expect(text).toMatch(/DD-\d{4}-\d{4,} is still a draft/);
    expect(text).toContain("Nobody has touched it for 7 days");
    expect(await reminder.count()).toBe(1);
    await reminder.scrollIntoViewIfNeeded();
    await screenshot("clock-week-ahead-draft-reminder");

    // Resume, in the reminder, reopens the draft.
    await reminder.getByRole("button", { name: "Resume", exact: true }).click();
    await page.locator('.modal[data-callback-id="screening_page"]').waitFor();
    expect(await modal().locator(".modal-title").innerText()).toBe("The deal");
    await screenshot("clock-reminder-resumed");
    await modal().locator(".modal-close").click();
    await modal().waitFor({ state: "detached" });
    expect(logs.filter((l) => l.startsWith("page error"))).toEqual([]);
  }, STEP_TIMEOUT);
});
