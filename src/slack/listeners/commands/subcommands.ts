// `/screening` subcommands beyond the interview's own (new, resume, list, status, help), each in
// its own file under commands/, registered here by its word. A handler acknowledges the command
// itself (ephemeral text, or an empty ack before opening a modal) and never throws: failures
// become a message for the person (failures.ts).
import type { SlackDeps } from "../../context.js";
import type { CommandArgs } from "../types.js";
import { handleRenew } from "./renew.js";
import { handleReportCommand } from "./report.js";
import { handleExportCommand } from "./export.js";

export type Subcommand = (args: CommandArgs, deps: SlackDeps, rest: string[]) => Promise<void>;

export const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  renew: handleRenew,
  report: handleReportCommand,
  export: handleExportCommand,
};

