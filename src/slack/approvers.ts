// Who may decide escalations: the user IDs in APPROVER_USER_IDS and the members of the user
// group APPROVER_USERGROUP_ID; and who may approve a hard stop under an authorisation: the user
// IDs in HARD_STOP_APPROVER_USER_IDS and the members of HARD_STOP_APPROVER_USERGROUP_ID, or the
// approvers when neither is set. Group members are asked of Slack and cached briefly; a lookup
// failure denies. What each role may do is the approval policy's (domain/approval-policy.ts).
import type { webApi } from "@slack/bolt";
import type { Decider } from "../domain/approval-policy.js";
import type { Logger } from "../services/context.js";

export interface ApproverDirectory {
  isApprover(userId: string): Promise<boolean>;
  /** Approvers, and hard-stop approvers (they read what they decide): who may see any screening's answers. */
  isAnyApprover(userId: string): Promise<boolean>;
  /** The person as the approval policy sees them. */
  decider(userId: string): Promise<Decider>;
}

interface Members {
  userIds: readonly string[];
  usergroupId?: string | undefined;
}

export function approverDirectory(args: {
  userIds: readonly string[];
  usergroupId?: string | undefined;
  /** HARD_STOP_APPROVER_USER_IDS / HARD_STOP_APPROVER_USERGROUP_ID; none set: the approvers approve hard stops too */
  hardStop?: Members | undefined;
  client: webApi.WebClient;
  log: Logger;
  cacheMs?: number;
}): ApproverDirectory {
  const cacheMs = args.cacheMs ?? 60_000;
  const approvers = membership({ userIds: args.userIds, usergroupId: args.usergroupId }, args, cacheMs, "approver");
  const named = args.hardStop && (args.hardStop.userIds.length > 0 || args.hardStop.usergroupId !== undefined) ? args.hardStop : undefined;
  const hardStopApprovers = named ? membership(named, args, cacheMs, "hard-stop approver") : undefined;
  return {
    isApprover: approvers,
    async isAnyApprover(userId) {
      return (await approvers(userId)) || (hardStopApprovers !== undefined && (await hardStopApprovers(userId)));
    },
    async decider(userId) {
      const isApprover = await approvers(userId);
      if (!named || !hardStopApprovers) return { userId, isApprover };
      return { userId, isApprover, hardStop: { isApprover: await hardStopApprovers(userId), approvers: { userIds: [...named.userIds], usergroupId: named.usergroupId } } };
    },
  };
}

/** Whether a user is among `members`: listed, or in the user group (asked of Slack, cached for `cacheMs`). */
function membership(members: Members, deps: { client: webApi.WebClient; log: Logger }, cacheMs: number, role: string): (userId: string) => Promise<boolean> {
  const fixed = new Set(members.userIds);
  let cached: { members: Set<string>; until: number } | null = null;
  return async (userId) => {
    if (fixed.has(userId)) return true;
    if (!members.usergroupId) return false;
    if (!cached || cached.until < Date.now()) {
      try {
        const res = await deps.client.usergroups.users.list({ usergroup: members.usergroupId });
        cached = { members: new Set(res.users ?? []), until: Date.now() + cacheMs };
      } catch (err) {
        deps.log.error(`could not list ${role} user group members`, { usergroup: members.usergroupId, error: err instanceof Error ? err.message : String(err) });
        return false;
      }
    }
    return cached.members.has(userId);
  };
}
