// /screening [new|resume|list|status REF|help]
import type { App, RespondFn } from "@slack/bolt";
import { describeError } from "../../../store/errors.js";
import { listScreenings, screeningStatus } from "../../../services/queries.js";
import { resumeScreening, startScreening } from "../../../services/interview.js";
import { buildScreeningList, buildStatusSummary, usageText } from "../../blocks/summaries.js";
import type { SlackDeps } from "../../context.js";
import { messageFor } from "../../failures.js";
import { renderStep } from "../../render.js";

export function registerScreeningCommand(app: App, deps: SlackDeps): void {
  const { services } = deps;
  app.command("/screening", async ({ command, ack, respond, client }) => {
    const [sub = "", ...rest] = command.text.trim().split(/\s+/);
    const word = sub.toLowerCase();
    const userId = command.user_id;

    if (word === "" || word === "new" || word === "resume") {
      // Acknowledge at once; the trigger id lives ~3 s, so open the modal before anything slow.
      await ack();
      try {
        const step =
          word === "resume" ? await resumeScreening(services, userId) : await startScreening(services, { requesterId: userId, teamId: command.team_id, requestKey: `command:${command.trigger_id}` });
        if (!step) {
          await tell(respond, "You have no unfinished screening. Start one with `/screening`.");
          return;
        }
        try {
          await client.views.open({ trigger_id: command.trigger_id, view: renderStep(services.ruleSet, step) });
        } catch (err) {
          services.log.warn("views.open failed", { screeningId: step.screening.id, error: describeError(err) });
          await tell(respond, `Your screening ${step.screening.reference} is saved, but Slack did not open the form in time. Type \`/screening resume\` to continue.`);
        }
      } catch (err) {
        await tell(respond, messageFor(err, services.log, "/screening", { userId }));
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
        const isApprover = await deps.approvers.isApprover(userId);
        const detail = await screeningStatus(services, { reference, actorId: userId, isApprover });
        await ack({ response_type: "ephemeral", ...buildStatusSummary({ ruleSet: services.ruleSet, detail }) });
      } else if (word === "help") {
        await ack({ response_type: "ephemeral", text: usageText() });
      } else {
        await ack({ response_type: "ephemeral", text: usageText(sub) });
      }
    } catch (err) {
      await ack({ response_type: "ephemeral", text: messageFor(err, services.log, "/screening", { userId, sub: word.slice(0, 20) }) });
    }
  });
}

async function tell(respond: RespondFn, text: string): Promise<void> {
  try {
    await respond({ response_type: "ephemeral", text });
  } catch {
    // The response_url may have expired; there is nobody left to tell.
  }
}
