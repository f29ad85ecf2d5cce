// JSON as it goes into and comes out of JSONB columns. Values are normalised before they are
// stored (and hashed), so what is read back compares equal to what was written.
import { z } from "zod";

export type Json = z.infer<typeof JsonSchema>;
export type JsonObject = { [key: string]: Json };

/** What callers may hand in: plain JSON data; properties left undefined are dropped. */
export type JsonInput = string | number | boolean | null | readonly JsonInput[] | { readonly [key: string]: JsonInput | undefined };

export const JsonSchema = z.json();
export const JsonObjectSchema = z.record(z.string(), JsonSchema);

/**
 * The value exactly as JSONB will give it back: undefined properties dropped, non-finite
 * numbers become null (JSON.stringify's rules). What JSON.parse returns is JSON by construction,
 * so it needs no further check (a schema walk here was 1% of the main thread under load).
 */
export function normaliseJson(value: unknown): Json {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError("value is not representable as JSON");
  return JSON.parse(text) as Json;
}

export function normaliseJsonObject(value: JsonInput): JsonObject {
  return JsonObjectSchema.parse(normaliseJson(value));
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] ?? null)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function jsonEqual(a: Json, b: Json): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
