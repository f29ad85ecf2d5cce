// Requests the reliability tests send more than once, or forge: built once from what the person
// sees, then sent as many times as the test likes, exactly as Slack would send them.
import { expect } from "vitest";
import { ACTION, BLOCK, CALLBACK } from "../../../src/slack/ids.js";
import { blockActionsBody, viewSubmissionBody, type ViewSubmissionInput } from "../../../src/sandbox/slack-requests.js";
import { COMPLIANCE, type E2E, type HttpReply, type Person } from "../../e2e/support/harness.js";
import { clickDecision } from "../../e2e/support/decisions.js";
import { fillState, type AnswerInput, type StateValues } from "../../e2e/support/fill.js";
import { answerAllPages, scenario } from "../../e2e/support/scenarios.js";

export const low = scenario("low_thermal_camera_private_factory");
export const medium = scenario("medium_drone_border_authority");
export const high = scenario("high_lawful_interception_police_no_safeguards");

export function pageSubmission(e2e: E2E, person: Person, answers: Record<string, AnswerInput | undefined>): ViewSubmissionInput {
  return person.submission(fillState(person.requireView().view, answers));
}

/** Sends a view submission body as Slack would (signed, form-encoded). */
export async function sendSubmission(e2e: E2E, input: ViewSubmissionInput, extraHeaders: Record<string, string> = {}): Promise<HttpReply> {
  return e2e.sender.send(viewSubmissionBody(input), "application/x-www-form-urlencoded", extraHeaders);
}

/** What Slack does with an ack: applied to the fake's view, so the person sees it. */
export function applyAck(e2e: E2E, viewId: string, reply: HttpReply): void {
  const outcome = e2e.api.applyResponseAction(viewId, reply.json ?? {});
  if (outcome.kind === "refused") throw new Error(`Slack would refuse the bot's response: ${outcome.error} ${outcome.messages.join("; ")}`);
}

export function ackOf(reply: HttpReply): { response_action?: string; errors?: Record<string, string>; view?: { title?: { text?: string }; callback_id?: string; blocks?: unknown[] } } {
  return (reply.json ?? {}) as ReturnType<typeof ackOf>;
}

export function rationaleState(text: string): StateValues {
  return { [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: text } } };
}

/** Starts, answers every page of, and submits a screening; returns its row. */
export async function submitScreening(e2e: E2E, person: Person, answers: Record<string, AnswerInput>) {
  await person.command("new");
  await answerAllPages(person, answers);
  expect(person.requireView().view.callback_id).toBe(CALLBACK.review);
  const reply = await person.submit({});
  expect(ackOf(reply).response_action).toBe("update");
  return e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: person.userId }, orderBy: { createdAt: "desc" }, include: { escalation: true } });
}

/** Waits until the escalation of this screening is in the channel; returns the message. */
export async function escalationMessage(e2e: E2E, screeningId: string) {
  const row = await e2e.db.prisma.escalation.findUniqueOrThrow({ where: { screeningId } });
  const call = await e2e.api.waitFor("chat.postMessage", (_args, c) => {
    const ts = (c.response as { ts?: string } | undefined)?.ts;
    return c.status === 200 && typeof ts === "string" && JSON.stringify(c.args).includes(row.id);
  }, 15_000);
  const ts = String((call.response as { ts: string }).ts);
  const message = e2e.api.message(COMPLIANCE, ts);
  if (!message) throw new Error("escalation message not stored by the fake");
  return { escalationId: row.id, ts, message };
}

/** A click on a message button, built once (same action_ts each time it is sent). */
export function messageClickBody(e2e: E2E, userId: string, ts: string, actionId: string, value: string, actionTs: string): string {
  const message = e2e.api.message(COMPLIANCE, ts);
  return blockActionsBody({
    user: userId,
    actions: [{ action_id: actionId, block_id: "actions", value, type: "button", action_ts: actionTs }],
    container: "message",
    channel: COMPLIANCE,
    message: { ...(message ?? {}), ts },
    responseUrl: e2e.api.responseUrl(`btn-${userId}-${actionTs}`),
  });
}

/** The approver clicks a decision button and gets the decision form (not a refusal); returns that person. */
export async function openDecision(e2e: E2E, approver: string, ts: string, outcome: keyof typeof ACTION.decide, escalationId: string): Promise<Person> {
  const click = await clickDecision(e2e, e2e.person(approver), ts, outcome, escalationId);
  if (click.kind === "refused") throw new Error(`${approver} was refused the decision form: ${click.notice}`);
  return click.person;
}

export async function auditCount(e2e: E2E, where: { screeningId?: string; type?: string } = {}): Promise<number> {
  return e2e.db.prisma.auditEvent.count({ where });
}
