// Every listener, in one table per surface. Each listener file exports its named listeners and
// their `registrations`; app.ts registers these tables (and the global steps of middleware.ts).
import { registrations as decisionButtons } from "./actions/decision-buttons.js";
import { registrations as misuseReportButtons } from "./actions/misuse-report-buttons.js";
import { registrations as interviewNavigation } from "./actions/interview-navigation.js";
import { registrations as replyButton } from "./actions/reply-button.js";
import { registrations as resolveMatch } from "./actions/resolve-match.js";
import { registrations as startRescreening } from "./actions/start-rescreening.js";
import { registrations as viewAnswers } from "./actions/view-answers.js";
import { registrations as screeningCommand } from "./commands/screening.js";
import { registrations as appHome } from "./events/app-home.js";
import { registrations as decisionView } from "./views/decision.js";
import { registrations as interviewViews } from "./views/interview.js";
import { registrations as matchResolutionView } from "./views/match-resolution.js";
import { registrations as replyView } from "./views/reply.js";
import { registrations as misuseReportView } from "./views/misuse-report.js";
import { registrations as misuseReportCloseView } from "./views/misuse-report-close.js";
import { registrations as reportMisuseShortcut } from "./shortcuts/report-misuse.js";
import type { ActionRegistration, CommandRegistration, EventRegistration, ShortcutRegistration, ViewRegistration } from "./types.js";

export const COMMANDS: readonly CommandRegistration[] = [...screeningCommand];

export const ACTIONS: readonly ActionRegistration[] = [...decisionButtons, ...viewAnswers, ...interviewNavigation, ...replyButton, ...resolveMatch, ...startRescreening, ...misuseReportButtons];

export const VIEWS: readonly ViewRegistration[] = [...interviewViews, ...decisionView, ...replyView, ...matchResolutionView, ...misuseReportView, ...misuseReportCloseView];

export const EVENTS: readonly EventRegistration[] = [...appHome];

export const SHORTCUTS: readonly ShortcutRegistration[] = [...reportMisuseShortcut];

// ---- routing --------------------------------------------------------------------------------
// Buttons and modals reach Bolt as one listener per surface (app.ts), which looks the request's
// action_id or callback_id up here. Bolt runs the middleware chain of every registered listener
// for every request, matching or not; with one Bolt listener per button and per modal that was 27
// chains per request, a noticeable share of the main thread under load.

/** The listeners for a clicked action_id: its own registration and any family that matches it. */
export function buttonListeners(table: readonly ActionRegistration[]): (actionId: string) => ActionRegistration["listener"][] {
  const byId = new Map<string, ActionRegistration["listener"][]>();
  const families = table.filter((r): r is ActionRegistration & { actionId: RegExp } => r.actionId instanceof RegExp);
  for (const r of table) {
    if (typeof r.actionId !== "string") continue;
    const list = byId.get(r.actionId) ?? [];
    list.push(r.listener);
    byId.set(r.actionId, list);
  }
  return (actionId) => [...(byId.get(actionId) ?? []), ...families.filter((f) => matches(f.actionId, actionId)).map((f) => f.listener)];
}

type ViewListener<T extends ViewRegistration["type"]> = Extract<ViewRegistration, { type: T }>["listener"];

/** The listeners for a submitted (or closed) modal's callback_id. */
export function viewListeners<T extends ViewRegistration["type"]>(table: readonly ViewRegistration[], type: T): (callbackId: string) => ViewListener<T>[] {
  const byId = new Map<string, ViewListener<T>[]>();
  for (const r of table) {
    if (r.type !== type) continue;
    const list = byId.get(r.callbackId) ?? [];
    list.push(r.listener as ViewListener<T>);
    byId.set(r.callbackId, list);
  }
  return (callbackId) => byId.get(callbackId) ?? [];
}

/** Bolt's test for a RegExp constraint (`RegExp.test`, no anchoring), without a global flag's state. */
function matches(pattern: RegExp, value: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(value);
}
