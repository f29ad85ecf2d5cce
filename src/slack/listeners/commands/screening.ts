// /screening [new|resume|list|status REF|help], and the subcommands of subcommands.ts
import type { RespondFn } from "@slack/bolt";
import { listScreenings, screeningStatus } from "../../../services/queries.js";
import { resumeScreening, startScreening } from "../../../services/interview.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { buildScreeningList, buildStatusSummary, usageText } from "../../blocks/summaries.js";
import { clickMessageFor } from "../../failures.js";
import { openThenShow } from "../../open-first.js";
import { renderStep } from "../../render.js";
import { SUBCOMMANDS } from "./subcommands.js";
import type { CommandArgs, CommandRegistration, Listener } from "../types.js";

export const SCREENING_COMMAND = "/screening";

export const handleScreeningCommand: Listener<CommandArgs> = async ({ command, ack, respond, client }, deps) => {
  const { services } = deps;
  const [sub = "", ...rest] = command.text.trim().split(/\s+/);
  const word = sub.toLowerCase();
  const userId = command.user_id;

  if (word === "" || word === "new" || word === "resume") {
    // Acknowledge at once, open the modal before any database work (the trigger id lives
    // about 3 s), then show the page in it (or a notice: busy, nothing started).
    await ack();
    let saved: string | undefined;
    const outcome = await openThenShow(client, services.log, {
      triggerId: command.trigger_id,
      context: `/screening ${word || "new"}`,
      produce: async () => {
        try {
          const step =
            word === "resume"
              ? await resumeScreening(services, userId)
              : await startScreening(services, { requesterId: userId, teamId: command.team_id, requestKey: `command:${command.trigger_id}` });
          if (!step) return buildNoticeModal("Nothing to continue", "You have no unfinished screening. Start one with /screening.");
          saved = step.screening.reference;
          return renderStep(services.ruleSet, step);
        } catch (err) {
          return buildNoticeModal("Could not open", clickMessageFor(err, services.log, "/screening", { userId }));
        }
      },
    });
    if (outcome === "not_opened") {
      // Slack refused the modal (its trigger expired or was used already): nothing was started here.
      await tell(
        respond,
        "Slack did not open the form (the request had expired or was already used), so nothing new was started. If no form is open, type `/screening` again; `/screening resume` continues a screening you already started.",
      );
    } else if (outcome === "not_updated" && saved) {
      await tell(respond, `Your screening ${saved} is saved. Type \`/screening resume\` to continue it.`);
    }
    return;
  }

  try {
    if (word === "list") {
      const records = await listScreenings(services, userId);
      await ack({ response_type: "ephemeral", ...buildScreeningList(services.ruleSet, records) });
    } else if (word === "status") {
      const reference = rest.join(" ");
      if (!reference) {
        await ack({ response_type: "ephemeral", text: "Which screening? Type `/screening status DD-2026-0007`; `/screening list` shows your references." });
        return;
      }
      const isApprover = await deps.approvers.isAnyApprover(userId);
      const detail = await screeningStatus(services, { reference, actorId: userId, isApprover });
      await ack({ response_type: "ephemeral", ...buildStatusSummary({ ruleSet: services.ruleSet, detail }) });
    } else if (Object.hasOwn(SUBCOMMANDS, word)) {
      await SUBCOMMANDS[word]?.({ command, ack, respond, client }, deps, rest);
    } else if (word === "help") {
      await ack({ response_type: "ephemeral", text: usageText() });
    } else {
      await ack({ response_type: "ephemeral", text: usageText(sub) });
    }
  } catch (err) {
    await ack({ response_type: "ephemeral", text: clickMessageFor(err, services.log, "/screening", { userId, sub: word.slice(0, 20) }) });
  }
};

async function tell(respond: RespondFn, text: string): Promise<void> {
  try {
    await respond({ response_type: "ephemeral", text });
  } catch {
    // The response_url may have expired; there is nobody left to tell.
  }
}

export const registrations: CommandRegistration[] = [{ command: SCREENING_COMMAND, listener: handleScreeningCommand }];
