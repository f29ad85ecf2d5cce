// Anchoring the audit trail outside the database. The hash chain shows an edited, inserted or
// removed event, but whoever can write the database can also recompute every hash after the
// edit, and the chain verifies again. So the chain's head (the newest event's seq and hash, the
// number of events and the time) is published where the database's administrator cannot edit
// it: a message in the compliance channel, at least once a day and on demand. A rewritten trail
// no longer holds a head published before the rewrite: `npm run audit:verify -- --heads FILE`
// says so. The Slack side is a callback (`publish`), supplied by bot.ts or the CLI.
import { auditChainHead, claimAnchorDay, releaseAnchorDay, type ChainHead, type PublishedHead } from "../store/audit.js";
import { describeError } from "../log-safe.js";
import type { Sql } from "../store/sql.js";
import type { Logger } from "./context.js";

/** Slack message metadata's event type on a published head. */
export const ANCHOR_EVENT_TYPE = "dd_audit_chain_head";

/** A chain head with the time it was read. */
export interface Anchor extends ChainHead {
  at: Date;
}

/** Slack message metadata (chat.postMessage's `metadata`), machine-readable copy of the text. */
export interface AnchorMetadata {
  event_type: typeof ANCHOR_EVENT_TYPE;
  event_payload: { seq: string; hash: string; events: number; at: string };
}

/** Posts a head (text and metadata) where the database's administrator cannot edit it. */
export type PublishAnchor = (text: string, metadata: AnchorMetadata) => Promise<void>;

/** The head in one line, as published and as `audit:verify --heads` reads it back. */
export function anchorLine(anchor: Anchor): string {
  return `audit-head seq=${anchor.seq} hash=${anchor.hash} events=${anchor.events} at=${anchor.at.toISOString()}`;
}

/** The message posted to the compliance channel: one line, the head first. */
export function anchorMessage(anchor: Anchor): { text: string; metadata: AnchorMetadata } {
  return {
    text:
      `${anchorLine(anchor)} · The audit trail's newest event, kept here where the database cannot change it. ` +
      "To check that the trail still holds it, save this line in a file and run `npm run audit:verify -- --heads FILE`.",
    metadata: {
      event_type: ANCHOR_EVENT_TYPE,
      event_payload: { seq: anchor.seq.toString(), hash: anchor.hash, events: anchor.events, at: anchor.at.toISOString() },
    },
  };
}

/** The head now; null when the trail is empty. */
export async function readAnchor(sql: Sql, now: () => Date): Promise<Anchor | null> {
  const head = await auditChainHead(sql);
  return head ? { ...head, at: now() } : null;
}

/** Publishes the head now (on demand); null when the trail is empty and nothing was published. */
export async function publishAnchor(deps: { sql: Sql; publish: PublishAnchor; now: () => Date }): Promise<Anchor | null> {
  const anchor = await readAnchor(deps.sql, deps.now);
  if (!anchor) return null;
  const { text, metadata } = anchorMessage(anchor);
  await deps.publish(text, metadata);
  return anchor;
}

export type DailyAnchorOutcome =
  | { outcome: "published"; day: string; anchor: Anchor }
  /** another instance (or an earlier run) published this day's head */
  | { outcome: "claimed"; day: string }
  /** nothing to anchor yet */
  | { outcome: "empty"; day: string };

export interface DailyAnchorDeps {
  sql: Sql;
  publish: PublishAnchor;
  now: () => Date;
  log: Logger;
}

/**
 * Publishes today's head (UTC day) unless it was published already: the day is claimed in the
 * database first, so with any number of instances exactly one publishes it. A publication that
 * fails gives the claim back (and throws), so a later attempt publishes the day after all.
 */
export async function publishDailyAnchor(deps: DailyAnchorDeps): Promise<DailyAnchorOutcome> {
  const day = deps.now().toISOString().slice(0, 10);
  const anchor = await readAnchor(deps.sql, deps.now);
  if (!anchor) return { outcome: "empty", day };
  if (!(await claimAnchorDay(deps.sql, day))) return { outcome: "claimed", day };
  const { text, metadata } = anchorMessage(anchor);
  try {
    await deps.publish(text, metadata);
  } catch (err) {
    await releaseAnchorDay(deps.sql, day).catch((releaseErr: unknown) =>
      deps.log.error("could not give back the claim on today's audit trail head; it will not be published today", { day, error: describeError(releaseErr) }),
    );
    throw err;
  }
  deps.log.info("audit trail head published", { day, seq: anchor.seq.toString(), hash: anchor.hash, events: anchor.events });
  return { outcome: "published", day, anchor };
}

export interface DailyAnchorJob {
  /** one attempt now (the timer's work); never throws, failures are logged */
  runOnce(): Promise<DailyAnchorOutcome | undefined>;
  /** stops the timer and waits for an attempt in flight */
  stop(): Promise<void>;
}

/**
 * Tries to publish today's head `firstDelayMs` after start (default 5 minutes: an instance that
 * crash-loops publishes nothing), then every `intervalMs` (default 1 hour). Each attempt costs
 * one statement once the day is claimed, so checking hourly keeps every UTC day published
 * within about an hour of its start, whichever instances are up.
 */
export function startDailyAnchor(deps: DailyAnchorDeps & { firstDelayMs?: number; intervalMs?: number }): DailyAnchorJob {
  let stopped = false;
  let running: Promise<DailyAnchorOutcome | undefined> | null = null;
  let timer: NodeJS.Timeout | undefined;

  function runOnce(): Promise<DailyAnchorOutcome | undefined> {
    if (running) return running;
    running = publishDailyAnchor(deps)
      .catch((err: unknown) => {
        deps.log.warn("could not publish the audit trail's head; trying again later", { error: describeError(err) });
        return undefined;
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  function schedule(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce().finally(() => schedule(deps.intervalMs ?? 3_600_000));
    }, ms);
    timer.unref();
  }
  schedule(deps.firstDelayMs ?? 300_000);

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reading published heads back (audit:verify --heads)

const SEQ = /\bseq[=:\s]\s*"?(\d{1,19})"?/;
const HASH = /\bhash[=:\s]\s*"?([0-9a-f]{64})"?/;

/**
 * The heads in a file, in any of these forms (mixed freely, one per line), or the whole file as
 * one JSON value:
 * - the published line, alone or inside pasted text: `audit-head seq=42 hash=<64 hex> …`;
 * - a JSON object `{"seq": 42, "hash": "…"}` (seq a number or a string), or Slack message
 *   metadata `{"event_type": "dd_audit_chain_head", "event_payload": {…}}`, or a Slack message
 *   carrying it in `metadata`;
 * - the whole file: a JSON array of those, or Slack's `conversations.history` answer
 *   (`{"messages": […]}`, fetched with `include_all_metadata=true`), whose other messages are
 *   skipped.
 * Blank lines and lines starting with `#` are skipped. Anything else is a problem: a head
 * misread must never pass unnoticed.
 */
export function parsePublishedHeads(text: string, source: string): { heads: PublishedHead[]; problems: string[] } {
  const heads: PublishedHead[] = [];
  const problems: string[] = [];
  const whole = parseJson(text.trim());
  if (whole !== undefined && (Array.isArray(whole) || isRecord(whole))) {
    const history = isRecord(whole) && Array.isArray(whole.messages);
    const items: unknown[] = Array.isArray(whole) ? whole : history ? (whole.messages as unknown[]) : [whole];
    items.forEach((item, i) => {
      // In a channel's history only the bot's published heads count; its other messages are skipped.
      if (history && !isAnchorMessage(item)) return;
      const head = headOf(item, Array.isArray(whole) || history ? `${source}: item ${i + 1}` : source);
      if (typeof head === "string") problems.push(head);
      else heads.push(head);
    });
    return { heads, problems };
  }
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const where = `${source}:${i + 1}`;
    const head = line.startsWith("{") ? headOf(parseJson(line) ?? line, where) : headOfText(line, where);
    if (typeof head === "string") problems.push(head);
    else heads.push(head);
  });
  return { heads, problems };
}

/** A head, or a problem in words. */
function headOf(item: unknown, where: string): PublishedHead | string {
  if (typeof item === "string") return headOfText(item, where);
  if (!isRecord(item)) return `${where}: not a published head (expected {"seq": …, "hash": "…"} or a line "seq=… hash=…")`;
  if (isRecord(item.metadata)) return headOf(item.metadata, where);
  if (isRecord(item.event_payload)) return headOf(item.event_payload, where);
  if (item.seq === undefined && item.hash === undefined && typeof item.text === "string") return headOfText(item.text, where);
  const seq = typeof item.seq === "number" && Number.isSafeInteger(item.seq) ? String(item.seq) : typeof item.seq === "string" ? item.seq : undefined;
  if (seq === undefined || !/^\d{1,19}$/.test(seq) || BigInt(seq) < 1n) return `${where}: "seq" must be the event's sequence number (a whole number from 1)`;
  if (typeof item.hash !== "string" || !/^[0-9a-f]{64}$/.test(item.hash)) return `${where}: "hash" must be 64 lowercase hexadecimal characters (sha256)`;
  return { seq: BigInt(seq), hash: item.hash, source: where };
}

function headOfText(line: string, where: string): PublishedHead | string {
  const seq = SEQ.exec(line)?.[1];
  const hash = HASH.exec(line)?.[1];
  if (seq === undefined || hash === undefined || BigInt(seq) < 1n) {
    return `${where}: not a published head (expected "seq=<number> hash=<64 hex characters>", as the bot posts it, or JSON {"seq": …, "hash": "…"})`;
  }
  return { seq: BigInt(seq), hash, source: where };
}

function isAnchorMessage(item: unknown): boolean {
  if (!isRecord(item)) return false;
  if (isRecord(item.metadata) && item.metadata.event_type === ANCHOR_EVENT_TYPE) return true;
  return typeof item.text === "string" && item.text.startsWith("audit-head ");
}

function parseJson(text: string): unknown {
  if (!text.startsWith("{") && !text.startsWith("[")) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
