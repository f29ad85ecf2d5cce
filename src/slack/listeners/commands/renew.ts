// `/screening renew REF`: starts a re-screening of REF by hand (its requester, or an approver),
// prefilled with its answers; asked again, it continues the re-screening under way. The modal
// opens before any database work (the trigger id lives about 3 s), then shows the first page, or
// a notice saying why not (not found, not decided yet, already re-screened…).
import { startRescreening } from "../../../services/rescreening.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { clickMessageFor, plainMentions } from "../../failures.js";
import { openThenShow } from "../../open-first.js";
import { renderStep } from "../../render.js";
import type { Subcommand } from "./subcommands.js";

export const RENEW_USAGE = "Which screening? Type `/screening renew DD-2026-0007`; `/screening list` shows your references.";

export const handleRenew: Subcommand = async ({ command, ack, respond, client }, deps, rest) => {
  const { services } = deps;
  const userId = command.user_id;
  const reference = rest.join(" ").trim();
  if (!reference) {
    await ack({ response_type: "ephemeral", text: RENEW_USAGE });
    return;
  }
  await ack();
  let started: string | undefined;
  const outcome = await openThenShow(client, services.log, {
    triggerId: command.trigger_id,
    context: "/screening renew",
    produce: async () => {
      try {
        const isApprover = await deps.approvers.isAnyApprover(userId);
        const step = await startRescreening(services, {
          previous: { reference },
          actorId: userId,
          isApprover,
          teamId: command.team_id,
          requestKey: `command:${command.trigger_id}`,
        });
        started = step.screening.reference;
        return renderStep(services.ruleSet, step);
      } catch (err) {
        return buildNoticeModal("Cannot re-screen", plainMentions(clickMessageFor(err, services.log, "/screening renew", { userId })));
      }
    },
  });
  const tell = (text: string) => respond({ response_type: "ephemeral", text }).catch(() => undefined);
  if (outcome === "not_opened") {
    await tell("Slack did not open the form (the request had expired or was already used), so nothing was started. Type `/screening renew` again.");
  } else if (outcome === "not_updated" && started) {
    await tell(`Your re-screening ${started} is saved. Type \`/screening resume\` to continue it.`);
  }
};
