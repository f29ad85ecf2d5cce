// Who the reminders' scheduler (src/services/reminders.ts) reminds of an escalation: the
// approvers (APPROVER_USER_IDS and the members of APPROVER_USERGROUP_ID) and the hard-stop
// approvers (HARD_STOP_APPROVER_USER_IDS, members of HARD_STOP_APPROVER_USERGROUP_ID; none
// named: the approvers). Asked of Slack only when a reminder is due; a group that cannot be
// listed is left out (and logged), the others are still reminded.
import { webApi } from "@slack/bolt";
import type { Config } from "../config/env.js";
import type { ReminderRecipients } from "../domain/reminders.js";
import { describeError, type Logger } from "../log-safe.js";

export function reminderRecipients(args: {
  config: Pick<Config, "slackBotToken" | "slackApiUrl" | "approverUserIds" | "approverUsergroupId" | "hardStopApproverUserIds" | "hardStopApproverUsergroupId">;
  log: Logger;
  timeoutMs?: number | undefined;
  /** Bolt's logger for the client (the bot's redacting one) */
  logger?: webApi.WebClientOptions["logger"];
}): () => Promise<ReminderRecipients> {
  const { config, log } = args;
  const client = new webApi.WebClient(config.slackBotToken, {
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    // The next pass asks again.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: args.timeoutMs ?? 10_000,
    ...(args.logger ? { logger: args.logger } : {}),
  });

  async function members(usergroupId: string | undefined, role: string): Promise<string[]> {
    if (!usergroupId) return [];
    try {
      const res = await client.usergroups.users.list({ usergroup: usergroupId });
      return (res.users ?? []).filter((u): u is string => typeof u === "string");
    } catch (err) {
      log.warn(`could not list the ${role} user group for reminders; its members are not reminded this time`, { usergroup: usergroupId, error: describeError(err) });
      return [];
    }
  }

  return async () => {
    const [approverGroup, hardStopGroup] = await Promise.all([
      members(config.approverUsergroupId, "approver"),
      members(config.hardStopApproverUsergroupId, "hard-stop approver"),
    ]);
    return {
      approvers: [...new Set([...config.approverUserIds, ...approverGroup])],
      hardStopApprovers: [...new Set([...config.hardStopApproverUserIds, ...hardStopGroup])],
    };
  };
}
