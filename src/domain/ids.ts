// The screening's key, one branded type from the slash command to the decision: parsed once at
// the edge (private metadata, button values, commands), trusted everywhere after. Pure.

declare const screeningIdBrand: unique symbol;
/** A screening's id (a UUID), as read and checked at the edge. */
export type ScreeningId = string & { readonly [screeningIdBrand]: true };

declare const escalationIdBrand: unique symbol;
/** An escalation's id (a UUID), as read and checked at the edge. */
export type EscalationId = string & { readonly [escalationIdBrand]: true };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The id, lower-cased, when `value` is one; null for anything else (forged, truncated, another kind). */
export function parseScreeningId(value: unknown): ScreeningId | null {
  return typeof value === "string" && UUID.test(value) ? (value.toLowerCase() as ScreeningId) : null;
}

export function parseEscalationId(value: unknown): EscalationId | null {
  return typeof value === "string" && UUID.test(value) ? (value.toLowerCase() as EscalationId) : null;
}

/** For ids the store hands back (already checked by the database's uuid column). */
export function screeningIdOf(stored: string): ScreeningId {
  const id = parseScreeningId(stored);
  if (!id) throw new TypeError("not a screening id");
  return id;
}

export function escalationIdOf(stored: string): EscalationId {
  const id = parseEscalationId(stored);
  if (!id) throw new TypeError("not an escalation id");
  return id;
}
