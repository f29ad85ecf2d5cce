// Who may decide escalations: the user IDs in APPROVER_USER_IDS, and the members of the user
// group APPROVER_USERGROUP_ID (asked of Slack, cached briefly; a lookup failure denies).
import type { webApi } from "@slack/bolt";
import type { Logger } from "../services/context.js";

export interface ApproverDirectory {
  isApprover(userId: string): Promise<boolean>;
}

export function approverDirectory(args: {
  userIds: readonly string[];
  usergroupId?: string | undefined;
  client: webApi.WebClient;
  log: Logger;
  cacheMs?: number;
}): ApproverDirectory {
  const fixed = new Set(args.userIds);
  let cached: { members: Set<string>; until: number } | null = null;
  const cacheMs = args.cacheMs ?? 60_000;
  return {
    async isApprover(userId) {
      if (fixed.has(userId)) return true;
      if (!args.usergroupId) return false;
      if (!cached || cached.until < Date.now()) {
        try {
          const res = await args.client.usergroups.users.list({ usergroup: args.usergroupId });
          cached = { members: new Set(res.users ?? []), until: Date.now() + cacheMs };
        } catch (err) {
          args.log.error("could not list approver user group members", { usergroup: args.usergroupId, error: err instanceof Error ? err.message : String(err) });
          return false;
        }
      }
      return cached.members.has(userId);
    },
  };
}
