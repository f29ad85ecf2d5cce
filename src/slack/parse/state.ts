// The shape of view.state.values as Slack sends it, for the parsers. Only the fields we read
// are described; anything else an element carries is ignored.
import { z } from "zod";

/** Longest option value we accept; longer is malformed (Slack caps option values at 150). */
export const MAX_INPUT = 10_000;
/** Most options a multi-select or checkbox group can return (Slack caps selects at 100). */
export const MAX_SELECTED = 200;

const SelectedOption = z.object({ value: z.string().max(MAX_INPUT) });

export const ElementState = z.object({
  type: z.string().max(100).optional(),
  // Typed text is passed on whatever its length (the receiver's body limit bounds it): whether it
  // is too long is the domain's check, which says so on the field ("Too long: …"), where reading
  // an over-long value as missing would tell the person to answer a question they answered.
  value: z.string().nullish(),
  selected_option: SelectedOption.nullish(),
  selected_options: z.array(SelectedOption).max(MAX_SELECTED).nullish(),
  selected_date: z.string().max(100).nullish(),
});
export type ElementState = z.infer<typeof ElementState>;

const Values = z.record(z.string(), z.record(z.string(), z.unknown()));

/** The state of one element, values[blockId][actionId], or undefined when missing or malformed. */
export function elementState(values: unknown, blockId: string, actionId: string): ElementState | undefined {
  const all = Values.safeParse(values);
  if (!all.success) return undefined;
  const block = Object.hasOwn(all.data, blockId) ? all.data[blockId] : undefined;
  const raw = block && Object.hasOwn(block, actionId) ? block[actionId] : undefined;
  if (raw === undefined) return undefined;
  const parsed = ElementState.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
