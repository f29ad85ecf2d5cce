// What every listener receives: the use-case context and the Slack-side helpers.
import type { ServiceContext } from "../services/context.js";
import type { ApproverDirectory } from "./approvers.js";

export interface SlackDeps {
  services: ServiceContext;
  approvers: ApproverDirectory;
}
