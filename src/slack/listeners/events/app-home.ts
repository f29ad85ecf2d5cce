// The Home tab: what is due (reviews coming up, drafts to finish, decisions waiting, with how
// long), my screenings, and for approvers the escalations waiting for them, each linked to its
// message in the compliance channel.
import type { WebClient } from "@slack/web-api";
import type { EscalationRecord } from "../../../domain/records.js";
import type { Logger } from "../../../services/context.js";
import { homeData } from "../../../services/queries.js";
import { upcomingReviews } from "../../../services/rescreening.js";
import { describeError } from "../../../log-safe.js";
import { HOME_LIST_MAX, buildHomeView, type HomeReview } from "../../blocks/home.js";
import { messageFor } from "../../failures.js";
import type { EventRegistration, HomeOpenedArgs, Listener } from "../types.js";

/** How long the Home tab waits for permalinks before it is shown without the missing ones. */
export const PERMALINK_WAIT_MS = 2000;

export const handleHomeOpened: Listener<HomeOpenedArgs> = async ({ event, client }, deps) => {
  const { services } = deps;
  if (event.tab !== "home") return;
  try {
    const isApprover = await deps.approvers.isApprover(event.user);
    const [data, reviews] = await Promise.all([homeData(services, { userId: event.user, isApprover }), reviewsComingUp(deps, event.user)]);
    const links = await permalinks(client, services.log, (data.awaiting ?? []).slice(0, HOME_LIST_MAX).map((a) => a.escalation));
    const awaiting = data.awaiting?.map((a) => ({ ...a, permalink: links.get(a.escalation.id) })) ?? null;
    const view = buildHomeView({ ruleSet: services.ruleSet, userId: event.user, mine: data.mine, awaiting, now: services.now(), reviews });
    await client.views.publish({ user_id: event.user, view });
  } catch (err) {
    // Nobody waits on an event's answer (Bolt acknowledged it already): logged, and the Home tab keeps what it showed.
    messageFor(err, services.log, "home tab", { userId: event.user });
  }
};

export const registrations: EventRegistration[] = [{ event: "app_home_opened", listener: handleHomeOpened }];

/**
 * The person's reviews coming up (re-screening before renewal, services/rescreening.ts). Left out,
 * and logged, when they cannot be read: the rest of the Home tab still opens.
 */
async function reviewsComingUp(deps: Parameters<typeof handleHomeOpened>[1], userId: string): Promise<HomeReview[]> {
  try {
    const rows = await upcomingReviews(deps.services, { requesterId: userId });
    return rows.map((r) => ({ screeningId: r.screeningId, reference: r.reference, reviewDueAt: r.reviewDueAt }));
  } catch (err) {
    deps.services.log.warn("could not read the reviews coming up; the Home tab is shown without them", { userId, error: describeError(err) });
    return [];
  }
}

/**
 * Links to the escalation messages (chat.getPermalink), by escalation id. A link that cannot be
 * had in time (message not posted yet, Slack refusing or slow) is left out: the entry is then
 * shown without it, and the Home tab still opens.
 */
export async function permalinks(client: WebClient, log: Logger, escalations: readonly EscalationRecord[], waitMs = PERMALINK_WAIT_MS): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  let failures = 0;
  await Promise.all(
    escalations.map(async (e) => {
      if (e.messageTs === null) return;
      try {
        const res = await withTimeout(client.chat.getPermalink({ channel: e.channelId, message_ts: e.messageTs }), waitMs);
        if (res && typeof res.permalink === "string") links.set(e.id, res.permalink);
      } catch (err) {
        failures++;
        if (failures === 1) log.warn("chat.getPermalink failed; the Home tab shows the entry without a link", { escalationId: e.id, error: describeError(err) });
      }
    }),
  );
  return links;
}

/** The promise's value, or undefined once `ms` have passed. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
