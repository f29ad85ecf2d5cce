// Telling only the person who clicked why nothing happened (or that the bot is busy), wherever
// they clicked: in a channel, an ephemeral message there, or through the action's response_url
// when Slack refuses the ephemeral; in a DM, through the response_url; inside a modal, a notice
// pushed on top of it (closing the notice goes back to what they typed); on the Home tab, a
// notice modal.
import type { BlockAction, RespondFn, webApi } from "@slack/bolt";
import { buildNoticeModal } from "./blocks/notice-modal.js";

type Clicked = Pick<BlockAction, "user" | "channel" | "view" | "trigger_id" | "response_url">;

export function privateReplier(body: Clicked, client: webApi.WebClient, respond: RespondFn | undefined): (text: string) => Promise<void> {
  const userId = body.user.id;
  return async (text) => {
    // Bolt gives no respond() to a click without a response_url (inside a modal, on the Home tab).
    const viaResponseUrl = async () => {
      if (body.response_url && respond) await respond({ response_type: "ephemeral", replace_original: false, text });
    };
    if (body.channel?.id) {
      await client.chat.postEphemeral({ channel: body.channel.id, user: userId, text }).catch(viaResponseUrl);
    } else {
      await viaResponseUrl();
    }
  };
}

/** Tells the clicker `text` wherever the click came from (see the top of this file); never throws. */
export async function tellClicker(args: { body: Clicked; client: webApi.WebClient; respond: RespondFn | undefined }, title: string, text: string): Promise<void> {
  const { body, client } = args;
  try {
    if (body.channel?.id || body.response_url) {
      await privateReplier(body, client, args.respond)(text);
    } else if (body.view?.type === "modal") {
      await client.views.push({ trigger_id: body.trigger_id, view: buildNoticeModal(title, text) });
    } else {
      await client.views.open({ trigger_id: body.trigger_id, view: buildNoticeModal(title, text) });
    }
  } catch {
    // The response_url expired or the trigger id died: there is nobody left to tell.
  }
}
