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
