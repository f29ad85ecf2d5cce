// The shape every listener has: a named, exported function of (what Bolt hands it, what the bot
// gives it), and a registration naming what it answers. Each listener file exports its
// `registrations`; `index.ts` gathers them into one table per surface and `app.ts` registers the
// tables. Tests call a listener directly with a fake client and fake deps.
//
// The argument types keep only what the listeners read, so a test builds no more than that.
import type {
  AllMiddlewareArgs,
  BlockButtonAction,
  SlackShortcutMiddlewareArgs,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewClosedAction,
  ViewSubmitAction,
} from "@slack/bolt";
import type { SlackDeps } from "../context.js";

type WithClient = Pick<AllMiddlewareArgs, "client">;

/** A button clicked (in a message, a modal or the Home tab). */
export type ButtonArgs = Pick<SlackActionMiddlewareArgs<BlockButtonAction>, "ack" | "body" | "action" | "respond"> & WithClient;
/** `/screening …` typed. */
export type CommandArgs = Pick<SlackCommandMiddlewareArgs, "ack" | "command" | "respond"> & WithClient;
/** A modal submitted. */
export type ViewSubmitArgs = Pick<SlackViewMiddlewareArgs<ViewSubmitAction>, "ack" | "body" | "view">;
/** A modal closed (only views that set notify_on_close). */
export type ViewClosedArgs = Pick<SlackViewMiddlewareArgs<ViewClosedAction>, "ack" | "body" | "view">;
/** A shortcut chosen (the Report misuse message shortcut). */
export type ShortcutArgs = Pick<SlackShortcutMiddlewareArgs, "ack" | "shortcut" | "respond"> & WithClient;
/** The Home tab opened. */
export type HomeOpenedArgs = Pick<SlackEventMiddlewareArgs<"app_home_opened">, "event"> & WithClient;

export type Listener<Args> = (args: Args, deps: SlackDeps) => Promise<void>;

export interface CommandRegistration {
  command: string;
  listener: Listener<CommandArgs>;
}

export interface ActionRegistration {
  /** an action_id, or a family of them (`actionFamily`) */
  actionId: string | RegExp;
  listener: Listener<ButtonArgs>;
}

export type ViewRegistration =
  | { callbackId: string; type: "view_submission"; listener: Listener<ViewSubmitArgs> }
  | { callbackId: string; type: "view_closed"; listener: Listener<ViewClosedArgs> };

export interface ShortcutRegistration {
  /** the shortcut's callback_id (manifest.yml features.shortcuts) */
  callbackId: string;
  listener: Listener<ShortcutArgs>;
}

export interface EventRegistration {
  event: "app_home_opened";
  listener: Listener<HomeOpenedArgs>;
}
