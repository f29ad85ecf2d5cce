// The outer shape of every request the listeners handle, checked before any listener runs: a
// signed request is Slack's, but a payload Slack never sends (a view_submission without a view,
// an action without a user) must be answered cleanly rather than crash a listener into a 500.
// Only what the listeners rely on is checked; everything inside is parsed again where it is used.
import { z } from "zod";

const Id = z.string().min(1).max(255);
const User = z.object({ id: Id });
const View = z.object({
  id: Id,
  callback_id: z.string().max(255),
  hash: z.string().max(255).optional(),
  private_metadata: z.string().max(3000).optional(),
});

const Interaction = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("block_actions"),
    user: User,
    actions: z.array(z.object({ action_id: Id, type: z.string().max(100), action_ts: z.string().max(100).optional() })).min(1).max(25),
    view: View.optional(),
  }),
  z.object({ type: z.literal("view_submission"), user: User, view: View.extend({ state: z.object({ values: z.record(z.string(), z.record(z.string(), z.unknown())) }) }) }),
  z.object({ type: z.literal("view_closed"), user: User, view: View }),
]);

const Command = z.object({ command: z.string().max(100), text: z.string(), user_id: Id, trigger_id: Id, team_id: z.string().max(100).optional() });

const Event = z.object({ type: z.literal("event_callback"), event: z.looseObject({ type: z.string().max(100) }) });
const AppHomeOpened = z.object({ type: z.literal("app_home_opened"), user: Id, tab: z.string().max(50) });

const HANDLED_INTERACTIONS = new Set(["block_actions", "view_submission", "view_closed"]);

/** What kind of request a body is, for logs (never anything it says). */
export function requestKind(body: unknown): "command" | "interaction" | "event" | "other" {
  if (typeof body !== "object" || body === null) return "other";
  if ("command" in body) return "command";
  const type = "type" in body ? body.type : undefined;
  if (type === "event_callback") return "event";
  return typeof type === "string" && HANDLED_INTERACTIONS.has(type) ? "interaction" : "other";
}

/** True when `body` has the shape of a request the listeners handle, or is one they ignore. */
export function isWellFormedRequest(body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  if ("command" in body) return Command.safeParse(body).success;
  const type = "type" in body ? body.type : undefined;
  if (type === "event_callback") {
    const envelope = Event.safeParse(body);
    if (!envelope.success) return false;
    return envelope.data.event.type !== "app_home_opened" || AppHomeOpened.safeParse(envelope.data.event).success;
  }
  if (typeof type === "string" && HANDLED_INTERACTIONS.has(type)) return Interaction.safeParse(body).success;
  return true;
}
