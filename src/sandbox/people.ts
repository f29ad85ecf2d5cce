// The people and places of the sandbox workspace: one requester, two approvers (the only ids
// the sandbox bot is told are approvers) and one outsider, plus the compliance channel. The
// fake Web API knows them (users.info answers with these names) and the page lets you switch
// between them.

export type SandboxRole = "requester" | "approver" | "outsider";

export interface SandboxPerson {
  id: string;
  /** Slack handle (user_name in slash commands, `name` in users.info) */
  handle: string;
  realName: string;
  role: SandboxRole;
  /** what the page says about them */
  title: string;
}

export const SANDBOX_PERSONS: readonly SandboxPerson[] = Object.freeze([
  { id: "U0REQUESTER", handle: "riley.chen", realName: "Riley Chen", role: "requester", title: "Sales engineer: screens deals" },
  { id: "U0APPROVER1", handle: "ana.ortiz", realName: "Ana Ortiz", role: "approver", title: "Compliance approver" },
  { id: "U0APPROVER2", handle: "ben.adeyemi", realName: "Ben Adeyemi", role: "approver", title: "Compliance approver" },
  { id: "U0OUTSIDER", handle: "olga.novak", realName: "Olga Novak", role: "outsider", title: "Marketing: not an approver" },
]);

export const SANDBOX_PEOPLE = {
  requester: "U0REQUESTER",
  approvers: ["U0APPROVER1", "U0APPROVER2"],
  outsider: "U0OUTSIDER",
} as const;

/** The app's name as people see it in Slack (manifest.yml, display_information.name). */
export const BOT_DISPLAY_NAME = "Export Due Diligence";

export const COMPLIANCE_CHANNEL_NAME = "export-compliance";

export function sandboxPerson(id: string): SandboxPerson | undefined {
  return SANDBOX_PERSONS.find((p) => p.id === id);
}
