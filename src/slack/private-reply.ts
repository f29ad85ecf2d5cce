// Telling only the person who clicked a button in a channel message why nothing happened: an
// ephemeral message in that channel, or through the action's response_url when there is no
// channel (or Slack refuses the ephemeral).
import type { BlockButtonAction, RespondFn, webApi } from "@slack/bolt";

export function privateReplier(body: BlockButtonAction, client: webApi.WebClient, respond: RespondFn): (text: string) => Promise<void> {
  const userId = body.user.id;
  return async (text) => {
    const viaResponseUrl = () => respond({ response_type: "ephemeral", replace_original: false, text });
    if (body.channel?.id) {
      await client.chat.postEphemeral({ channel: body.channel.id, user: userId, text }).catch(viaResponseUrl);
    } else {
      await viaResponseUrl();
    }
  };
}
