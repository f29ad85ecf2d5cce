// The Home tab: my screenings, and for approvers the escalations waiting for them.
import type { App } from "@slack/bolt";
import { homeData } from "../../../services/queries.js";
import { buildHomeView } from "../../blocks/home.js";
import type { SlackDeps } from "../../context.js";
import { messageFor } from "../../failures.js";

export function registerAppHome(app: App, deps: SlackDeps): void {
  const { services } = deps;
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    try {
      const isApprover = await deps.approvers.isApprover(event.user);
      const data = await homeData(services, { userId: event.user, isApprover });
      await client.views.publish({ user_id: event.user, view: buildHomeView({ ruleSet: services.ruleSet, userId: event.user, ...data }) });
    } catch (err) {
      messageFor(err, services.log, "home tab", { userId: event.user });
    }
  });
}
