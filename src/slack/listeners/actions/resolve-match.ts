// **Confirmed match** / **Not the same party** under a potential restricted-party match in the
// escalation message: only approvers (or hard-stop approvers) may resolve; the modal asks why,
// and its submission records the resolution and re-scores the screening.
import type { App, BlockButtonAction } from "@slack/bolt";
import { z } from "zod";
import type { ResolutionOutcome } from "../../../domain/party-matching.js";
import { recordUnreadableForm } from "../../../services/context.js";
import { matchToResolve, REASON_MAX, resolvePartyMatch, type MatchRef } from "../../../services/party-matches.js";
import { buildMatchResolutionModal } from "../../blocks/party-matches.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import type { SlackDeps } from "../../context.js";
import { privateReplier } from "../../private-reply.js";
import { messageFor } from "../../failures.js";
import { ACTION, BLOCK, CALLBACK, actionFamily } from "../../ids.js";
import { checkAnswer } from "../../../domain/interview.js";
import { QuestionSchema } from "../../../domain/rule-set.js";

const REASON = QuestionSchema.parse({ id: "match_reason", type: "free_text", label: "Reason", source: "-", multiline: true, max_length: REASON_MAX, required: true });

/** "screening id|match number|entry id", as the buttons carry it. */
export function parseMatchRef(value: unknown): MatchRef | undefined {
  if (typeof value !== "string" || value.length > 400) return undefined;
  const [screeningId, index, entryId] = value.split("|");
  const n = Number(index);
  if (!screeningId || !entryId || !Number.isInteger(n) || n < 0 || n > 1000) return undefined;
  return { screeningId, index: n, entryId };
}

const Metadata = z.object({ s: z.string().max(64), i: z.number().int().min(0).max(1000), e: z.string().max(300), o: z.enum(["confirmed", "not_same_party"]) });

function parseMetadata(text: string | undefined): (MatchRef & { outcome: ResolutionOutcome }) | undefined {
  try {
    const parsed = Metadata.safeParse(JSON.parse(text ?? ""));
    return parsed.success ? { screeningId: parsed.data.s, index: parsed.data.i, entryId: parsed.data.e, outcome: parsed.data.o } : undefined;
  } catch {
    return undefined;
  }
}

export function registerResolveMatch(app: App, deps: SlackDeps): void {
  const { services } = deps;
  for (const outcome of ["confirmed", "not_same_party"] as const) {
    app.action<BlockButtonAction>(actionFamily(ACTION.resolveMatch[outcome]), async ({ ack, body, action, client, respond }) => {
      await ack();
      const userId = body.user.id;
      const refuse = privateReplier(body, client, respond);
      try {
        const actor = await deps.approvers.decider(userId);
        if (!actor.isApprover && actor.hardStop?.isApprover !== true) {
          await refuse("Only compliance approvers can resolve possible list matches. Ask the compliance team if you think you should be one. Nothing was changed.");
          return;
        }
        const ref = parseMatchRef(action.value);
        if (!ref) {
          await recordUnreadableForm(services, { actorId: userId, form: action.action_id.slice(0, 64) });
          await refuse("This button could not be read. Nothing was changed: use the buttons on the escalation message.");
          return;
        }
        const { reference, match } = await matchToResolve(services, ref);
        await client.views.open({
          trigger_id: body.trigger_id,
          view: buildMatchResolutionModal({
            ruleSet: services.ruleSet,
            reference,
            match,
            outcome,
            metadata: JSON.stringify({ s: ref.screeningId, i: ref.index, e: ref.entryId, o: outcome }),
          }),
        });
      } catch (err) {
        await refuse(messageFor(err, services.log, "list match button", { userId })).catch(() => undefined);
      }
    });
  }

  app.view(CALLBACK.matchResolution, async ({ ack, body, view }) => {
    const meta = parseMetadata(view.private_metadata);
    if (!meta) {
      await ack({ response_action: "update", view: buildNoticeModal("Form expired", "This form could not be read. Nothing was recorded. Click the button in the channel again.") });
      await recordUnreadableForm(services, { actorId: body.user.id, form: CALLBACK.matchResolution });
      return;
    }
    const raw = view.state.values[BLOCK.matchReason]?.[ACTION.matchReason];
    const text = raw && typeof raw === "object" && "value" in raw && typeof raw.value === "string" ? raw.value : undefined;
    const reason = checkAnswer(services.ruleSet, REASON, text);
    if (!reason.ok || typeof reason.value !== "string") {
      await ack({ response_action: "errors", errors: { [BLOCK.matchReason]: reason.ok ? "Write the reason: it goes into the record." : reason.message } });
      return;
    }
    try {
      const actor = await deps.approvers.decider(body.user.id);
      if (!actor.isApprover && actor.hardStop?.isApprover !== true) {
        await ack({ response_action: "update", view: buildNoticeModal("Not recorded", "Only compliance approvers can resolve possible list matches. Nothing was changed.") });
        return;
      }
      const result = await resolvePartyMatch(services, { ...meta, reason: reason.value, actorId: body.user.id, requestKey: `view:${view.id}:${view.hash}` });
      if (result.kind === "reason_missing") {
        await ack({ response_action: "errors", errors: { [BLOCK.matchReason]: result.message } });
        return;
      }
      await ack({ response_action: "clear" });
    } catch (err) {
      const message = messageFor(err, services.log, "list match resolution", { screeningId: meta.screeningId });
      await ack({ response_action: "update", view: buildNoticeModal("Not recorded", message) });
    }
  });
}
